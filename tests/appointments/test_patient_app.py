"""What a patient's app books with: the names behind providers' ids, and the one booking at a
time a patient may make."""

import pytest

from appointments.models import Appointment
from core.roles import Role
from tests.appointments.conftest import local
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/appointments/"


@pytest.fixture
def patient_user(patient):
    patient.user = UserFactory(clinic=None, role=Role.PATIENT, email="ada@example.org")
    patient.save()
    return patient.user


def test_the_providers_name_the_ids_of_slots(
    api_as, patient_user, provider, nurse, follow_up, monday, staff, other_staff
):
    client = api_as(patient_user)
    providers = client.get(f"{BASE}providers/")
    slots = client.get(f"{BASE}slots/", {"type": follow_up.pk, "start": monday.isoformat()})

    assert providers.status_code == 200
    named = {p["id"]: (p["name"], p["role"]) for p in providers.json()}
    assert named == {
        provider.pk: (provider.name, "clinician"),
        nurse.pk: (nurse.name, "nurse"),
    }  # not the front desk, not another clinic's clinicians
    assert {slot["provider"] for slot in slots.json()} <= set(named)


def test_a_deactivated_provider_is_not_listed(api_as, staff, provider, nurse):
    nurse.is_active = False
    nurse.save()
    listed = api_as(staff[Role.RECEPTIONIST]).get(f"{BASE}providers/").json()
    assert [p["id"] for p in listed] == [provider.pk]


def test_the_lab_technician_sees_no_calendar(api_as, staff):
    assert api_as(staff[Role.LAB_TECH]).get(f"{BASE}providers/").status_code == 403


def test_a_patient_books_one_appointment_not_a_series(
    api_as, patient_user, patient, provider, follow_up, monday, tz
):
    body = {
        "provider": provider.pk,
        "type": follow_up.pk,
        "start": local(monday, "09:00", tz).isoformat(),
        "recurrence": {"frequency": "weekly", "count": 52},
    }

    answer = api_as(patient_user).post(BASE, body, format="json")

    assert answer.status_code == 403
    assert answer.json()["detail"] == (
        "A series of appointments is booked by the clinic: call or message them."
    )
    assert not Appointment.objects.filter(patient=patient).exists()


def test_an_archived_patients_calendar_feed_stops(api_as, patient_user, patient, staff):
    from django.test import Client

    from patients.services import patient_set_archived

    made = api_as(patient_user).post(f"{BASE}feeds/")
    assert made.status_code == 201
    url = made.json()["url"]
    path = url[url.index("/calendar/") :]
    assert Client().get(path).status_code == 200

    patient_set_archived(actor=staff[Role.RECEPTIONIST], patient=patient, archived=True)

    assert Client().get(path).status_code == 404
    assert api_as(patient_user).post(f"{BASE}feeds/").status_code == 403
