"""An archived record is closed to its patient in every app (core.access.in_reach), and what
runs for it stops: its programmes pause, no reminder goes out."""

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from messaging.models import Thread
from patients.services import patient_set_archived
from programs.models import Enrollment
from tests.messaging.factories import make_thread
from tests.programs.factories import bp, bp_task, enrol

pytestmark = pytest.mark.django_db


def archive(actor, patient):
    patient_set_archived(actor=actor, patient=patient, archived=True)


def test_an_archived_patient_no_longer_reads_or_writes_messages(
    api_as, staff, patient, patient_user
):
    thread = make_thread(patient_user, patient)
    archive(staff[Role.RECEPTIONIST], patient)
    app = api_as(patient_user)

    assert app.get("/api/v1/messages/threads/").json()["results"] == []
    assert app.get(f"/api/v1/messages/threads/{thread.pk}/messages/").status_code == 404
    posted = app.post(
        f"/api/v1/messages/threads/{thread.pk}/messages/", {"text": "hello?"}, format="json"
    )
    assert posted.status_code == 404
    started = app.post(
        "/api/v1/messages/threads/",
        {"subject": "hi", "category": "other", "text": "x"},
        format="json",
    )
    assert started.status_code == 404
    assert Thread.objects.count() == 1


def test_an_archived_patients_programmes_pause_and_close_to_them(
    api_as, staff, clinician, patient, patient_user
):
    enrollment = enrol(clinician, patient)
    task = bp_task(enrollment)
    # Whoever archives (the front desk here) need not manage programmes.
    archive(staff[Role.RECEPTIONIST], patient)

    enrollment.refresh_from_db()
    assert enrollment.state == Enrollment.State.PAUSED
    assert AuditEvent.objects.filter(object_id=str(enrollment.pk), detail="pause").exists()
    app = api_as(patient_user)
    assert app.get("/api/v1/enrollments/").json()["results"] == []
    done = app.post(f"/api/v1/tasks/{task.pk}/complete", {"values": bp(120)}, format="json")
    assert done.status_code == 404
    # Restored, the record opens again; resuming is the care team's call.
    patient_set_archived(actor=clinician, patient=patient, archived=False)
    assert app.get(f"/api/v1/enrollments/{enrollment.pk}").status_code == 200
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.PAUSED


def test_the_patient_page_says_the_app_is_closed_while_archived(
    client, staff, patient, patient_user
):
    from tests.patients.html_factories import page_text

    archive(staff[Role.RECEPTIONIST], patient)
    client.force_login(staff[Role.RECEPTIONIST])

    text = page_text(client.get(f"/patients/{patient.pk}/"))

    assert "Closed while archived" in text and "Active account" not in text
