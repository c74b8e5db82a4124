"""Template helpers of the lab pages: flags shown with colour *and* a text marker."""

from django import template
from django.utils.html import format_html

from labs import services, units
from labs.models import Flag, reader_decimals

register = template.Library()

MARKERS = {
    Flag.LOW: "L",
    Flag.HIGH: "H",
    Flag.CRITICAL_LOW: "LL",
    Flag.CRITICAL_HIGH: "HH",
    Flag.ABNORMAL: "A",
}
BADGES = {
    Flag.NORMAL: "text-bg-light border",
    Flag.LOW: "text-bg-warning",
    Flag.HIGH: "text-bg-warning",
    Flag.ABNORMAL: "text-bg-warning",
    Flag.CRITICAL_LOW: "text-bg-danger",
    Flag.CRITICAL_HIGH: "text-bg-danger",
}
PRIORITY_BADGES = {
    "routine": "text-bg-light border",
    "urgent": "text-bg-warning",
    "stat": "text-bg-danger",
}
STATUS_BADGES = {
    "ordered": "text-bg-info",
    "collected": "text-bg-primary",
    "resulted": "text-bg-warning",
    "reviewed": "text-bg-success",
    "cancelled": "text-bg-secondary",
}


def _label(flag: str) -> str:
    try:
        return str(Flag(flag).label)
    except ValueError:
        return ""


@register.filter
def flag_row_class(flag: str) -> str:
    if flag in (Flag.CRITICAL_LOW, Flag.CRITICAL_HIGH):
        return "table-danger fw-semibold hp-critical"
    if flag in (Flag.LOW, Flag.HIGH, Flag.ABNORMAL):
        return "table-warning hp-abnormal"
    return ""


@register.simple_tag
def flag_badge(flag: str):
    """The flag as a badge: colour plus a text marker plus the words (never colour alone)."""
    if not flag:
        return format_html('<span class="text-body-secondary small">{}</span>', "—")
    marker = MARKERS.get(flag)
    label = _label(flag)
    badge = BADGES.get(flag, "text-bg-light border")
    if not marker:  # normal
        return format_html(
            '<span class="badge {} hp-flag hp-flag-{}">{}</span>', badge, flag, label
        )
    critical = flag in (Flag.CRITICAL_LOW, Flag.CRITICAL_HIGH)
    return format_html(
        '<span class="badge {} hp-flag hp-flag-{}" title="{}">{}{}'
        '<span class="visually-hidden"> ({})</span></span>',
        badge,
        flag,
        label,
        "⚠ " if critical else "",
        marker,
        label,
    )


@register.filter
def priority_badge(priority: str) -> str:
    return PRIORITY_BADGES.get(priority, "text-bg-light border")


@register.filter
def order_status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-light border")


@register.filter
def up_to(count: int, limit: int) -> str:
    """A count that stopped at `limit + 1` (core.lists.count_up_to) as "99+" past `limit`."""
    return f"{limit}+" if count > limit else str(count)


@register.filter
def plain_number(value) -> str:
    """A Decimal without trailing zeros or exponent: 100, 5.6."""
    if value is None or value == "":
        return ""
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


register.filter("reader_decimals", reader_decimals)  # a stored range: 0.59–1.04 → 0,59–1,04 in es


@register.filter
def unit_display(ucum: str) -> str:
    """A UCUM unit the human way: `10*3/uL` → `×10³/µL`, `mL/min/{1.73_m2}` → `mL/min/1.73 m²`."""
    return units.display(ucum or "")


register.filter("value_shown", services.value_shown)  # posted back with a sign-off
