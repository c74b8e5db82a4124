"""The trend chart: labs.charts computes the geometry (no database), the template
labs/_trend_chart.svg draws it; the SVG parses, shades the band, flags the points."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation

from labs.charts import MARGIN_LEFT, MARGIN_RIGHT, WIDTH, Point, trend_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
T0 = datetime.datetime(2025, 1, 1, 8, 0, tzinfo=datetime.UTC)


def day(n):
    return T0 + datetime.timedelta(days=n)


def trend_svg(points, **options) -> str:
    """The chart as the trend page draws it."""
    return render_to_string("labs/_trend_chart.svg", {"chart": trend_chart(points, **options)})


def parse(svg: str):
    return ET.fromstring(svg)  # noqa: S314 - our own output


def points_of(root):
    return root.findall(".//svg:g[@data-flag]", NS)


def test_band_points_flags_and_accessible_names():
    with translation.override("en-gb"):  # a clinic's short date, as the table writes it
        svg = trend_svg(
            [
                Point(day(0), Decimal("85"), "normal"),
                Point(day(10), Decimal("130"), "high"),
                Point(day(20), Decimal("30"), "critical_low"),
            ],
            low=Decimal("70"),
            high=Decimal("99"),
            unit="mg/dL",
            title="Glucose of Ana",
        )
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text == "Glucose of Ana"
    desc = root.find("svg:desc", NS).text
    assert "3 results" in desc and "70–99 (mg/dL)" in desc and "2 outside the range" in desc
    band = root.find(".//svg:rect[@class='reference-band']", NS)
    assert band is not None and float(band.get("height")) > 0
    groups = points_of(root)
    assert [g.get("data-flag") for g in groups] == ["normal", "high", "critical_low"]
    tooltips = [g.find("svg:title", NS).text for g in groups]
    assert tooltips[1] == "11/01/2025: 130 mg/dL (high)"
    assert "critically low" in tooltips[2]
    assert groups[0].find("svg:circle", NS) is not None  # shapes differ by flag
    assert groups[1].find("svg:polygon", NS) is not None
    assert [t.text for t in groups[2].findall("svg:text", NS)] == ["LL"]  # text, not colour only
    assert root.find(".//svg:polyline[@class='trend-line']", NS) is not None
    labels = [t.text for t in root.findall(".//svg:text[@class='axis-label']", NS)]
    assert labels == ["Collected", "mg/dL"]


def test_band_position_matches_the_limits():
    root = parse(trend_svg([Point(day(0), 50), Point(day(1), 150)], low=70, high=99, height=280))
    band = root.find(".//svg:rect[@class='reference-band']", NS)
    low_line = root.find(".//svg:line[@class='reference-low']", NS)
    high_line = root.find(".//svg:line[@class='reference-high']", NS)
    top, height = float(band.get("y")), float(band.get("height"))
    assert abs(top - float(high_line.get("y1"))) < 0.2
    assert abs(top + height - float(low_line.get("y1"))) < 0.2
    assert float(high_line.get("y1")) < float(low_line.get("y1"))  # higher values are higher up


def test_one_point_is_centred_with_no_line():
    root = parse(trend_svg([Point(day(0), Decimal("5.2"), "normal")], low=4, high=5.6))
    (group,) = points_of(root)
    circle = group.find("svg:circle", NS)
    assert abs(float(circle.get("cx")) - (MARGIN_LEFT + WIDTH - MARGIN_RIGHT) / 2) < 0.2
    assert root.find(".//svg:polyline", NS) is None
    assert "1 result from" in root.find("svg:desc", NS).text


def test_the_first_and_last_dates_stay_inside_the_chart():
    """A long date (a locale's long format) under the last point was cut at the right edge:
    the first date starts at the plot's left edge and the last ends at its right one."""
    root = parse(trend_svg([Point(day(0), 1, ""), Point(day(9), 2, "")]))
    first, last = root.findall(".//svg:g[@class='ticks']/svg:text", NS)[-2:]
    assert (first.get("text-anchor"), float(first.get("x"))) == ("start", MARGIN_LEFT)
    assert (last.get("text-anchor"), float(last.get("x"))) == ("end", WIDTH - MARGIN_RIGHT)


def test_no_reference_range_draws_no_band():
    root = parse(trend_svg([Point(day(0), 1, ""), Point(day(1), 2, "")]))
    assert root.find(".//svg:rect[@class='reference-band']", NS) is None
    assert "no reference range" in root.find("svg:desc", NS).text
    assert [g.get("data-flag") for g in points_of(root)] == ["", ""]


def test_one_sided_range_shades_the_open_side():
    root = parse(trend_svg([Point(day(0), 45), Point(day(1), 80)], low=60, unit="mL/min"))
    band = root.find(".//svg:rect[@class='reference-band']", NS)
    low_line = root.find(".//svg:line[@class='reference-low']", NS)
    assert float(band.get("y")) == 20  # up to the plot's top
    assert abs(float(band.get("y")) + float(band.get("height")) - float(low_line.get("y1"))) < 0.2
    assert "≥ 60" in root.find("svg:desc", NS).text


def test_equal_values_and_same_time_do_not_divide_by_zero():
    svg = trend_svg([Point(day(0), 7), Point(day(0), 7), Point(day(0), 7)])
    root = parse(svg)
    assert len(points_of(root)) == 3
    assert "nan" not in svg.lower() and "inf" not in svg.lower()
    zero = parse(trend_svg([Point(day(0), 0), Point(day(1), 0)]))
    assert len(points_of(zero)) == 2


def test_text_results_give_no_chart():
    assert trend_chart([]) is None
    assert trend_chart([Point(day(0), "Positive", "abnormal")]) is None


def test_text_is_escaped_and_points_are_sorted():
    svg = trend_svg(
        [Point(day(2), 3, "low", label="<b>3</b>"), Point(day(1), 5, "normal")],
        title='A & B <script>"',
        unit="10*3/uL",
    )
    root = parse(svg)
    assert "<script>" not in svg and root.find("svg:title", NS).text == 'A & B <script>"'
    assert [g.get("data-flag") for g in points_of(root)] == ["normal", "low"]
    assert points_of(root)[1].find("svg:title", NS).text.endswith("<b>3</b> (low)")


def test_negative_values_and_critical_high_marker():
    root = parse(trend_svg([Point(day(0), -2.5, "critical_high"), Point(day(1), 1.25, "high")]))
    texts = [t.text for g in points_of(root) for t in g.findall("svg:text", NS)]
    assert texts == ["HH", "H"]
    ticks = [t.text for t in root.findall(".//svg:g[@class='ticks']/svg:text", NS)]
    assert any(t.startswith("-") for t in ticks)


def test_every_shape_is_drawn_in_the_template():
    flags = ["normal", "low", "high", "critical_low", "abnormal", ""]
    root = parse(trend_svg([Point(day(n), n + 1, flag) for n, flag in enumerate(flags)]))
    shapes = [g.find("*[@class='point-shape']", NS).tag.split("}")[1] for g in points_of(root)]
    assert shapes == ["circle", "polygon", "polygon", "polygon", "rect", "circle"]
    square = points_of(root)[4].find("svg:rect", NS)
    assert float(square.get("width")) == float(square.get("height")) > 0
