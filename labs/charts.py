"""Server-rendered SVG trend charts: a pure function from points to an SVG string.

No JavaScript, no database: `trend_svg(points, low=..., high=...)` returns markup that a template
inlines. The reference band is shaded; every point carries its flag by shape *and* colour, and a
`<title>` tooltip with its date, value and flag, so nothing is told by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 640, 280
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 20, 20, 48

# flag -> (shape, fill colour, text marker, label); colours pass 3:1 against white.
STYLES = {
    "normal": ("circle", "#1f6f43", "", "normal"),
    "low": ("triangle-down", "#b35900", "L", "low"),
    "high": ("triangle-up", "#b35900", "H", "high"),
    "critical_low": ("diamond", "#b00020", "LL", "critically low"),
    "critical_high": ("diamond", "#b00020", "HH", "critically high"),
    "abnormal": ("square", "#b35900", "A", "abnormal"),
    "": ("circle", "#555555", "", "no reference range"),
}


@dataclass(frozen=True)
class Point:
    when: datetime
    value: Decimal | float
    flag: str = ""
    label: str = ""  # the value as shown (with unit); the number itself when empty


def _number(value) -> float:
    return float(value)


def _plain(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    span = high - low
    if span <= 0:
        return [low]
    raw = span / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _domain(values: list[float], low: float | None, high: float | None) -> tuple[float, float]:
    candidates = list(values)
    candidates += [v for v in (low, high) if v is not None]
    bottom, top = min(candidates), max(candidates)
    if bottom == top:  # one value, or all equal: give it room
        pad = abs(bottom) * 0.1 or 1.0
        return bottom - pad, top + pad
    pad = (top - bottom) * 0.08
    return bottom - pad, top + pad


def _marker(shape: str, x: float, y: float, fill: str, size: float) -> str:
    common = f'fill="{fill}" stroke="#ffffff" stroke-width="1.5"'
    if shape == "circle":
        return f'<circle class="point-shape" cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" {common}/>'
    if shape == "square":
        s = size * 0.9
        return (
            f'<rect class="point-shape" x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" '
            f'height="{2 * s:.1f}" {common}/>'
        )
    if shape == "diamond":
        s = size * 1.5
        coords = [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
    elif shape == "triangle-up":
        s = size * 1.3
        coords = [(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)]
    else:  # triangle-down
        s = size * 1.3
        coords = [(x, y + s), (x + s, y - s * 0.8), (x - s, y - s * 0.8)]
    text = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
    return f'<polygon class="point-shape" points="{text}" {common}/>'


def trend_svg(
    points: Sequence[Point],
    *,
    low=None,
    high=None,
    unit: str = "",
    title: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
    date_format: str = "%Y-%m-%d",
    chart_id: str = "trend-chart",
) -> str:
    """An accessible SVG line chart of `points` (oldest first or not: they are sorted).

    `low`/`high` are the reference limits (either may be None): the band between them is shaded,
    or the open side of a one-sided range. Returns "" when there is nothing numeric to draw.
    """
    points = sorted(
        (p for p in points if p.value is not None and not isinstance(p.value, str)),
        key=lambda p: p.when,
    )
    if not points:
        return ""
    values = [_number(p.value) for p in points]
    low_f = None if low is None else _number(low)
    high_f = None if high is None else _number(high)
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
        return (
            plot_left
            + inner
            + (stamp - t_min) / (t_max - t_min) * (plot_right - plot_left - 2 * inner)
        )

    name = title or "Trend"
    unit_text = f" ({unit})" if unit else ""
    if low_f is not None and high_f is not None:
        range_text = f"reference range {_plain(low_f)}–{_plain(high_f)}{unit_text}"
    elif low_f is not None:
        range_text = f"reference range ≥ {_plain(low_f)}{unit_text}"
    elif high_f is not None:
        range_text = f"reference range ≤ {_plain(high_f)}{unit_text}"
    else:
        range_text = "no reference range"
    flagged = sum(1 for p in points if p.flag not in ("normal", ""))
    desc = (
        f"{len(points)} result{'s' if len(points) != 1 else ''} from "
        f"{points[0].when.strftime(date_format)} to {points[-1].when.strftime(date_format)}; "
        f"{range_text}; {flagged} outside the range. The table beside the chart lists every value."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hp-trend-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(name)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    # the reference band (a one-sided range shades its open side up to the plot's edge)
    if low_f is not None or high_f is not None:
        band_top = y_of(min(high_f, y_max)) if high_f is not None else plot_top
        band_bottom = y_of(max(low_f, y_min)) if low_f is not None else plot_bottom
        band_top, band_bottom = max(band_top, plot_top), min(band_bottom, plot_bottom)
        if band_bottom > band_top:
            parts.append(
                f'<rect class="reference-band" x="{plot_left}" y="{band_top:.1f}" '
                f'width="{plot_right - plot_left}" height="{band_bottom - band_top:.1f}" '
                f'fill="#2e8b57" fill-opacity="0.15"><title>{escape(range_text)}</title></rect>'
            )
        for limit, label in ((low_f, "low"), (high_f, "high")):
            if limit is not None:
                y = y_of(limit)
                parts.append(
                    f'<line class="reference-{label}" x1="{plot_left}" x2="{plot_right}" '
                    f'y1="{y:.1f}" y2="{y:.1f}" stroke="#2e8b57" stroke-dasharray="4 3"/>'
                )
    # axes, ticks and labels
    parts.append(
        f'<g class="axes" stroke="#444444" stroke-width="1">'
        f'<line x1="{plot_left}" y1="{plot_top}" x2="{plot_left}" y2="{plot_bottom}"/>'
        f'<line x1="{plot_left}" y1="{plot_bottom}" x2="{plot_right}" y2="{plot_bottom}"/></g>'
    )
    tick_parts = []
    for tick in _nice_ticks(y_min, y_max):
        y = y_of(tick)
        tick_parts.append(
            f'<line x1="{plot_left - 4}" x2="{plot_left}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#444444"/><text x="{plot_left - 8}" y="{y + 4:.1f}" '
            f'text-anchor="end">{escape(_plain(tick))}</text>'
        )
    x_labels = {points[0].when.strftime(date_format): x_of(stamps[0])}
    if len(points) > 1:
        x_labels.setdefault(points[-1].when.strftime(date_format), x_of(stamps[-1]))
    for text, x in x_labels.items():
        tick_parts.append(
            f'<text x="{x:.1f}" y="{plot_bottom + 18}" text-anchor="middle">{escape(text)}</text>'
        )
    parts.append(
        f'<g class="ticks" font-size="12" fill="#222222" font-family="sans-serif">'
        f"{''.join(tick_parts)}</g>"
    )
    parts.append(
        f'<text class="axis-label" x="{(plot_left + plot_right) / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle" font-size="12" fill="#222222" font-family="sans-serif">'
        f"Collected</text>"
    )
    y_label = unit or "Value"
    parts.append(
        f'<text class="axis-label" transform="translate(14 {(plot_top + plot_bottom) / 2:.1f}) '
        f'rotate(-90)" text-anchor="middle" font-size="12" fill="#222222" '
        f'font-family="sans-serif">{escape(y_label)}</text>'
    )
    # the line, then the points on top
    coords = [(x_of(s), y_of(v)) for s, v in zip(stamps, values, strict=True)]
    if len(coords) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(
            f'<polyline class="trend-line" points="{line}" fill="none" stroke="#3b5b8c" '
            f'stroke-width="2"/>'
        )
    for point, (x, y) in zip(points, coords, strict=True):
        shape, colour, marker, label = STYLES.get(point.flag or "", STYLES[""])
        size = 6.0 if point.flag in ("critical_low", "critical_high") else 4.5
        shown = point.label or f"{_plain(_number(point.value))}{(' ' + unit) if unit else ''}"
        tooltip = f"{point.when.strftime(date_format)}: {shown} ({label})"
        parts.append(
            f"<g class={quoteattr('point flag-' + (point.flag or 'none'))} "
            f"data-flag={quoteattr(point.flag or '')}>"
            f"<title>{escape(tooltip)}</title>{_marker(shape, x, y, colour, size)}"
        )
        if marker:
            parts.append(
                f'<text x="{x:.1f}" y="{y - size - 6:.1f}" text-anchor="middle" '
                f'font-size="11" font-weight="bold" fill="{colour}" '
                f'font-family="sans-serif">{escape(marker)}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
