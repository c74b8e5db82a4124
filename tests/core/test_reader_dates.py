"""Dates read and written as the reader's pages write them (core.dates): the clinic's locale,
unless the reader chose another language, whose formats then apply."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import translation

from core.dates import clinic_format, reading_locale, typed_date

US = SimpleNamespace(locale_code="en-US")
GB = SimpleNamespace(locale_code="en-GB")
ES = SimpleNamespace(locale_code="es")
DEC_9 = datetime.date(2026, 12, 9)


@pytest.mark.parametrize(
    ("language", "clinic", "expected"),
    [
        ("en-us", US, "en-US"),  # what the middleware activates at a US clinic
        ("en", US, "en-US"),  # nothing activated: English text, the clinic's English dates
        ("es", US, "es"),  # a Spanish reader at a US clinic reads Spanish dates
        ("es", ES, "es"),
        ("en-gb", ES, "en-gb"),  # an English reader at a Spanish clinic (accounts.language)
        ("en", ES, "en-GB"),
    ],
)
def test_the_locale_a_reader_sees(language, clinic, expected):
    assert reading_locale(language, clinic.locale_code) == expected


def test_a_sentence_s_date_follows_the_active_reader_not_the_clinic():
    with translation.override("en-US"):
        assert clinic_format(US, DEC_9) == "12/09/2026"
    with translation.override("es"):  # the Spanish receptionist's pages show 09/12/2026
        assert clinic_format(US, DEC_9) == "09/12/2026"
        four_35 = datetime.datetime(2026, 12, 9, 16, 35)
        assert clinic_format(US, four_35, "TIME_FORMAT") == "16:35"
    assert clinic_format(US, DEC_9) == "12/09/2026"  # nothing activated: the clinic's


@pytest.mark.parametrize(
    ("clinic", "language", "text", "expected"),
    [
        (US, "en-US", "02/03/1984", datetime.date(1984, 2, 3)),
        (US, "en-US", "09/24/2004", datetime.date(2004, 9, 24)),
        (GB, "en-GB", "02/03/1984", datetime.date(1984, 3, 2)),
        (GB, "en-GB", "09/24/2004", None),
        (US, "es", "03/02/1984", datetime.date(1984, 2, 3)),  # Spanish pages: day first
        (US, "en-US", "1984-02-03", datetime.date(1984, 2, 3)),  # ISO everywhere
        (GB, "en-GB", "1984-02-03", datetime.date(1984, 2, 3)),
        (GB, "en-GB", "03.02.1984", datetime.date(1984, 2, 3)),
        (US, "en-US", "ada", None),
        (US, "en-US", "02/30/1984", None),
    ],
)
def test_a_typed_date_is_read_in_the_readers_order(clinic, language, text, expected):
    with translation.override(language):
        assert typed_date(text, clinic) == expected
