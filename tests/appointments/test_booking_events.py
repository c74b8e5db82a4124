"""The appointments app tells other apps of each visit booked, moved or cancelled (core.events),
from inside the write: once per appointment, with who did it; a refused booking tells no one."""

import datetime

import pytest

from appointments import services
from appointments.claims import Clash
from core import events
from core.roles import Role
from tests.appointments.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """The appointments events raised during the test, as (key, appointment id, actor)."""
    raised = []

    def listener(event_key, obj=None, actor=None, **payload):
        if event_key.startswith("appointments."):
            raised.append((event_key, obj.pk, actor))

    monkeypatch.setitem(events.handlers._items, "test-listener", listener)
    return raised


def test_each_booked_visit_of_a_series_is_raised_with_its_booker(
    book, staff, patient, provider, monday, tz, heard
):
    weekly = {"frequency": "weekly", "interval": 1, "count": 3}
    rows = book(patient, provider, local(monday, "10:00", tz), recurrence=weekly)

    receptionist = staff[Role.RECEPTIONIST]
    assert heard == [("appointments.booked", row.pk, receptionist) for row in rows]


def test_a_refused_booking_raises_nothing(book, patient, patient2, provider, monday, tz, heard):
    book(patient2, provider, local(monday, "10:00", tz))
    heard.clear()

    with pytest.raises(Clash):
        book(patient, provider, local(monday, "10:00", tz))

    assert heard == []


def test_moving_and_cancelling_are_raised(book, staff, patient, provider, monday, tz, heard):
    (appointment,) = book(patient, provider, local(monday, "10:00", tz))
    clinician = staff[Role.CLINICIAN]
    heard.clear()

    services.appointment_reschedule(
        actor=clinician,
        appointment=appointment,
        start=local(monday + datetime.timedelta(days=1), "11:00", tz),
    )
    appointment.refresh_from_db()
    services.appointment_cancel(actor=clinician, appointment=appointment, reason="Unwell")

    assert heard == [
        ("appointments.rescheduled", appointment.pk, clinician),
        ("appointments.cancelled", appointment.pk, clinician),
    ]
