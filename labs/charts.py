"""Trend charts: the geometry of a chart of one test's values, computed here without a database;
the SVG markup is the template `labs/_trend_chart.svg`, which escapes every text.

The reference band is shaded; every point carries its flag by shape *and* colour, and a
`<title>` tooltip with its date, value and flag, so nothing is told by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from labs.models import reader_decimals

# Sized for a phone, as the programmes' charts are: drawn at most WIDTH px wide (`img-fluid`,
# never scaled up) with FONT_SIZE-unit labels, so a phone's ~330 px column shrinks a label to
# about 10 px (640 units wide at 100 %, they were 6 px).
WIDTH, HEIGHT = 480, 240
FONT_SIZE = 15
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 16, 20, 48
POINT_SIZE, CRITICAL_POINT_SIZE = 4.5, 6.0


@dataclass(frozen=True)
class Style:
    shape: str
    colour: str  # passes 3:1 against white
    marker: str  # the text shown above the point
    label: str


def _styles() -> dict[str, Style]:
    return {
        "normal": Style("circle", "#1f6f43", "", _("normal")),
        "low": Style("triangle-down", "#b35900", "L", _("low")),
        "high": Style("triangle-up", "#b35900", "H", _("high")),
        "critical_low": Style("diamond", "#b00020", "LL", _("critically low")),
        "critical_high": Style("diamond", "#b00020", "HH", _("critically high")),
        "abnormal": Style("square", "#b35900", "A", _("abnormal")),
        "": Style("circle", "#555555", "", _("no reference range")),
    }


@dataclass(frozen=True)
class Point:
    when: datetime
    value: Decimal | float
    flag: str = ""
    label: str = ""  # the value as shown (with unit); the number itself when empty


@dataclass(frozen=True)
class Marker:
    """A drawn point. Coordinates are formatted numbers (templates would localise floats):
    circles use x, y, size; squares left, top, side; diamonds and triangles `polygon`."""

    flag: str
    x: str
    y: str
    shape: str
    colour: str
    size: str
    left: str
    top: str
    side: str
    polygon: str
    text: str
    text_y: str
    tooltip: str


@dataclass(frozen=True)
class Tick:
    y: str
    text_y: str
    label: str


@dataclass(frozen=True)
class DateLabel:
    x: str
    text: str
    anchor: str  # the first date starts at the plot's left edge, the last ends at its right


@dataclass(frozen=True)
class TrendChart:
    """Everything the template needs; every coordinate is a formatted SVG user unit."""

    chart_id: str
    width: str
    height: str
    plot_left: str
    plot_right: str
    plot_top: str
    plot_bottom: str
    plot_width: str
    plot_middle: str
    plot_centre_y: str
    tick_mark_left: str
    tick_text_x: str
    date_y: str
    x_label_y: str
    title: str
    description: str
    range_text: str
    band: tuple[str, str] | None  # (top, height)
    limits: list[tuple[str, str]]  # (name "low"/"high", y)
    ticks: list[Tick]
    dates: list[DateLabel]
    font_size: str
    x_label: str
    y_label: str
    line: str  # the polyline's points; empty for a single point
    markers: list[Marker]


def _n(value: float) -> str:
    return f"{value:.1f}"


def _plain(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _shown(value: float) -> str:
    """A number as the reader writes it (0,5 in es and fr), as the table beside the chart."""
    return reader_decimals(_plain(value))


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    span = high - low
    if span <= 0:
        return [low]
    raw = span / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    value = math.ceil(low / step) * step
    ticks = []
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _domain(values: list[float], low: float | None, high: float | None) -> tuple[float, float]:
    candidates = values + [v for v in (low, high) if v is not None]
    bottom, top = min(candidates), max(candidates)
    if bottom == top:  # one value, or all equal: give it room
        pad = abs(bottom) * 0.1 or 1.0
        return bottom - pad, top + pad
    pad = (top - bottom) * 0.08
    return bottom - pad, top + pad


def _polygon(shape: str, x: float, y: float, size: float) -> str:
    """The corners of the polygon shapes (diamond, triangles); empty for circles and squares."""
    if shape == "diamond":
        s = size * 1.5
        coords = [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
    elif shape == "triangle-up":
        s = size * 1.3
        coords = [(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)]
    elif shape == "triangle-down":
        s = size * 1.3
        coords = [(x, y + s), (x + s, y - s * 0.8), (x - s, y - s * 0.8)]
    else:
        return ""
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)


def _range_text(low: float | None, high: float | None, unit: str) -> str:
    unit_text = f" ({unit})" if unit else ""
    if low is not None and high is not None:
        limits = f"{_shown(low)}–{_shown(high)}"
    elif low is not None:
        limits = f"≥ {_shown(low)}"
    elif high is not None:
        limits = f"≤ {_shown(high)}"
    else:
        return _("no reference range")
    return _("reference range %(limits)s%(unit)s") % {"limits": limits, "unit": unit_text}


def trend_chart(
    points: Sequence[Point],
    *,
    low=None,
    high=None,
    unit: str = "",
    title: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
    date_format: str = "SHORT_DATE_FORMAT",
    chart_id: str = "trend-chart",
) -> TrendChart | None:
    """The chart of `points` (in any order: they are sorted by time), or None when nothing
    numeric is there to draw.

    `low`/`high` are the reference limits (either may be None): the band between them is shaded,
    or the open side of a one-sided range. `date_format`: a Django date format (or its name) for
    the dates shown, in the active locale as the table beside the chart writes them.
    """
    points = sorted(
        (p for p in points if p.value is not None and not isinstance(p.value, str)),
        key=lambda p: p.when,
    )
    if not points:
        return None
    styles = _styles()
    values = [float(p.value) for p in points]
    low_f = None if low is None else float(low)
    high_f = None if high is None else float(high)
    y_min, y_max = _domain(values, low_f, high_f)
    plot_left, plot_right = MARGIN_LEFT, width - MARGIN_RIGHT
    plot_top, plot_bottom = MARGIN_TOP, height - MARGIN_BOTTOM

    def y_of(value: float) -> float:
        return plot_bottom - (value - y_min) / (y_max - y_min) * (plot_bottom - plot_top)

    stamps = [p.when.timestamp() for p in points]
    t_min, t_max = min(stamps), max(stamps)

    def x_of(stamp: float) -> float:
        if t_max == t_min:
            return (plot_left + plot_right) / 2
        inner = 12  # keep the first and last points off the axes
        span = plot_right - plot_left - 2 * inner
        return plot_left + inner + (stamp - t_min) / (t_max - t_min) * span

    range_text = _range_text(low_f, high_f, unit)
    flagged = sum(1 for p in points if p.flag not in ("normal", ""))
    description = ngettext(
        "%(count)d result from %(first)s to %(last)s; %(range)s; %(flagged)d outside the range. "
        "The table beside the chart lists every value.",
        "%(count)d results from %(first)s to %(last)s; %(range)s; %(flagged)d outside the range. "
        "The table beside the chart lists every value.",
        len(points),
    ) % {
        "count": len(points),
        "first": formats.date_format(points[0].when, date_format),
        "last": formats.date_format(points[-1].when, date_format),
        "range": range_text,
        "flagged": flagged,
    }

    band = None
    limits = []
    if low_f is not None or high_f is not None:
        # a one-sided range shades its open side up to the plot's edge
        band_top = y_of(min(high_f, y_max)) if high_f is not None else plot_top
        band_bottom = y_of(max(low_f, y_min)) if low_f is not None else plot_bottom
        band_top, band_bottom = max(band_top, plot_top), min(band_bottom, plot_bottom)
        if band_bottom > band_top:
            band = (_n(band_top), _n(band_bottom - band_top))
        limits = [
            (name, _n(y_of(limit)))
            for limit, name in ((low_f, "low"), (high_f, "high"))
            if limit is not None
        ]

    first, last = (formats.date_format(p.when, date_format) for p in (points[0], points[-1]))
    if first == last:
        dates = [DateLabel(x=_n(x_of(stamps[0])), text=first, anchor="middle")]
    else:  # within the plot's edges whatever the labels' length
        dates = [
            DateLabel(x=str(plot_left), text=first, anchor="start"),
            DateLabel(x=str(plot_right), text=last, anchor="end"),
        ]

    coords = [(x_of(s), y_of(v)) for s, v in zip(stamps, values, strict=True)]
    markers = []
    for point, (x, y) in zip(points, coords, strict=True):
        flag = point.flag or ""
        style = styles.get(flag, styles[""])
        size = CRITICAL_POINT_SIZE if flag in ("critical_low", "critical_high") else POINT_SIZE
        half_side = size * 0.9
        shown = point.label or f"{_shown(float(point.value))}{(' ' + unit) if unit else ''}"
        markers.append(
            Marker(
                flag=flag,
                x=_n(x),
                y=_n(y),
                shape=style.shape,
                colour=style.colour,
                size=_n(size),
                left=_n(x - half_side),
                top=_n(y - half_side),
                side=_n(2 * half_side),
                polygon=_polygon(style.shape, x, y, size),
                text=style.marker,
                text_y=_n(y - size - 6),
                tooltip=f"{formats.date_format(point.when, date_format)}: {shown} ({style.label})",
            )
        )

    ticks = []
    for tick in _nice_ticks(y_min, y_max):
        y = y_of(tick)
        ticks.append(Tick(y=_n(y), text_y=_n(y + FONT_SIZE / 3), label=_shown(tick)))
    return TrendChart(
        chart_id=chart_id,
        width=str(width),
        height=str(height),
        plot_left=str(plot_left),
        plot_right=str(plot_right),
        plot_top=str(plot_top),
        plot_bottom=str(plot_bottom),
        plot_width=str(plot_right - plot_left),
        plot_middle=_n((plot_left + plot_right) / 2),
        plot_centre_y=_n((plot_top + plot_bottom) / 2),
        tick_mark_left=str(plot_left - 4),
        tick_text_x=str(plot_left - 8),
        date_y=str(plot_bottom + FONT_SIZE + 6),
        x_label_y=str(height - 6),
        title=title or _("Trend"),
        description=description,
        range_text=range_text,
        band=band,
        limits=limits,
        ticks=ticks,
        dates=dates,
        font_size=str(FONT_SIZE),
        x_label=_("Collected"),
        y_label=unit or _("Value"),
        line=" ".join(f"{_n(x)},{_n(y)}" for x, y in coords) if len(coords) > 1 else "",
        markers=markers,
    )


def points_of(results) -> list[Point]:
    """Chart points of lab results (numeric values only), at local times."""
    return [
        Point(
            when=timezone.localtime(r.collected_at),
            value=r.value_numeric,
            flag=r.flag,
            label=r.display_value,
        )
        for r in results
        if r.value_numeric is not None
    ]
