"""Server-rendered SVG charts of one measured code over time with its target band (the
geometry here, the markup in templates/programs/_chart.svg, which escapes every text).

Sized for a phone: drawn at most WIDTH px wide (`img-fluid`) and FONT_SIZE units high, so a
phone's ~360 px column shrinks a label to no less than ~11 px."""

import datetime
from dataclasses import dataclass

from django.utils import formats

WIDTH, HEIGHT = 480, 200
FONT_SIZE = 15
LEFT, RIGHT, TOP, BOTTOM = 60, 12, 12, 30


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    unit: str
    width: int
    height: int
    band: tuple[str, str] | None  # (y, height) of the target band
    line: str
    points: list[dict]
    ticks: list[dict]
    font_size: int
    left: int
    right: int
    plot_width: int
    bottom: int
    first: str
    last: str


def _f(value: float) -> str:
    return f"{value:.1f}"


def _number(value: float) -> str:
    """A value as the page writes it: 72.5 (72,5 where the clinic writes a decimal comma), 124
    rather than 124.0."""
    return formats.localize(int(value) if float(value).is_integer() else value)


def chart(series: dict, *, chart_id: str, zone: datetime.tzinfo) -> Chart | None:
    """`zone`: the clinic's timezone. Readings are stored in UTC, and a morning reading in
    Auckland is the evening before in UTC: dates are written on the clinic's calendar, in the
    format of the active locale (the clinic's, as the rest of the page)."""
    points = series["points"]
    if not points:
        return None

    def day(at: datetime.datetime) -> str:
        return formats.date_format(at.astimezone(zone).date(), "SHORT_DATE_FORMAT")

    unit = series["unit_shown"]
    low, high = series["target"].get("low"), series["target"].get("high")
    values = [p["value"] for p in points]
    candidates = values + [v for v in (low, high) if v is not None]
    y_min, y_max = min(candidates), max(candidates)
    pad = (y_max - y_min) * 0.1 or abs(y_max) * 0.1 or 1
    y_min, y_max = y_min - pad, y_max + pad
    plot_bottom, plot_right = HEIGHT - BOTTOM, WIDTH - RIGHT

    def y_of(v):
        return plot_bottom - (v - y_min) / (y_max - y_min) * (plot_bottom - TOP)

    stamps = [p["at"].timestamp() for p in points]
    t0, t1 = stamps[0], stamps[-1]

    def x_of(t):
        if t1 == t0:
            return (LEFT + plot_right) / 2
        return LEFT + 8 + (t - t0) / (t1 - t0) * (plot_right - LEFT - 16)

    band = None
    if low is not None or high is not None:
        top = y_of(high) if high is not None else TOP
        bottom = y_of(low) if low is not None else plot_bottom
        band = (_f(top), _f(max(bottom - top, 0)))
    coords = [(x_of(t), y_of(p["value"])) for t, p in zip(stamps, points, strict=True)]
    marks = [
        {
            "x": _f(x),
            "y": _f(y),
            "off": p["off_target"],
            "tooltip": f"{day(p['at'])}: {_number(p['value'])} {unit}".rstrip(),
        }
        for (x, y), p in zip(coords, points, strict=True)
    ]
    # The lowest, middle and highest values to one decimal: a single 72.5 kg is 72.5, not 72.
    ticks = [
        {"y": _f(y_of(v)), "label": _number(v)}
        for v in sorted({round(v, 1) for v in (y_min + pad, (y_min + y_max) / 2, y_max - pad)})
    ]
    return Chart(
        chart_id=chart_id,
        title=f"{series['label']} ({unit})" if unit else series["label"],
        unit=unit,
        width=WIDTH,
        height=HEIGHT,
        band=band,
        line=" ".join(f"{_f(x)},{_f(y)}" for x, y in coords) if len(coords) > 1 else "",
        points=marks,
        ticks=ticks,
        font_size=FONT_SIZE,
        left=LEFT,
        right=plot_right,
        plot_width=plot_right - LEFT,
        bottom=plot_bottom,
        first=day(points[0]["at"]),
        last=day(points[-1]["at"]),
    )
