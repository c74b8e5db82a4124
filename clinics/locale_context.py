"""Write something (an e-mail, a PDF) as the clinic reads dates, outside a request."""

import contextlib
import zoneinfo

from django.utils import timezone, translation


@contextlib.contextmanager
def clinic_formats(clinic):
    """The clinic's timezone and locale while the block runs (e.g. rendering an e-mail)."""
    if clinic is None:
        yield
        return
    zone = zoneinfo.ZoneInfo(clinic.timezone)
    with timezone.override(zone), translation.override(clinic.locale_code):
        yield
