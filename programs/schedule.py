"""Dates in the clinic's timezone: what "today" is for an enrolment, its task rows, and the days
a task's visit may be booked on.

A task's due date is a calendar date of the clinic; "today" is taken in the clinic's zone, so a
patient at 00:30 local time after a DST change sees that day's tasks, not yesterday's.
"""

import datetime
import zoneinfo

from django.utils import timezone

from programs.models import MAX_DURATION_DAYS


def clinic_zone(clinic) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(clinic.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_today(clinic, now=None) -> datetime.date:
    return (now or timezone.now()).astimezone(clinic_zone(clinic)).date()


def local_now(clinic, now=None) -> datetime.datetime:
    return (now or timezone.now()).astimezone(clinic_zone(clinic))


def task_rows(enrollment, steps) -> list[dict]:
    """(step, day, due date) of every task the steps give over the programme."""
    duration = enrollment.template.duration_days
    return [
        {"step": step, "day": day, "due_date": enrollment.start_date + datetime.timedelta(day)}
        for step in steps
        for day in step.days(duration)
    ]


def booking_window(task) -> tuple[datetime.date, datetime.date]:
    """The days a task's visit may fall on: from its due date, the step's window long. The app
    books from it (the task's `booking`) and a booked visit closes the task only inside it.
    Capped as goals are: a step saved before the bound must not make a day of tasks a 500."""
    window = min(max(task.step.window_days or 0, 0), MAX_DURATION_DAYS)
    return task.due_date, task.due_date + datetime.timedelta(window)
