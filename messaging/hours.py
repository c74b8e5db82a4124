"""The clinic's working time: when an urgent message's response target runs out.

A target of "1 working hour" counts only the clinic's working days between their start and end
time, on the clocks of the clinic's timezone: a message sent Friday 16:30 to a Mon–Fri
09:00–17:00 clinic is due Monday 09:30. Each day's window is built from local wall-clock
times and measured in UTC, so a day on which the clocks change is as long as it really is.
"""

import datetime
import zoneinfo

UTC = datetime.UTC
MAX_DAYS = 4000  # a target longer than about ten years of working days is not counted further


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def working_deadline(
    start: datetime.datetime,
    minutes: int,
    *,
    weekdays,
    day_start: datetime.time,
    day_end: datetime.time,
    tz: str,
) -> datetime.datetime:
    """The moment (UTC) at which `minutes` of working time have passed since `start`; time
    outside the working days and hours does not count."""
    zone = _zone(tz)
    remaining = datetime.timedelta(minutes=minutes)
    start = start.astimezone(UTC)
    day = start.astimezone(zone).date()
    for _offset in range(MAX_DAYS):
        if day.weekday() in weekdays:
            opens = datetime.datetime.combine(day, day_start, zone).astimezone(UTC)
            closes = datetime.datetime.combine(day, day_end, zone).astimezone(UTC)
            begin = max(start, opens)
            if begin < closes:
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
        day += datetime.timedelta(days=1)
    return start + datetime.timedelta(minutes=minutes)
