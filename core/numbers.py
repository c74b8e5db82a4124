"""Numbers staff type, read the way their clinic writes them (lab values, programme readings).

A comma is a decimal point only where the clinic writes decimals with one (es, fr); elsewhere
"1,500" is 1500 or 1.5, so it is refused with both readings, never guessed (it was once stored
as 1.5 and raised a critical alert). Where the comma is the decimal point, a point before groups
of three digits ("1.500") may separate thousands and is refused alike; "0.500" cannot, and is
read.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")  # 12, -0.5, .5, 1.
THOUSANDS_POINT = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")  # 1.500, 12.000, 1.234.567


def clinic_decimal_comma(clinic) -> bool:
    """Whether the clinic writes decimals with a comma: its locale's DECIMAL_SEPARATOR (Django's
    formats: es and fr do, en-GB and en-US do not)."""
    locale = getattr(clinic, "locale_code", "") or settings.LANGUAGE_CODE
    return formats.get_format("DECIMAL_SEPARATOR", lang=locale) == ","


def with_decimal_point(text: str, *, decimal_comma: bool) -> str:
    """`text` with a point for its decimal separator, or a ValidationError saying how to write
    a number whose separators could be read two ways. Whether the rest is a number is the
    caller's to check (PLAIN_NUMBER)."""
    if "," in text and not decimal_comma and PLAIN_NUMBER.fullmatch(text.replace(",", "")):
        raise ValidationError(_comma_refused(text), code="separator")
    if decimal_comma and THOUSANDS_POINT.fullmatch(text):
        raise ValidationError(_point_refused(text), code="separator")
    return text.replace(",", ".") if decimal_comma else text


def typed_number(text: str, *, decimal_comma: bool) -> Decimal:
    """The number `text` writes plainly (digits and one decimal separator)."""
    text = with_decimal_point(text.strip(), decimal_comma=decimal_comma)
    if not PLAIN_NUMBER.fullmatch(text):
        raise ValidationError(_("Enter a number."), code="invalid")
    return Decimal(text)


def _comma_refused(text: str) -> str:
    whole, decimal = text.replace(",", ""), text.replace(",", ".")
    if text.count(",") == 1 and PLAIN_NUMBER.fullmatch(decimal):
        return _("Write %(whole)s or %(decimal)s: a comma is not read as a decimal point here.") % {
            "whole": whole,
            "decimal": _decimal_reading(decimal),
        }
    return _("Write %(whole)s, without commas: a comma is not read as a decimal point here.") % {
        "whole": whole
    }


def _point_refused(text: str) -> str:
    """The mirror of _comma_refused where the comma is the decimal point: 1.500 is 1500 or 1,5."""
    whole = text.replace(".", "")
    if text.count(".") == 1:
        return _(
            "Write %(whole)s or %(decimal)s: a point before three digits may separate thousands, "
            "so it is not read here."
        ) % {"whole": whole, "decimal": _decimal_reading(text).replace(".", ",")}
    return _(
        "Write %(whole)s, without points: a point is not read as a thousands separator here."
    ) % {"whole": whole}


def _decimal_reading(text: str) -> str:
    """A separator read as the decimal point, its digits as typed (1,20: 1.20), except the zeros
    closing a group of three that reads as thousands (1,500: 1.5; 12,000: 12)."""
    if not re.search(r"\.\d{3}$", text):
        return text
    return format(Decimal(text).normalize(), "f")
