"""Triage over the real messaging app: its own access call, its thread page's aside."""

import pytest

from core.roles import Role
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db
messaging = pytest.importorskip("messaging.services")


@pytest.fixture
def patient_thread(chart):
    from tests.messaging.factories import make_thread

    patient = chart["patient"]
    return make_thread(
        portal_user(patient),
        patient,
        subject="Since last night",
        text="I have had chest tightness and I'm short of breath when I walk.",
    )


def test_a_patients_message_is_triaged_as_an_emergency(api_as, staff, patient_thread):
    response = api_as(staff[Role.NURSE]).post(
        f"/api/v1/ai/messages/threads/{patient_thread.pk}/triage", format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["urgency"] == "emergency"
    assert {"chest pain", "shortness of breath"} <= set(body["reasons"])
    assert body["citations"][0]["id"] == patient_thread.pk


def test_the_thread_page_offers_ai_triage(client, staff, patient_thread):
    from django.urls import reverse

    client.force_login(staff[Role.NURSE])
    page = client.get(reverse("messaging:thread", args=[patient_thread.pk]))
    assert page.status_code == 200
    assert b"Suggest triage" in page.content


def test_the_front_desk_triages_only_the_threads_it_can_read(api_as, staff, patient_thread):
    """A clinical thread is closed to receptionists in messaging, so its triage is too."""
    response = api_as(staff[Role.RECEPTIONIST]).post(
        f"/api/v1/ai/messages/threads/{patient_thread.pk}/triage", format="json"
    )
    assert response.status_code == 403


def test_the_thread_page_offers_no_triage_when_the_clinic_turned_it_off(
    client, staff, patient_thread, ai_clinic
):
    from django.urls import reverse

    from ai_assist.models import AiSettings

    AiSettings.objects.create(clinic=ai_clinic, features=["summary"])
    client.force_login(staff[Role.NURSE])
    page = client.get(reverse("messaging:thread", args=[patient_thread.pk]))
    assert page.status_code == 200
    assert b"Suggest triage" not in page.content
