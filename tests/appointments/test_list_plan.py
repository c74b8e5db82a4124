"""The API's list of a clinic's appointments reads them in order off an index, whatever the
clinic's size: joined to the clinic's row, SQLite put that one row outside the loop and sorted
every appointment of the clinic for each page (185,000 in the benchmark: 0.2 s a page). The
plan is the behaviour, so it is asserted (SQLite's); the rows and counts on every backend."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from appointments.models import Appointment, Status
from appointments.selectors import appointment_list
from core.planner import statistics_refresh
from core.roles import Role
from tests.factories import ClinicFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
STATUSES = [Status.COMPLETED, Status.BOOKED, Status.CANCELLED]


@pytest.fixture(params=[0, 3], ids=["one clinic", "four clinics"])
def appointments(request, clinic, staff, follow_up):
    """300 appointments of three patients over 100 days, in three statuses."""
    for _ in range(request.param):  # a deployment of one clinic or of several
        ClinicFactory()
    patients = [PatientFactory(clinic=clinic) for _ in range(3)]
    first = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    rows = []
    for n in range(300):
        start = first + datetime.timedelta(hours=8 * n)
        rows.append(
            Appointment(
                clinic=clinic,
                patient=patients[n % 3],
                provider=staff[Role.CLINICIAN],
                type=follow_up,
                start=start,
                end=start + datetime.timedelta(minutes=20),
                busy_until=start + datetime.timedelta(minutes=20),
                status=STATUSES[n % 3],
            )
        )
    Appointment.objects.bulk_create(rows)
    statistics_refresh()
    return rows


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    "status, index", [("", "appt_clinic_start"), ("cancelled", "appt_clinic_status_start")]
)
def test_a_clinics_appointments_are_read_in_order_off_an_index(appointments, staff, status, index):
    plan = appointment_list(actor=staff[Role.RECEPTIONIST], status=status)[:25].explain()

    assert f"appointments_appointment USING INDEX {index} (clinic_id=?" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


@pytest.mark.parametrize("status", ["", "cancelled"])
def test_the_api_lists_a_clinics_appointments_by_start_with_their_count(
    appointments, staff, api_as, status
):
    expected = [a for a in appointments if status in ("", a.status)]

    body = api_as(staff[Role.RECEPTIONIST]).get(f"/api/v1/appointments/?status={status}").json()

    assert [row["id"] for row in body["results"]] == [a.pk for a in expected[:25]]
    assert body["count"] == len(expected) and body["count_estimated"] is False


def test_one_patients_appointments_are_counted_exactly(appointments, staff, api_as):
    patient_id = appointments[0].patient_id

    body = api_as(staff[Role.RECEPTIONIST]).get(f"/api/v1/appointments/?patient={patient_id}")

    assert body.json()["count"] == 100 and "count_estimated" not in body.json()
