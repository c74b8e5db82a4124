"""A patient is checked in on the day of their appointment: a click on another day recorded an
attendance that had not happened, and nothing undoes one."""

import datetime

import pytest

from appointments import services
from appointments.models import Status
from core.errors import Conflict
from core.roles import Role
from tests.appointments.conftest import local
from tests.factories import UserFactory
from tests.patients.html_factories import page_text

pytestmark = pytest.mark.django_db


def test_a_future_appointment_cannot_be_checked_in(
    client, staff, book, patient, provider, monday, tz
):
    (booked,) = book(patient, provider, local(monday, "09:20", tz))
    client.force_login(staff[Role.RECEPTIONIST])
    desk = client

    page = page_text(desk.get(f"/appointments/{booked.pk}/"))
    refused = desk.post(f"/appointments/{booked.pk}/status/check_in/", follow=True)

    assert "Check in" not in page
    shown = f"{monday:%d/%m/%Y}"
    assert f"A patient is checked in on the day of their appointment ({shown})." in page_text(
        refused
    )
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED


def test_on_its_day_the_patient_is_checked_in_before_the_time(
    staff, book, patient, provider, monday, tz
):
    (booked,) = book(patient, provider, local(monday, "15:00", tz))
    morning = local(monday, "08:05", tz)
    desk = staff[Role.RECEPTIONIST]

    services.appointment_transition(actor=desk, appointment=booked, action="check_in", now=morning)

    booked.refresh_from_db()
    assert booked.status == Status.CHECKED_IN


def test_the_evening_before_is_too_early(staff, book, patient, provider, monday, tz):
    (booked,) = book(patient, provider, local(monday, "09:00", tz))
    evening = local(monday - datetime.timedelta(1), "23:30", tz)
    with pytest.raises(Conflict):
        services.appointment_transition(
            actor=staff[Role.NURSE], appointment=booked, action="check_in", now=evening
        )


def test_the_move_page_of_a_cancelled_appointment_offers_no_slots(
    client, staff, book, patient, provider, monday, tz
):
    (booked,) = book(patient, provider, local(monday, "09:20", tz))
    services.appointment_cancel(actor=staff[Role.RECEPTIONIST], appointment=booked, reason="Ill")
    client.force_login(staff[Role.RECEPTIONIST])

    answer = client.get(f"/appointments/{booked.pk}/reschedule/", follow=True)

    assert answer.redirect_chain[-1][0] == f"/appointments/{booked.pk}/"
    assert "A cancelled appointment cannot be moved." in page_text(answer)
    assert "Move here" not in page_text(answer)


def test_the_refusal_writes_the_day_as_the_readers_pages_do(
    client, clinic, staff, book, patient, provider, monday, tz
):
    """A Spanish receptionist at an en-US clinic reads her pages' day-first dates in the
    refusal too (it once gave the clinic's month-first 12/09 inside a Spanish sentence)."""
    clinic.locale = "en-US"
    clinic.save()
    (booked,) = book(patient, provider, local(monday, "09:20", tz))
    spanish = UserFactory(clinic=clinic, role=Role.RECEPTIONIST, language="es")
    english = staff[Role.RECEPTIONIST]

    client.force_login(spanish)
    refused = page_text(client.post(f"/appointments/{booked.pk}/status/check_in/", follow=True))
    assert (
        f"La llegada de un paciente se registra el día de su cita ({monday:%d/%m/%Y})." in refused
    )
    client.force_login(english)
    refused = page_text(client.post(f"/appointments/{booked.pk}/status/check_in/", follow=True))
    assert f"checked in on the day of their appointment ({monday:%m/%d/%Y})." in refused
