"""A date or time inside a sentence (a refusal the page and the API both show), written the way
the clinic writes dates: its locale's formats, which the request's language need not match."""

from django.conf import settings
from django.utils import dateformat, formats


def clinic_format(clinic, value, format_name: str = "DATE_FORMAT") -> str:
    """`value` (a date, or a datetime already in the clinic's zone) in the clinic's format."""
    locale = getattr(clinic, "locale_code", "") or settings.LANGUAGE_CODE
    return dateformat.format(value, formats.get_format(format_name, lang=locale))
