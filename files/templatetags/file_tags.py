"""Template helpers of the files pages: category names, scan badges, file kinds."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

register = template.Library()

SCAN_BADGES = {
    "pending": ("text-bg-warning", gettext_noop("Scan pending")),
    "infected": ("text-bg-danger", gettext_noop("Quarantined")),
}


@register.filter
def category_label(slug: str, labels: dict) -> str:
    return (labels or {}).get(slug, slug)


@register.inclusion_tag("files/_scan_badge.html")
def scan_badge(stored):
    css, text = SCAN_BADGES.get(stored.scan_status, ("", ""))
    return {"css": css, "text": _(text) if text else ""}


@register.filter
def file_kind(content_type: str) -> str:
    """A short word for the type column: PDF, image, text, DICOM."""
    if content_type == "application/pdf":
        return "PDF"
    if content_type == "application/dicom":
        return "DICOM"
    if content_type.startswith("image/"):
        return content_type.split("/", 1)[1].upper()
    if content_type == "text/csv":
        return "CSV"
    return _("text")
