"""Dates as the reader's pages write them: inside a sentence (a refusal the page and the API both
show) and typed into a search. Pages use the locale of the language activated for their reader
(accounts.language: the clinic's, unless the reader chose another language), so the helpers here
read the same one; the clinic's locale alone gave a Spanish reader at an en-US clinic 12/09/2026
for 9 Dec, inside a Spanish sentence, when her pages show 09/12/2026. Also: a time typed on a
clinic's clocks across a change of the clocks (local_moment)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import dateformat, formats, translation
from django.utils.translation import gettext as _

# Read in every locale besides its own input formats: ISO 8601, and the day-first dotted form
# (no locale writes the month first with dots).
ALWAYS_READ = ("%Y-%m-%d", "%d.%m.%Y")


def _language(code: str) -> str:
    return code.split("-")[0].lower()


def reading_locale(language: str | None, clinic_locale: str | None) -> str | None:
    """The locale whose formats a reader of `language` sees at a clinic of `clinic_locale`: the
    clinic's when the language is the clinic's (English at an en-US clinic writes the month
    first), else the language's; English at a clinic of another language keeps day-first dates
    (en-GB). None when neither says. The one rule: accounts.language activates what it gives."""
    if language and (not clinic_locale or _language(clinic_locale) != _language(language)):
        return "en-GB" if language == "en" and clinic_locale else language
    return clinic_locale or None


def reader_locale(clinic) -> str:
    """The locale of the reader's pages at `clinic`: the language active now (a request's
    reader's, or an e-mail's recipient's under accounts.emails.written_for) read by the rule
    above, so a page and the sentence inside it agree. With nothing activated the text is
    English, and its dates are English ones by the same rule."""
    clinic_locale = getattr(clinic, "locale_code", "") or None
    return reading_locale(translation.get_language(), clinic_locale) or settings.LANGUAGE_CODE


def clinic_format(clinic, value, format_name: str = "DATE_FORMAT") -> str:
    """`value` (a date, or a datetime already in the clinic's zone) in the format the reader's
    pages at `clinic` use (reader_locale)."""
    return dateformat.format(value, formats.get_format(format_name, lang=reader_locale(clinic)))


def typed_date(text: str, clinic) -> datetime.date | None:
    """The date `text` writes in the order the reader's pages write dates (their locale's
    DATE_INPUT_FORMATS, as every form's date field reads them: 09/24/2004 at an en-US clinic,
    24/09/2004 in en-GB or Spanish), or in ALWAYS_READ; None when it writes none."""
    text = text.strip()
    accepted = formats.get_format("DATE_INPUT_FORMATS", lang=reader_locale(clinic))
    for pattern in (*ALWAYS_READ, *accepted):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


MINUTE = datetime.timedelta(minutes=1)
LONGEST_GAP = datetime.timedelta(days=1)  # the clocks have never skipped more (Samoa, 2011)


def local_moment(naive: datetime.datetime, zone: datetime.tzinfo) -> datetime.datetime:
    """A wall-clock time typed at a clinic in `zone`, as a moment. When the clocks go back, a
    time that happens twice is taken as its first occurrence (the earlier moment, summer time);
    a time skipped when they go forward is refused saying when they did. (Django refused both
    with "… may be ambiguous or it may not exist.")"""
    first = naive.replace(tzinfo=zone, fold=0)
    if _on_the_clocks(first, zone) == naive:
        if first.utcoffset() == first.replace(fold=1).utcoffset():
            return first
        # Written with its own offset: a time in a zone's repeated hour equals no time in
        # another zone, not even the same moment in UTC (PEP 495).
        return first.astimezone(datetime.timezone(first.utcoffset()))
    skipped_from = naive
    while naive - skipped_from < LONGEST_GAP and _skipped(skipped_from - MINUTE, zone):
        skipped_from -= MINUTE
    raise ValidationError(
        _("This time does not exist on that day: the clocks went forward at %(time)s.")
        % {"time": formats.time_format(skipped_from.time())},
        code="skipped_time",
    )


def _on_the_clocks(moment: datetime.datetime, zone) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None)


def _skipped(naive: datetime.datetime, zone) -> bool:
    return _on_the_clocks(naive.replace(tzinfo=zone, fold=0), zone) != naive
