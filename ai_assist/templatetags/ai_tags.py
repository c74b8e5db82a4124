"""Template helpers of the AI pages."""

import datetime
import re

from django import template
from django.utils.formats import date_format

register = template.Library()

# The ISO dates (and clinic-time "date HH:MM") the chart facts are written with, for the
# redactor to shift and the API to carry; a page shows them in the clinic's format.
ISO_DAY_OR_TIME = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}))?\b")


def _local(match) -> str:
    try:
        parts = [int(part) for part in match.groups() if part is not None]
        if len(parts) == 5:
            return date_format(datetime.datetime(*parts), "DATETIME_FORMAT")
        return date_format(datetime.date(*parts), "DATE_FORMAT")
    except ValueError:
        return match.group(0)


@register.filter
def local_dates(text: str) -> str:
    """`text` with its ISO dates as the clinic writes dates (like `|date:"DATE_FORMAT"`)."""
    return ISO_DAY_OR_TIME.sub(_local, str(text))
