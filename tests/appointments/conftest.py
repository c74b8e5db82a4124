"""Appointment fixtures: a clinic (Europe/London) with its default types, a clinician with
weekday hours 09:00-17:00, patients, and helpers for local times a few weeks ahead."""

import datetime
import zoneinfo

import pytest

from appointments import services
from appointments.models import AppointmentType, AvailabilityException, AvailabilityRule
from core.roles import Role
from tests.patients.factories import PatientFactory

WEEKDAYS = range(5)


def local(day: datetime.date, hhmm: str, tz) -> datetime.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def next_weekday(weekday: int = 0, weeks_ahead: int = 2, tz=None) -> datetime.date:
    """The first `weekday` at least `weeks_ahead` weeks from today (never in the past)."""
    today = datetime.datetime.now(tz or datetime.UTC).date() + datetime.timedelta(weeks=weeks_ahead)
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7)


def next_dst_change(tz, after: datetime.date | None = None, direction: str = "spring"):
    """The first local date after `after` (default: 2 weeks ahead) whose UTC offset differs from
    the day before's, going forward ("spring") or back ("autumn")."""
    day = after or next_weekday(0, 2, tz)
    for _ in range(400):
        before = local(day, "12:00", tz).utcoffset()
        after_day = day + datetime.timedelta(days=1)
        offset = local(after_day, "12:00", tz).utcoffset()
        if offset != before and (offset > before) == (direction == "spring"):
            return after_day
        day = after_day
    raise AssertionError("no DST change within 400 days")


def add_hours(clinic, provider, start="09:00", end="17:00", weekdays=WEEKDAYS, **fields):
    rules = []
    for weekday in weekdays:
        rule = AvailabilityRule(
            clinic=clinic,
            provider=provider,
            weekday=weekday,
            start_time=datetime.time.fromisoformat(start),
            end_time=datetime.time.fromisoformat(end),
            **fields,
        )
        rule.full_clean()
        rule.save()
        rules.append(rule)
    return rules


def add_exception(clinic, provider, day, kind, start=None, end=None):
    """Extra hours or time off on one day ("HH:MM" times; none: the whole day)."""
    return AvailabilityException.objects.create(
        clinic=clinic,
        provider=provider,
        date=day,
        kind=kind,
        start_time=datetime.time.fromisoformat(start) if start else None,
        end_time=datetime.time.fromisoformat(end) if end else None,
    )


@pytest.fixture
def tz(clinic):
    return zoneinfo.ZoneInfo(clinic.timezone)


@pytest.fixture
def types(clinic):
    services.types_install(clinic=clinic)
    return {t.name: t for t in AppointmentType.objects.filter(clinic=clinic)}


@pytest.fixture
def follow_up(types):
    return types["Follow-up"]


@pytest.fixture
def provider(staff, clinic):
    add_hours(clinic, staff[Role.CLINICIAN])
    return staff[Role.CLINICIAN]


@pytest.fixture
def nurse(staff, clinic):
    add_hours(clinic, staff[Role.NURSE])
    return staff[Role.NURSE]


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")


@pytest.fixture
def patient2(clinic):
    return PatientFactory(clinic=clinic, first_name="Grace", last_name="Hopper")


@pytest.fixture
def monday(tz):
    return next_weekday(0, 2, tz)


@pytest.fixture
def book(staff, follow_up):
    """book(patient, provider, start, type=follow-up, **options) as the receptionist."""

    def _book(patient, provider, start, appointment_type=None, actor=None, **options):
        return services.appointment_book(
            actor=actor or staff[Role.RECEPTIONIST],
            patient=patient,
            provider_id=provider.pk,
            type_id=(appointment_type or follow_up).pk,
            start=start,
            **options,
        )

    return _book
