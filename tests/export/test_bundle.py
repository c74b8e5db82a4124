"""The patient's whole record as a FHIR R4 Bundle (`GET /api/v1/patients/{id}/export`): every
resource validates with `fhir.resources` (its R4B models, R4's resources unchanged), references
inside the bundle resolve, staff with clinical access get everything, the patient gets what is
theirs to read, and the read is one audit row, an export."""

import json
import uuid
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from accounts.models import AuditEvent
from core.contributions import fhir_resources
from notes import services as note_services
from patients import services as patient_services
from tests.conftest import bearer_client
from tests.labs.factories import (
    GLUCOSE,
    HEMOGLOBIN,
    audit_mark,
    audit_rows_since,
    install_catalogue,
    make_order,
    make_result,
)
from tests.messaging.factories import make_thread
from tests.notes.factories import make_note
from tests.patients.factories import AllergyFactory, PatientFactory
from tests.programs.factories import enrol
from tests.programs.factories import install as install_programs

pytestmark = pytest.mark.django_db


def export(user, patient, **headers) -> dict:
    response = bearer_client(user).get(f"/api/v1/patients/{patient.pk}/export", **headers)
    assert response.status_code == 200, response.content[:500]
    data = json.loads(response.content)
    Bundle.model_validate(data)  # raises on anything R4 does not allow
    for entry in data["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return data


def by_type(bundle: dict) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        grouped.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return grouped


def ids(resources: list[dict]) -> set[str]:
    return {resource["id"] for resource in resources}


def test_a_clinician_exports_the_whole_record(record):
    patient = record["patient"]
    mark = audit_mark()

    bundle = export(record["clinician"], patient)

    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    found = by_type(bundle)
    assert Counter({kind: len(items) for kind, items in found.items()}) >= Counter(
        Patient=1,
        AllergyIntolerance=1,
        Condition=1,
        MedicationStatement=1,
        Observation=3,
        DiagnosticReport=1,
        DocumentReference=2,
        Appointment=1,
    )
    assert found["Patient"][0]["id"] == patient.pk
    assert found["AllergyIntolerance"][0]["code"]["text"] == "Penicillin"
    assert found["Condition"][0]["code"]["coding"][0]["code"] == "E11.9"
    assert found["MedicationStatement"][0]["status"] == "completed"
    assert ids(found["Observation"]) == {
        record[name].pk for name in ("glucose", "potassium", "hemoglobin")
    }
    # Drafts are not yet part of the record; signed notes are, shared or not.
    assert ids(found["DocumentReference"]) == {record["shared_note"].pk, record["private_note"].pk}
    assert found["Appointment"][0]["description"] == "Review of blood sugar"
    row = audit_rows_since(mark).get()
    assert (row.action, row.patient_id, row.actor_id) == (
        AuditEvent.Action.EXPORT,
        patient.pk,
        record["clinician"].pk,
    )


def references(value):
    """Every `reference` string anywhere in a resource (or bundle)."""
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


@pytest.fixture
def full_record(record):
    """The record, with a message thread and a care programme too."""
    install_programs(record["patient"].clinic)
    record["enrollment"] = enrol(record["clinician"], record["patient"])
    record["thread"] = make_thread(record["clinician"], record["patient"], text="Any news?")
    return record


def test_the_whole_record_with_messages_and_programmes_is_one_export_row(full_record):
    """The messages wrote an "export" row of their own and each programme a "view" row."""
    patient = full_record["patient"]
    mark = audit_mark()

    found = by_type(export(full_record["clinician"], patient))

    assert {"Communication", "CarePlan", "DocumentReference"} <= set(found)
    row = audit_rows_since(mark).get()
    assert (row.action, row.patient_id, row.object_id) == ("export", patient.pk, patient.pk)


def test_every_entry_has_a_stable_urn_uuid_full_url(full_record):
    bundle = export(full_record["clinician"], full_record["patient"])
    urls = [entry["fullUrl"] for entry in bundle["entry"]]

    assert len(set(urls)) == len(urls)
    assert all(url.startswith("urn:uuid:") and uuid.UUID(url[9:]).version == 5 for url in urls)
    # The same record keeps its fullUrl from one export to the next (receivers can dedupe).
    again = export(full_record["clinician"], full_record["patient"])
    assert {e["resource"]["id"]: e["fullUrl"] for e in again["entry"]} == {
        e["resource"]["id"]: e["fullUrl"] for e in bundle["entry"]
    }


def test_every_reference_in_the_bundle_resolves_to_an_entry(full_record):
    bundle = export(full_record["clinician"], full_record["patient"])
    entries = {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}
    url_of = {(r["resourceType"], r["id"]): url for url, r in entries.items()}
    found = by_type(bundle)

    assert {"Communication", "CarePlan", "Observation", "DiagnosticReport"} <= set(found)
    patient_url = url_of[("Patient", full_record["patient"].pk)]
    for kind in ("Observation", "DiagnosticReport", "Communication", "CarePlan", "Condition"):
        assert {r["subject"]["reference"] for r in found[kind]} == {patient_url}, kind
    for kind in ("AllergyIntolerance", "Appointment"):
        assert patient_url in set(references(found[kind])), kind
    report = found["DiagnosticReport"][0]
    assert report["id"] == full_record["order"].pk
    assert "contained" not in report  # each Observation is in the bundle once
    assert {r["reference"] for r in report["result"]} == {
        url_of[("Observation", full_record["glucose"].pk)],
        url_of[("Observation", full_record["potassium"].pk)],
    }
    # Every reference resolves inside the bundle; the staff (not in it) are named by display.
    assert set(references(bundle)) <= set(entries)
    author = found["DocumentReference"][0]["author"][0]
    assert author == {"display": full_record["clinician"].name}


def test_the_patient_fetches_their_own_record(record):
    bundle = export(record["user"], record["patient"])

    found = by_type(bundle)
    assert found["Patient"][0]["id"] == record["patient"].pk
    assert ids(found["AllergyIntolerance"]) == {record["allergy"].pk}
    # Their released results only, no lab orders, and the notes shared with them.
    assert ids(found["Observation"]) == {record["glucose"].pk, record["hemoglobin"].pk}
    assert "DiagnosticReport" not in found
    assert ids(found["DocumentReference"]) == {record["shared_note"].pk}
    assert ids(found["Appointment"]) == {record["appointment"].pk}
    assert "Staff-only note" not in json.dumps(bundle)


def test_the_bundle_is_plain_json_when_asked(record):
    response = bearer_client(record["clinician"]).get(
        f"/api/v1/patients/{record['patient'].pk}/export", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["type"] == "collection"


def test_fhir_json_is_the_default(record):
    response = bearer_client(record["clinician"]).get(
        f"/api/v1/patients/{record['patient'].pk}/export"
    )
    assert response["Content-Type"].startswith("application/fhir+json")


def test_an_archived_record_is_closed_to_its_patient_but_not_to_staff(record):
    patient = record["patient"]
    patient_services.patient_set_archived(actor=record["clinician"], patient=patient, archived=True)

    response = bearer_client(record["user"]).get(f"/api/v1/patients/{patient.pk}/export")

    assert response.status_code == 404
    assert by_type(export(record["clinician"], patient))["Patient"][0]["active"] is False


def test_a_patient_with_nothing_recorded_exports_just_themselves(clinician):
    patient = PatientFactory(clinic=clinician.clinic)
    bundle = export(clinician, patient)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]


def test_every_installed_app_contributes_to_the_bundle():
    assert {"patients", "labs", "notes", "appointments"} <= {s.key for s in fhir_resources}


def test_the_export_reads_in_a_bounded_number_of_queries(record, django_assert_max_num_queries):
    client = bearer_client(record["clinician"])
    with django_assert_max_num_queries(40):
        response = client.get(f"/api/v1/patients/{record['patient'].pk}/export")
    assert response.status_code == 200


def test_a_longer_record_exports_in_the_same_queries(record):
    """A patient of 500 notes was exported in 519 queries, one for each note's addenda."""
    client = bearer_client(record["clinician"])
    path = f"/api/v1/patients/{record['patient'].pk}/export"

    def queries_and_entries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        return len(queries), len(json.loads(response.content)["entry"])

    before, entries_before = queries_and_entries()
    patient, clinician = record["patient"], record["clinician"]
    for n in range(3):
        note = make_note(clinician, patient, signed=True, title=f"Visit {n}")
        note_services.addendum_add(actor=clinician, note=note, text=f"Addendum {n}.")
    catalogue = install_catalogue(patient.clinic)
    order = make_order(patient, actor=clinician, tests=[catalogue[GLUCOSE]])
    make_result(patient, catalogue[GLUCOSE], "101", order=order)
    make_result(patient, catalogue[HEMOGLOBIN], "12.9")
    AllergyFactory(patient=patient, substance="Latex")

    after, entries_after = queries_and_entries()

    assert entries_after >= entries_before + 6  # the new notes and results are in it
    assert after == before
