"""What messaging offers other apps: chart facts, FHIR Communications, the triage digest, and
the demo seeder."""

import argparse

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import AuditEvent
from core.contributions import call_service, chart_sources, fhir_resources, seeders
from core.reconcile import reconcile
from core.roles import Role
from messaging import demo, services
from messaging.models import Message, Thread, UnreadCounter
from tests.messaging.factories import make_thread, write
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_chart_facts_are_the_open_threads_with_their_page(patient_user, clinician, patient):
    open_thread = make_thread(patient_user, patient, subject="Refill", category="refill")
    closed = make_thread(patient_user, patient, subject="Old question")
    services.thread_update(actor=clinician, thread=closed, status="closed")
    [fact] = chart_sources.get("messaging").facts(actor=clinician, patient=patient)
    assert (fact.section, fact.type, fact.id) == ("messages", "messaging.thread", open_thread.pk)
    assert fact.url == f"/messages/{open_thread.pk}/" and "Refill" in fact.text


def test_fhir_communications_leave_internal_remarks_out(patient_user, clinician, patient):
    thread = make_thread(patient_user, patient, text="My rash")
    write(clinician, thread, "Internal only", internal=True)
    write(clinician, thread, "Use the cream")
    resources = fhir_resources.get("messaging").resources(actor=clinician, patient=patient)
    assert [r["resourceType"] for r in resources] == ["Communication"] * 2
    assert [r["payload"][0]["contentString"] for r in resources] == ["My rash", "Use the cream"]
    assert resources[0]["sender"] == {"reference": f"Patient/{patient.pk}"}
    assert resources[1]["recipient"] == [{"reference": f"Patient/{patient.pk}"}]
    # Part of the record export, whose one "export" row covers it (tests/export/test_bundle.py).
    assert not AuditEvent.objects.filter(action="export", patient_id=patient.pk).exists()


def test_triage_digest_is_the_patients_latest_messages(patient_user, clinician, staff, patient):
    thread = make_thread(patient_user, patient, text="Rash since Monday", category="clinical")
    write(clinician, thread, "Send a photo please")
    write(patient_user, thread, "It spread to my arm")
    write(patient_user, thread, "And it itches")
    digest = call_service("messaging.thread_for_triage", actor=clinician, id=thread.pk)
    assert digest == {
        "thread_id": thread.pk,
        "patient_id": patient.pk,
        "clinic_id": patient.clinic_id,
        "subject": "Rash getting worse",
        "category": "clinical",
        "text": "It spread to my arm\n\nAnd it itches",
        "url": f"/messages/{thread.pk}/",
    }
    with pytest.raises(PermissionDenied):
        call_service("messaging.thread_for_triage", actor=staff[Role.RECEPTIONIST], id=thread.pk)
    with pytest.raises(Http404):
        call_service("messaging.thread_for_triage", actor=clinician, id="0" * 24)


def test_seeder_tops_up_once_with_exact_counts(staff, clinic):
    for _ in range(3):
        PatientFactory(clinic=clinic)
    users = {Role.CLINICIAN: staff["clinician"], Role.NURSE: staff["nurse"]}
    assert demo.seed_threads(clinic=clinic, users=users, threads=100, per_thread=5) == 100
    assert demo.seed_threads(clinic=clinic, users=users, threads=100, per_thread=5) == 0
    assert Message.objects.count() == 500
    open_threads = Thread.objects.filter(status="open")
    assert open_threads.count() == 2
    nurse_count = UnreadCounter.objects.filter(user=staff["nurse"]).first()
    expected = sum(t.seq for t in open_threads if t.assigned_to_id is None)
    assert (nurse_count.unread if nurse_count else 0) == expected
    # Written in bulk, yet every thread and message has its create audit row and every thread
    # its messages: `manage.py reconcile` finds nothing half-written.
    assert [f for f in reconcile() if f.model.startswith("messaging.")] == []
    assert (
        AuditEvent.objects.filter(object_type="messaging.Message", action="create").count() == 500
    )
    parser = argparse.ArgumentParser()
    seeders.get("messaging").add_arguments(parser)
    args = parser.parse_args(["--message-threads", "7", "--messages-per-thread", "3"])
    assert (args.message_threads, args.messages_per_thread) == (7, 3)
