"""Free slots: the rule's wall-clock hours in the clinic's timezone (across DST changes in
Europe/London and America/New_York), minus time off, appointments and buffers; constant
queries whatever the number of appointments."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appointments import selectors
from appointments.models import AppointmentType, AvailabilityRule
from appointments.slots import Availability, Busy, WeeklyHours, one_per_start
from core.roles import Role
from tests.appointments.conftest import (
    add_exception,
    add_hours,
    local,
    next_dst_change,
    next_weekday,
)
from tests.factories import ClinicFactory, UserFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
PAST = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def slots(actor, clinic, appointment_type, start, end=None, **options):
    options.setdefault("now", PAST)
    return selectors.slot_list(
        actor=actor,
        clinic=clinic,
        type_id=appointment_type.pk,
        start=start,
        end=end or start,
        **options,
    )


def local_times(found, tz):
    return [slot.start.astimezone(tz).strftime("%H:%M") for slot in found]


def test_slots_follow_duration_plus_buffer(staff, clinic, types, provider, monday, tz):
    found = slots(staff[Role.RECEPTIONIST], clinic, types["New patient"], monday)
    # 40 minutes + 5 buffer from 09:00; the last must end by 17:00.
    assert local_times(found, tz)[:3] == ["09:00", "09:45", "10:30"]
    assert local_times(found, tz)[-1] == "15:45"
    assert all(slot.end - slot.start == datetime.timedelta(minutes=40) for slot in found)
    assert {slot.provider_id for slot in found} == {provider.pk}


def test_appointments_buffers_and_time_off_are_not_free(
    book, staff, clinic, types, follow_up, provider, patient, monday, tz
):
    book(patient, provider, local(monday, "09:00", tz), types["New patient"])  # to 09:45
    add_exception(clinic, provider, monday, "time_off", "12:00", "13:00")
    times = local_times(slots(staff[Role.RECEPTIONIST], clinic, follow_up, monday), tz)
    assert times[:3] == ["10:00", "10:20", "10:40"]  # 09:40 would end in the buffer
    assert "12:00" not in times and "12:40" not in times and "13:00" in times


def test_a_start_is_free_up_to_the_edges_of_held_time():
    """Held 10:00-11:00 and 12:00-13:00: a 20-minute slot may end as one begins or begin as one
    ends, and no further in; the walk gives the same starts as asking for each one apart."""

    def at(hhmm):
        return datetime.datetime.fromisoformat(f"2026-12-14T{hhmm}:00+00:00")

    held = Busy(
        [(at("12:00"), at("13:00")), (at("10:00"), at("10:30")), (at("10:20"), at("11:00"))]
    )
    starts = [at(t) for t in ("09:30", "09:40", "09:50", "10:50", "11:00", "11:40", "11:50")]
    starts += [at(t) for t in ("12:59", "13:00", "14:00")]
    length = datetime.timedelta(minutes=20)

    free = held.free_among(starts, length)
    assert free == [at(t) for t in ("09:30", "09:40", "11:00", "11:40", "13:00", "14:00")]
    assert free == [start for start in starts if not held.overlaps(start, start + length)]
    assert Busy([]).free_among(starts, length) == starts
    assert held.free_among(reversed(starts), length) == free  # whatever order they come in


def test_a_days_starts_follow_each_providers_hours_and_the_type_whoever_asked_first():
    """`Availability.starts` makes a day's starts once per hours and type (providers share
    them): a provider with other hours, or another type, still gets its own."""
    tz = zoneinfo.ZoneInfo("Europe/London")
    monday = datetime.date(2026, 12, 14)

    def rule(provider_id, start, end):
        hours = (datetime.time.fromisoformat(start), datetime.time.fromisoformat(end))
        return WeeklyHours(provider_id, 0, *hours, None, None, [], "")

    hours = Availability(
        rules=[
            rule("a", "09:00", "10:00"),
            rule("b", "09:00", "10:00"),
            rule("c", "09:30", "10:00"),
        ],
        exceptions=[],
        tz=tz,
    )
    short = AppointmentType(duration_minutes=20, buffer_minutes=0)
    long = AppointmentType(duration_minutes=30, buffer_minutes=10)

    def times(provider_id, appointment_type):
        found = hours.starts(provider_id, monday, appointment_type)
        return [start.astimezone(tz).strftime("%H:%M") for start in found]

    assert times("a", short) == times("b", short) == ["09:00", "09:20", "09:40"]
    assert times("c", short) == ["09:30"]
    assert times("a", long) == ["09:00"]
    assert times("a", short) == ["09:00", "09:20", "09:40"]


def test_whole_day_off_and_extra_hours(staff, clinic, follow_up, provider, monday, tz):
    saturday = monday + datetime.timedelta(days=5)
    add_exception(clinic, provider, monday, "time_off")
    add_exception(clinic, provider, saturday, "extra", "10:00", "11:00")
    found = slots(staff[Role.RECEPTIONIST], clinic, follow_up, monday, saturday)
    assert {slot.start.astimezone(tz).date() for slot in found} == {
        monday + datetime.timedelta(days=d) for d in (1, 2, 3, 4, 5)
    }
    assert local_times([s for s in found if s.start.astimezone(tz).date() == saturday], tz) == [
        "10:00",
        "10:20",
        "10:40",
    ]


def test_a_patients_own_appointments_are_not_offered_to_them(
    book, staff, clinic, follow_up, provider, nurse, patient, monday, tz
):
    """With the nurse at 10:00, the patient is not offered 10:00 with anyone (the API's slots
    for a patient user); the receptionist, asking for no patient, still sees the clinician's."""
    book(patient, nurse, local(monday, "10:00", tz))
    receptionist = staff[Role.RECEPTIONIST]
    for_patient = slots(receptionist, clinic, follow_up, monday, patient_id=patient.pk)
    assert "10:00" not in local_times(for_patient, tz)
    assert {"09:40", "10:20"} <= set(local_times(for_patient, tz))
    anyone = slots(receptionist, clinic, follow_up, monday, provider=provider.pk)
    assert "10:00" in local_times(anyone, tz)


def test_extra_hours_beside_and_over_the_rule_give_each_time_once_in_order(
    staff, clinic, follow_up, provider, monday, tz
):
    """Extra hours before the weekly rule's and overlapping its end (09:00-17:00)."""
    for start, end in (("16:00", "18:00"), ("07:00", "08:00")):
        add_exception(clinic, provider, monday, "extra", start, end)
    times = local_times(slots(staff[Role.RECEPTIONIST], clinic, follow_up, monday), tz)
    assert times[:4] == ["07:00", "07:20", "07:40", "09:00"]
    assert times[-6:] == ["16:00", "16:20", "16:40", "17:00", "17:20", "17:40"]
    assert len(times) == len(set(times)) == 3 + 24 + 3


def test_a_booking_inside_overlapping_extra_hours_is_not_offered_again(
    book, staff, clinic, follow_up, provider, patient, monday, tz
):
    """Extra hours 07:00-10:00 over the rule's 09:00-17:00 give the day's starts from two
    windows; a visit booked at 09:20 takes its time out of both."""
    add_exception(clinic, provider, monday, "extra", "07:00", "10:00")
    book(patient, provider, local(monday, "09:20", tz), follow_up)
    times = local_times(slots(staff[Role.RECEPTIONIST], clinic, follow_up, monday), tz)
    assert times[:9] == ["07:00", "07:20", "07:40", "08:00", "08:20", "08:40", "09:00"] + [
        "09:40",
        "10:00",
    ]
    assert "09:20" not in times and len(times) == len(set(times))


def test_rules_limited_to_types_and_validity(staff, clinic, types, nurse, monday, tz):
    AvailabilityRule.objects.filter(provider=nurse).delete()
    add_hours(
        clinic,
        nurse,
        "09:00",
        "10:00",
        type_ids=[types["Telehealth"].pk],
        valid_from=monday + datetime.timedelta(days=1),
    )
    receptionist = staff[Role.RECEPTIONIST]
    week = (monday, monday + datetime.timedelta(days=6))
    assert slots(receptionist, clinic, types["Follow-up"], *week, provider=nurse.pk) == []
    found = slots(receptionist, clinic, types["Telehealth"], *week, provider=nurse.pk)
    assert min(s.start for s in found).astimezone(tz).date() == monday + datetime.timedelta(1)


def test_rules_end_with_their_validity_and_give_a_booking_their_location(
    staff, clinic, follow_up, nurse, monday, tz, book, patient
):
    """Hours valid until Monday offer nothing after it; an appointment booked in them is at
    the rule's location (what the appointment page and the reminder say)."""
    AvailabilityRule.objects.filter(provider=nurse).delete()
    add_hours(clinic, nurse, "09:00", "10:00", valid_until=monday, location="Room 2")
    week = (monday, monday + datetime.timedelta(days=6))
    found = slots(staff[Role.RECEPTIONIST], clinic, follow_up, *week, provider=nurse.pk)
    assert {slot.start.astimezone(tz).date() for slot in found} == {monday}
    [booked] = book(patient, nurse, local(monday, "09:20", tz))
    assert booked.location == "Room 2"


def test_any_provider(staff, clinic, follow_up, provider, nurse, monday, tz):
    found = slots(staff[Role.RECEPTIONIST], clinic, follow_up, monday)
    assert {slot.provider_id for slot in found} == {provider.pk, nurse.pk}
    assert found == sorted(found, key=lambda s: (s.start, s.provider_id))


def test_any_provider_once_per_time_goes_to_the_least_booked(
    staff, clinic, follow_up, provider, nurse, monday, tz, book, patient
):
    """For "any provider" each time is offered once: with the provider who has the most free
    slots that day, and between equals with the first in the clinic's order."""
    receptionist = staff[Role.RECEPTIONIST]
    found = slots(receptionist, clinic, follow_up, monday)
    order = [nurse.pk, provider.pk]
    once = one_per_start(found, order)
    assert [slot.start for slot in once] == sorted({slot.start for slot in found})
    assert {slot.provider_id for slot in once} == {nurse.pk}  # equals: the first in order
    assert {slot.provider_id for slot in one_per_start(found, order[::-1])} == {provider.pk}

    book(patient, nurse, local(monday, "12:00", tz))  # the nurse is now the busier
    once = one_per_start(slots(receptionist, clinic, follow_up, monday), order)
    assert {slot.provider_id for slot in once} == {provider.pk}
    assert local_times(once, tz)[:2] == ["09:00", "09:20"] and "12:00" in local_times(once, tz)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
@pytest.mark.parametrize("direction", ["spring", "autumn"])
def test_hours_stay_local_across_dst(zone, direction):
    clinic = ClinicFactory(timezone=zone)
    tz = zoneinfo.ZoneInfo(zone)
    provider = UserFactory(clinic=clinic, role=Role.CLINICIAN)
    add_hours(clinic, provider, "09:00", "17:00", weekdays=range(7))
    follow_up = AppointmentType.objects.create(clinic=clinic, name="F", duration_minutes=20)
    change = next_dst_change(tz, direction=direction)
    before, after = change - datetime.timedelta(days=1), change + datetime.timedelta(days=1)
    found = slots(provider, clinic, follow_up, before, after)
    by_day = {}
    for slot in found:
        by_day.setdefault(slot.start.astimezone(tz).date(), []).append(slot)
    for day in (before, change, after):
        assert local_times(by_day[day], tz)[0] == "09:00"
        assert local_times(by_day[day], tz)[-1] == "16:40"
        assert len(by_day[day]) == 24
    # The same local time is another UTC time on the other side of the change.
    utc_times = {day: by_day[day][0].start.astimezone(datetime.UTC).time() for day in by_day}
    assert utc_times[before] != utc_times[after]


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_weekly_series_across_dst_keeps_local_time(zone, django_user_model):
    from appointments import services

    clinic = ClinicFactory(timezone=zone)
    tz = zoneinfo.ZoneInfo(zone)
    services.types_install(clinic=clinic)
    follow_up = AppointmentType.objects.get(clinic=clinic, name="Follow-up")
    provider = UserFactory(clinic=clinic, role=Role.CLINICIAN)
    desk = UserFactory(clinic=clinic, role=Role.RECEPTIONIST)
    add_hours(clinic, provider, "09:00", "17:00", weekdays=range(7))
    change = next_dst_change(tz, direction="spring")
    first = change - datetime.timedelta(days=14)
    rows = services.appointment_book(
        actor=desk,
        patient=PatientFactory(clinic=clinic),
        provider_id=provider.pk,
        type_id=follow_up.pk,
        start=local(first, "09:00", tz),
        recurrence={"frequency": "weekly", "interval": 1, "count": 4},
    )
    assert [r.start.astimezone(tz).strftime("%H:%M") for r in rows] == ["09:00"] * 4
    assert len({r.start.astimezone(datetime.UTC).time() for r in rows}) == 2


def test_patients_get_bookable_types_and_minimum_notice(clinic, types, provider, tz):
    patient = PatientFactory(clinic=clinic, user=UserFactory(clinic=None, role=Role.PATIENT))
    user = patient.user
    monday = next_weekday(0, 2, tz)
    now = local(monday, "08:00", tz)
    found = slots(user, clinic, types["Follow-up"], monday, now=now)
    assert local_times(found, tz)[0] == "10:00"  # 2 hours' notice
    staff_found = slots(provider, clinic, types["Follow-up"], monday, now=now)
    assert local_times(staff_found, tz)[0] == "09:00"
    clinic.min_notice_hours = 0
    clinic.save()
    found = slots(user, clinic, types["Follow-up"], monday, now=now)
    assert local_times(found, tz)[0] == "09:00"  # the clinic's own notice, now none
    types["Procedure"].patient_bookable = False
    types["Procedure"].save()
    with pytest.raises(PermissionDenied):
        slots(user, clinic, types["Procedure"], monday)


def test_the_past_is_ignored(staff, clinic, follow_up, provider, tz):
    monday = next_weekday(0, 2, tz)
    found = slots(
        staff[Role.RECEPTIONIST], clinic, follow_up, monday, now=local(monday, "12:05", tz)
    )
    assert local_times(found, tz)[0] == "12:20"


@pytest.mark.parametrize(
    ("days", "error"), [(61, None), (62, "at most 62"), (-1, "before the start")]
)
def test_range_limits(staff, clinic, follow_up, provider, monday, days, error):
    end = monday + datetime.timedelta(days=days)
    if error is None:
        slots(staff[Role.RECEPTIONIST], clinic, follow_up, monday, end)
        return
    with pytest.raises(ValidationError, match=error):
        slots(staff[Role.RECEPTIONIST], clinic, follow_up, monday, end)


def test_query_count_is_constant(
    book, staff, clinic, follow_up, provider, patient, monday, tz, django_assert_num_queries
):
    week_end = monday + datetime.timedelta(days=6)
    actor = staff[Role.RECEPTIONIST]
    with django_assert_num_queries(5) as few:
        slots(actor, clinic, follow_up, monday, week_end, provider=provider.pk)
    for day in range(5):
        for hhmm in ("09:00", "10:00", "11:00", "14:00", "15:00", "16:00"):
            book(patient, provider, local(monday + datetime.timedelta(days=day), hhmm, tz))
    with django_assert_num_queries(len(few.captured_queries)):
        found = slots(actor, clinic, follow_up, monday, week_end, provider=provider.pk)
    assert len(found) == 5 * 24 - 30


@pytest.mark.parametrize("offset", ["-04:00", "-05:00"])
def test_both_times_of_the_repeated_hour_can_be_booked(offset, django_user_model):
    """The night the clocks go back, 01:20 happens twice and both are offered: either books."""
    from appointments import services

    clinic = ClinicFactory(timezone="America/New_York")
    tz = zoneinfo.ZoneInfo("America/New_York")
    provider = UserFactory(clinic=clinic, role=Role.CLINICIAN)
    desk = UserFactory(clinic=clinic, role=Role.RECEPTIONIST)
    follow_up = AppointmentType.objects.create(clinic=clinic, name="F", duration_minutes=20)
    night = next_dst_change(tz, direction="autumn")
    add_exception(clinic, provider, night, "extra", "00:00", "04:00")
    start = datetime.datetime.fromisoformat(f"{night.isoformat()}T01:20:00{offset}")
    offered = {
        slot.start.astimezone(datetime.UTC) for slot in slots(desk, clinic, follow_up, night)
    }
    assert start.astimezone(datetime.UTC) in offered

    (booked,) = services.appointment_book(
        actor=desk,
        patient=PatientFactory(clinic=clinic),
        provider_id=provider.pk,
        type_id=follow_up.pk,
        start=start,
    )

    assert booked.start == start
