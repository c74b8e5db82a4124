"""Series occurrences: dateutil rrule over zoneinfo-aware local times, so a weekly 09:00 stays
09:00 local across daylight-saving changes."""

import datetime
import itertools

from dateutil import rrule
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.forms import OUTSIDE_CALENDAR, in_calendar

MAX_OCCURRENCES = 52
WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


def weekday_position(day: datetime.date):
    """'The 2nd Tuesday' of `day`'s month; a 5th weekday is read as 'the last'."""
    position = (day.day - 1) // 7 + 1
    return WEEKDAYS[day.weekday()](-1 if position == 5 else position)


def occurrences(
    *,
    first: datetime.datetime,
    frequency: str,
    interval: int = 1,
    count: int | None = None,
    until: datetime.date | None = None,
) -> list[datetime.datetime]:
    """Local starts of the series beginning at `first` (aware, in the clinic's timezone).

    400 unless exactly one of `count` and `until` is given and there are at most 52.
    """
    if (count is None) == (until is None):
        raise ValidationError({"recurrence": _("Give either a count or an end date.")})
    if interval < 1 or interval > 12:
        raise ValidationError({"recurrence": _("The interval must be between 1 and 12.")})
    if count is not None and not 1 <= count <= MAX_OCCURRENCES:
        raise ValidationError(
            {"recurrence": _("A series has at most %(n)s occurrences.") % {"n": MAX_OCCURRENCES}}
        )
    options = {"dtstart": first, "interval": interval}
    if until is not None and not in_calendar(until):
        raise ValidationError({"recurrence": OUTSIDE_CALENDAR})
    if until is not None:
        if until < first.date():
            raise ValidationError({"recurrence": _("The end date is before the first one.")})
        options["until"] = datetime.datetime.combine(until, datetime.time.max, tzinfo=first.tzinfo)
    if frequency == "weekly":
        rule = rrule.rrule(rrule.WEEKLY, **options)
    elif frequency == "monthly":
        rule = rrule.rrule(rrule.MONTHLY, byweekday=weekday_position(first.date()), **options)
    else:
        raise ValidationError({"recurrence": _("Repeat weekly or monthly.")})
    starts = list(itertools.islice(rule, count or MAX_OCCURRENCES + 1))
    if len(starts) > MAX_OCCURRENCES:
        raise ValidationError(
            {"recurrence": _("A series has at most %(n)s occurrences.") % {"n": MAX_OCCURRENCES}}
        )
    if not in_calendar(starts[-1].date()):  # a series may not run where no list can find it
        raise ValidationError({"recurrence": OUTSIDE_CALENDAR})
    # rrule keeps the wall-clock time; normalise each to its own UTC offset (fold, gaps).
    return [start.astimezone(datetime.UTC).astimezone(first.tzinfo) for start in starts]
