"""Booking through the service: the time claim (overlaps, buffers, patients), bad input, the
status machine, cancelling, moving, and series all or nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from appointments import claims, services
from appointments.models import (
    Appointment,
    AppointmentBlock,
    AppointmentChange,
    Status,
)
from core.errors import Conflict
from core.roles import Role
from tests.appointments.conftest import add_exception, add_hours, local
from tests.factories import ClinicFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_booking_claims_the_provider_and_the_patient(book, patient, patient2, provider, monday, tz):
    (first,) = book(patient, provider, local(monday, "09:00", tz))
    assert first.status == Status.BOOKED
    assert first.end - first.start == datetime.timedelta(minutes=20)
    # The provider is taken 09:00-09:20: another patient cannot have an overlapping time.
    with pytest.raises(claims.Clash) as clash:
        book(patient2, provider, local(monday, "09:00", tz))
    assert clash.value.status == 409
    assert clash.value.extra["clashes"] == [
        {
            "start": local(monday, "09:00", tz).isoformat(),
            "end": local(monday, "09:20", tz).isoformat(),
        }
    ]
    # The next slot is free.
    book(patient2, provider, local(monday, "09:20", tz))
    assert Appointment.objects.filter(provider=provider).count() == 2


def test_the_patient_cannot_be_in_two_places(book, patient, provider, nurse, monday, tz):
    book(patient, provider, local(monday, "10:00", tz))
    with pytest.raises(claims.Clash):
        book(patient, nurse, local(monday, "10:00", tz))
    book(patient, nurse, local(monday, "10:20", tz))


def test_buffers_count_for_the_provider(book, types, patient, patient2, provider, monday, tz):
    new_patient = types["New patient"]  # 40 minutes + 5 buffer: slots 09:00, 09:45, ...
    book(patient, provider, local(monday, "09:00", tz), new_patient)
    # A follow-up at 09:40 would start inside the buffer (09:40-09:45).
    with pytest.raises(claims.Clash):
        book(patient2, provider, local(monday, "09:40", tz))
    book(patient2, provider, local(monday, "10:00", tz))


def test_different_types_overlap_by_time_not_by_start(
    book, types, patient, patient2, provider, monday, tz
):
    book(patient, provider, local(monday, "09:20", tz))  # follow-up 09:20-09:40
    with pytest.raises(claims.Clash):  # new patient 09:00-09:40(+5) overlaps it
        book(patient2, provider, local(monday, "09:00", tz), types["New patient"])


@pytest.mark.parametrize(
    ("hhmm", "message"),
    [("09:05", "slot boundary"), ("08:40", "slot boundary"), ("17:00", "slot boundary")],
)
def test_start_must_be_a_slot(book, patient, provider, monday, tz, hhmm, message):
    with pytest.raises(ValidationError) as error:
        book(patient, provider, local(monday, hhmm, tz))
    assert message in str(error.value.message_dict["start"])
    assert not AppointmentBlock.objects.exists()


def test_bad_input_is_400(book, staff, patient, provider, follow_up, monday, tz, other_clinic):
    with pytest.raises(ValidationError, match="past"):
        book(patient, provider, datetime.datetime(2020, 1, 6, 9, tzinfo=tz))
    with pytest.raises(ValidationError, match="timezone"):
        book(patient, provider, datetime.datetime.combine(monday, datetime.time(9)))
    with pytest.raises(ValidationError, match="Not a provider"):
        book(patient, staff[Role.RECEPTIONIST], local(monday, "09:00", tz))
    services.types_install(clinic=other_clinic)
    foreign_type = other_clinic_type(other_clinic)
    with pytest.raises(ValidationError, match="appointment type of this clinic"):
        book(patient, provider, local(monday, "09:00", tz), foreign_type)
    assert not Appointment.objects.exists()


def other_clinic_type(clinic):
    from appointments.models import AppointmentType

    return AppointmentType.objects.filter(clinic=clinic).first()


def test_lab_technicians_cannot_book(book, staff, patient, provider, monday, tz):
    with pytest.raises(PermissionDenied):
        book(patient, provider, local(monday, "09:00", tz), actor=staff[Role.LAB_TECH])


def test_time_off_and_missing_hours(book, clinic, patient, provider, monday, tz):

    add_exception(clinic, provider, monday, "time_off", "12:00", "13:00")
    with pytest.raises(ValidationError):
        book(patient, provider, local(monday, "12:20", tz))
    saturday = monday + datetime.timedelta(days=5)
    with pytest.raises(ValidationError, match="no hours"):
        book(patient, provider, local(saturday, "09:00", tz))


# --- the status machine ------------------------------------------------------------------------
ALLOWED = {
    ("booked", "confirm"): "confirmed",
    ("booked", "check_in"): "checked_in",
    ("confirmed", "check_in"): "checked_in",
    ("checked_in", "complete"): "completed",
    ("booked", "no_show"): "no_show",
    ("confirmed", "no_show"): "no_show",
    ("booked", "cancel"): "cancelled",
    ("confirmed", "cancel"): "cancelled",
}
STATES = ["booked", "confirmed", "checked_in", "completed", "cancelled", "no_show"]
ACTIONS = ["confirm", "check_in", "complete", "no_show", "cancel"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_status_machine(book, staff, patient, provider, monday, tz, state, action):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    Appointment.objects.filter(pk=appointment.pk).update(status=state)
    appointment.refresh_from_db()
    after_start = appointment.start + datetime.timedelta(minutes=5)
    actor = staff[Role.RECEPTIONIST]
    expected = ALLOWED.get((state, action))
    try:
        if action == "cancel":
            services.appointment_cancel(actor=actor, appointment=appointment, reason="ill")
        else:
            services.appointment_transition(
                actor=actor, appointment=appointment, action=action, now=after_start
            )
    except Conflict as exc:
        assert expected is None, exc.message
        assert exc.status == 409
    else:
        assert expected is not None
    appointment.refresh_from_db()
    assert appointment.status == (expected or state)


def test_no_show_only_after_the_start(book, staff, patient, provider, monday, tz):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    with pytest.raises(Conflict, match="after its start"):
        services.appointment_transition(
            actor=staff[Role.NURSE], appointment=appointment, action="no_show"
        )


def test_a_transition_happens_once(book, staff, patient, provider, monday, tz):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    stale_copy = Appointment.objects.get(pk=appointment.pk)
    on_the_day = local(monday, "08:30", tz)
    services.appointment_transition(
        actor=staff[Role.NURSE], appointment=appointment, action="check_in", now=on_the_day
    )
    services.appointment_transition(
        actor=staff[Role.NURSE], appointment=appointment, action="complete", now=on_the_day
    )
    with pytest.raises(Conflict, match="cannot be"):  # a second click with an old page
        services.appointment_transition(
            actor=staff[Role.NURSE], appointment=stale_copy, action="check_in", now=on_the_day
        )
    assert Appointment.objects.get(pk=appointment.pk).status == Status.COMPLETED


def test_cancelling_frees_the_time_and_keeps_who_why(
    book, staff, patient, patient2, provider, monday, tz
):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    services.appointment_cancel(actor=staff[Role.ADMIN], appointment=appointment, reason="Flu")
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert appointment.cancelled_by == staff[Role.ADMIN]
    assert appointment.cancel_reason == "Flu"
    assert not AppointmentBlock.objects.filter(appointment_id=appointment.pk).exists()
    book(patient2, provider, local(monday, "09:00", tz))


def test_every_write_is_audited_with_the_patient(book, staff, patient, provider, monday, tz):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    services.appointment_cancel(actor=staff[Role.ADMIN], appointment=appointment, reason="x")
    rows = AuditEvent.objects.filter(object_id=appointment.pk).order_by("created_at")
    assert [(r.action, r.patient_id) for r in rows] == [
        ("create", patient.pk),
        ("update", patient.pk),
    ]


def test_stale_blocks_of_a_dead_request_are_taken_over(book, patient, provider, monday, tz):
    start = local(monday, "09:00", tz).astimezone(datetime.UTC)
    AppointmentBlock.objects.create(
        resource=f"provider:{provider.pk}", start=start, appointment_id="0" * 24, claim="x" * 24
    )
    AppointmentBlock.objects.filter(claim="x" * 24).update(
        created_at=start - datetime.timedelta(days=30)
    )
    book(patient, provider, local(monday, "09:00", tz))


def test_fresh_blocks_of_a_booking_in_flight_are_respected(book, patient, provider, monday, tz):
    start = local(monday, "09:00", tz).astimezone(datetime.UTC)
    AppointmentBlock.objects.create(
        resource=f"provider:{provider.pk}", start=start, appointment_id="0" * 24, claim="x" * 24
    )
    with pytest.raises(claims.Clash):
        book(patient, provider, local(monday, "09:00", tz))


# --- moving -----------------------------------------------------------------------------------
def test_reschedule_by_less_than_its_length(book, staff, patient, patient2, provider, monday, tz):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    (moved,) = services.appointment_reschedule(
        actor=staff[Role.RECEPTIONIST], appointment=appointment, start=local(monday, "09:20", tz)
    )
    assert moved.pk == appointment.pk
    assert moved.start == local(monday, "09:20", tz)
    # The old time is free again, the new one held; the history keeps the old time.
    book(patient2, provider, local(monday, "09:00", tz))
    with pytest.raises(claims.Clash):
        book(patient2, provider, local(monday, "09:20", tz))
    change = AppointmentChange.objects.get(appointment=appointment, action="reschedule")
    assert change.previous_start == local(monday, "09:00", tz)


def test_reschedule_to_a_taken_time_changes_nothing(
    book, staff, patient, patient2, provider, monday, tz
):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    book(patient2, provider, local(monday, "10:00", tz))
    blocks = set(AppointmentBlock.objects.values_list("resource", "start", "appointment_id"))
    with pytest.raises(claims.Clash):
        services.appointment_reschedule(
            actor=staff[Role.RECEPTIONIST],
            appointment=appointment,
            start=local(monday, "10:00", tz),
        )
    appointment.refresh_from_db()
    assert appointment.start == local(monday, "09:00", tz)
    assert (
        set(AppointmentBlock.objects.values_list("resource", "start", "appointment_id")) == blocks
    )


def test_reschedule_to_another_provider(book, staff, patient, provider, nurse, monday, tz):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    services.appointment_reschedule(
        actor=staff[Role.RECEPTIONIST], appointment=appointment, provider_id=nurse.pk
    )
    appointment.refresh_from_db()
    assert appointment.provider == nurse
    assert not AppointmentBlock.objects.filter(resource=f"provider:{provider.pk}").exists()


# --- series -----------------------------------------------------------------------------------
def test_weekly_series_books_every_occurrence(book, patient, provider, monday, tz):
    rows = book(
        patient,
        provider,
        local(monday, "11:00", tz),
        recurrence={"frequency": "weekly", "interval": 2, "count": 4},
    )
    assert [r.start.astimezone(tz) for r in rows] == [
        local(monday + datetime.timedelta(weeks=2 * i), "11:00", tz) for i in range(4)
    ]
    assert len({r.series_id for r in rows}) == 1


def test_a_series_is_all_or_nothing(book, patient, patient2, provider, monday, tz):
    book(patient2, provider, local(monday + datetime.timedelta(weeks=2), "11:00", tz))
    blocks = AppointmentBlock.objects.count()
    with pytest.raises(claims.Clash) as clash:
        book(
            patient,
            provider,
            local(monday, "11:00", tz),
            recurrence={"frequency": "weekly", "interval": 1, "count": 5},
        )
    assert [c["start"] for c in clash.value.extra["clashes"]] == [
        local(monday + datetime.timedelta(weeks=2), "11:00", tz).isoformat()
    ]
    assert Appointment.objects.filter(patient=patient).count() == 0
    assert AppointmentBlock.objects.count() == blocks


def test_series_occurrence_on_a_day_off_is_a_clash(book, clinic, patient, provider, monday, tz):

    add_exception(clinic, provider, monday + datetime.timedelta(weeks=1), "time_off")
    with pytest.raises(claims.Clash) as clash:
        book(
            patient,
            provider,
            local(monday, "11:00", tz),
            recurrence={"frequency": "weekly", "interval": 1, "count": 3},
        )
    assert len(clash.value.extra["clashes"]) == 1
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "recurrence",
    [
        {"frequency": "weekly", "interval": 1},
        {"frequency": "weekly", "interval": 1, "count": 53},
        {"frequency": "weekly", "interval": 1, "until": datetime.date(2099, 1, 1)},
        {"frequency": "weekly", "interval": 1, "count": 2, "until": datetime.date(2099, 1, 1)},
    ],
)
def test_bad_recurrence_is_400(book, patient, provider, monday, tz, recurrence):
    with pytest.raises(ValidationError):
        book(patient, provider, local(monday, "11:00", tz), recurrence=recurrence)


def test_monthly_series_keeps_the_weekday_position(book, clinic, patient, provider, monday, tz):
    add_hours(clinic, provider, "18:00", "19:00", weekdays=range(7))
    second_tuesday = monday.replace(day=8)
    second_tuesday += datetime.timedelta(days=(1 - second_tuesday.weekday()) % 7)
    if second_tuesday < monday:
        second_tuesday = (second_tuesday.replace(day=28) + datetime.timedelta(days=7)).replace(
            day=8
        )
        second_tuesday += datetime.timedelta(days=(1 - second_tuesday.weekday()) % 7)
    rows = book(
        patient,
        provider,
        local(second_tuesday, "18:00", tz),
        recurrence={"frequency": "monthly", "interval": 1, "count": 3},
    )
    for row in rows:
        day = row.start.astimezone(tz)
        assert day.weekday() == 1 and 8 <= day.day <= 14 and day.hour == 18


def test_cancel_this_and_following(book, staff, patient, provider, monday, tz):
    rows = book(
        patient,
        provider,
        local(monday, "11:00", tz),
        recurrence={"frequency": "weekly", "interval": 1, "count": 4},
    )
    cancelled = services.appointment_cancel(
        actor=staff[Role.RECEPTIONIST],
        appointment=rows[1],
        reason="moving away",
        scope="following",
    )
    assert [c.pk for c in cancelled] == [r.pk for r in rows[1:]]
    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in rows] == ["booked", "cancelled", "cancelled", "cancelled"]


def test_move_this_and_following(book, staff, patient, provider, monday, tz):
    rows = book(
        patient,
        provider,
        local(monday, "11:00", tz),
        recurrence={"frequency": "weekly", "interval": 1, "count": 3},
    )
    moved = services.appointment_reschedule(
        actor=staff[Role.RECEPTIONIST],
        appointment=rows[1],
        start=local(monday + datetime.timedelta(weeks=1, days=1), "14:00", tz),
        scope="following",
    )
    assert [m.start.astimezone(tz) for m in moved] == [
        local(monday + datetime.timedelta(weeks=w, days=1), "14:00", tz) for w in (1, 2)
    ]
    rows[0].refresh_from_db()
    assert rows[0].start == local(monday, "11:00", tz)


def test_providers_of_another_clinic_are_not_providers(book, patient, monday, tz):
    stranger = UserFactory(clinic=ClinicFactory(), role=Role.CLINICIAN)
    with pytest.raises(ValidationError, match="Not a provider"):
        book(patient, stranger, local(monday, "09:00", tz))


def test_an_archived_patients_appointment_is_not_moved_but_can_be_cancelled(
    book, patient, provider, monday, tz, staff
):
    from patients.services import patient_set_archived

    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    desk = staff[Role.RECEPTIONIST]
    patient_set_archived(actor=desk, patient=patient, archived=True)

    with pytest.raises(ValidationError, match="Restore the record"):
        services.appointment_reschedule(
            actor=desk, appointment=appointment, start=local(monday, "10:00", tz)
        )
    assert Appointment.objects.get(pk=appointment.pk).start == local(monday, "09:00", tz)
    services.appointment_cancel(actor=desk, appointment=appointment, reason="Moved away")
    assert Appointment.objects.get(pk=appointment.pk).status == Status.CANCELLED


def test_the_move_page_of_an_archived_patients_appointment_says_restore_first(
    client, book, patient, provider, monday, tz, staff
):
    from patients.services import patient_set_archived
    from tests.patients.html_factories import page_text

    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    desk = staff[Role.RECEPTIONIST]
    patient_set_archived(actor=desk, patient=patient, archived=True)
    client.force_login(desk)

    page = client.get(f"/appointments/{appointment.pk}/reschedule/", follow=True)

    assert page.redirect_chain[-1][0] == f"/appointments/{appointment.pk}/"
    text = page_text(page)
    assert "Restore the record of Ada Lovelace to move their appointment." in text
    assert ">Move<" not in page.content.decode()  # the appointment's page offers no move
