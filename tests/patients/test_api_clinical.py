"""Nested clinical summary API: allergies, conditions (problems) and medications.

Full CRUD for clinicians, nurses and admins; 403 for receptionists and lab technicians; read-only
for the patient themself; 404 across clinics; one audit row per read; constant query counts.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from core.roles import Role
from patients.models import Allergy, Condition, Medication
from tests.patients.factories import CLINICAL_FACTORIES, PatientFactory, portal_user

API = "/api/v1/patients"
KINDS = ["allergies", "conditions", "medications"]
MODELS = {"allergies": Allergy, "conditions": Condition, "medications": Medication}
CLINICAL = [Role.ADMIN, Role.CLINICIAN, Role.NURSE]
COMMON = {"id", "patient_id", "recorded_by", "created_at", "updated_at"}
FIELDS = {
    "allergies": COMMON | {"substance", "code", "reaction", "severity", "status"},
    "conditions": COMMON | {"name", "code", "code_system", "onset_date", "status"},
    "medications": COMMON
    | {"name", "code", "dose", "frequency", "start_date", "end_date", "is_active"}
    | {"allergy_override_reason"},
}
NEW = {
    "allergies": {"substance": "Penicillin", "reaction": "Hives", "severity": "severe"},
    "conditions": {
        "name": "Type 2 diabetes",
        "code": "e11.9",
        "code_system": "icd10",
        "onset_date": "2019-04-01",
    },
    "medications": {
        "name": "Metformin",
        "dose": "500 mg",
        "frequency": "twice daily",
        "start_date": "2019-04-02",
    },
}
CHANGE = {
    "allergies": ("status", "resolved"),
    "conditions": ("status", "resolved"),
    "medications": ("is_active", False),
}
INVALID = {
    "allergies": [
        ("substance", ""),
        ("substance", None),
        ("severity", "deadly"),
        ("status", ["active"]),
        ("reaction", "x" * 201),
        ("substance", "Penicil\u202enil"),
    ],
    "conditions": [
        ("name", ""),
        ("code", "E11.9X-BAD"),
        ("code_system", "loinc"),
        ("onset_date", "2019-13-01"),
        ("onset_date", "tomorrow"),
        ("status", "cured"),
        ("name", "Asthma\u2067"),
    ],
    "medications": [
        ("name", ""),
        ("start_date", "01-02-2019x"),
        ("end_date", 20190101),
        ("is_active", "perhaps"),
        ("dose", "1\u202e0 mg"),
    ],
}


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert isinstance(data["detail"], str) and data["detail"]
    if field is not None:
        assert field in data["errors"], data
    return data


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")


def make(kind, patient, **kwargs):
    return CLINICAL_FACTORIES[kind](patient=patient, **kwargs)


def url(patient, kind, record=None):
    base = f"{API}/{patient.pk}/{kind}/"
    return f"{base}{record.pk}/" if record is not None else base


# --- CRUD ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", CLINICAL)
def test_full_crud(api_as, staff, patient, kind, role):
    client, actor = api_as(staff[role]), staff[role]

    created = client.post(url(patient, kind), NEW[kind], format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert set(data) == FIELDS[kind]
    assert data["patient_id"] == patient.pk and data["recorded_by"] == actor.name
    record = MODELS[kind].objects.get(pk=data["id"])
    assert record.clinic_id == patient.clinic_id and record.patient_id == patient.pk

    listed = client.get(url(patient, kind)).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == record.pk

    assert client.get(url(patient, kind, record)).json() == data

    field, value = CHANGE[kind]
    changed = client.patch(url(patient, kind, record), {field: value}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()[field] == value
    record.refresh_from_db()
    assert getattr(record, field) == value

    deleted = client.delete(url(patient, kind, record))
    assert deleted.status_code == 204
    assert not MODELS[kind].objects.filter(pk=record.pk).exists()
    assert_error(client.get(url(patient, kind, record)), 404)

    actions = list(
        AuditEvent.objects.filter(patient_id=patient.pk)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "view", "view", "update", "delete"]


def test_condition_code_is_normalised(admin_api, patient):
    data = admin_api.post(url(patient, "conditions"), NEW["conditions"], format="json").json()
    assert data["code"] == "E11.9"


def test_medication_end_before_start_is_400(admin_api, patient):
    response = admin_api.post(
        url(patient, "medications"),
        {**NEW["medications"], "start_date": "2020-05-01", "end_date": "2020-04-01"},
        format="json",
    )
    assert_error(response, 400, "end_date")


def test_condition_onset_in_the_future_is_400(admin_api, patient):
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = admin_api.post(
        url(patient, "conditions"), {**NEW["conditions"], "onset_date": future}, format="json"
    )
    assert_error(response, 400, "onset_date")


def test_condition_code_without_system_is_400(admin_api, patient):
    response = admin_api.post(
        url(patient, "conditions"), {"name": "Asthma", "code": "J45"}, format="json"
    )
    assert_error(response, 400, "code_system")


@pytest.mark.parametrize(
    "kind,field,value", [(k, f, v) for k, cases in INVALID.items() for f, v in cases]
)
def test_validation_is_400(admin_api, patient, kind, field, value):
    response = admin_api.post(url(patient, kind), {**NEW[kind], field: value}, format="json")
    assert_error(response, 400, field)
    assert not MODELS[kind].objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_patch_validation_keeps_the_record(admin_api, patient, kind):
    record = make(kind, patient)
    field, value = INVALID[kind][0]
    response = admin_api.patch(url(patient, kind, record), {field: value}, format="json")
    assert_error(response, 400, field)
    record.refresh_from_db()
    assert getattr(record, field)


@pytest.mark.parametrize("kind", KINDS)
def test_malformed_json_is_400(admin_api, patient, kind):
    response = admin_api.post(url(patient, kind), data="{", content_type="application/json")
    assert_error(response, 400)


@pytest.mark.parametrize("kind", KINDS)
def test_record_of_another_patient_is_404(admin_api, clinic, patient, kind):
    sibling = PatientFactory(clinic=clinic)
    record = make(kind, sibling)
    assert_error(admin_api.get(url(patient, kind, record)), 404)
    assert_error(admin_api.patch(url(patient, kind, record), {}, format="json"), 404)
    assert_error(admin_api.delete(url(patient, kind, record)), 404)
    assert MODELS[kind].objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("record_id", ["nope", "0", "x" * 70, "507f1f77bcf86cd799439011"])
def test_unknown_record_ids_are_404(admin_api, patient, kind, record_id):
    assert_error(admin_api.get(f"{url(patient, kind)}{record_id}/"), 404)


def test_list_is_paginated_and_ordered(admin_api, patient):
    for name in ["Zinc", "Aspirin", "Latex"]:
        make("allergies", patient, substance=name)
    make("allergies", patient, substance="Dust", status="resolved")
    data = admin_api.get(url(patient, "allergies"), {"page_size": 2}).json()
    assert data["count"] == 4 and len(data["results"]) == 2 and data["next"]
    everything = admin_api.get(url(patient, "allergies")).json()["results"]
    assert [row["substance"] for row in everything] == ["Aspirin", "Latex", "Zinc", "Dust"]


# --- patient users (every role × clinic is in test_access_matrix.py) -----------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_patient_user_reads_own_records_but_cannot_write(api_as, patient, kind):
    me = portal_user(patient)
    record = make(kind, patient)
    client = api_as(me)

    assert client.get(url(patient, kind)).json()["count"] == 1
    assert client.get(url(patient, kind, record)).status_code == 200

    assert_error(client.post(url(patient, kind), NEW[kind], format="json"), 403)
    assert_error(client.post(url(patient, kind), {}, format="json"), 403)  # 403 before 400
    assert_error(client.patch(url(patient, kind, record), NEW[kind], format="json"), 403)
    assert_error(client.delete(url(patient, kind, record)), 403)
    assert MODELS[kind].objects.count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_patient_user_gets_404_for_other_patients_records(api_as, clinic, patient, kind):
    me = portal_user(patient)
    neighbour = PatientFactory(clinic=clinic)
    record = make(kind, neighbour)
    assert_error(api_as(me).get(url(neighbour, kind)), 404)
    assert_error(api_as(me).get(url(neighbour, kind, record)), 404)


# --- audit and queries ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_each_read_writes_exactly_one_audit_row(api_as, clinician, patient, kind):
    record = make(kind, patient)
    client = api_as(clinician)

    before = AuditEvent.objects.count()
    client.get(url(patient, kind))
    assert AuditEvent.objects.count() == before + 1
    row = AuditEvent.objects.filter(patient_id=patient.pk).get()
    assert (row.action, row.actor, row.detail) == ("view", clinician, kind)

    client.get(url(patient, kind, record))
    assert AuditEvent.objects.count() == before + 2
    row = AuditEvent.objects.filter(patient_id=patient.pk, object_id=record.pk).get()
    assert row.action == "view"


@pytest.mark.parametrize("kind", KINDS)
def test_writes_write_one_audit_row_and_no_view(admin_api, patient, kind):
    record = make(kind, patient)
    before = AuditEvent.objects.count()
    field, value = CHANGE[kind]
    admin_api.patch(url(patient, kind, record), {field: value}, format="json")
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.filter(patient_id=patient.pk).get().action == "update"


@pytest.mark.parametrize("kind", KINDS)
def test_list_costs_the_same_queries_for_1_and_50_rows(api_as, staff, patient, kind):
    client = api_as(staff[Role.NURSE])
    make(kind, patient, recorded_by=staff[Role.CLINICIAN])
    with CaptureQueriesContext(connection) as one:
        assert client.get(url(patient, kind), {"page_size": 100}).json()["count"] == 1
    for n in range(49):
        make(kind, patient, recorded_by=staff[Role.NURSE] if n % 2 else staff[Role.ADMIN])
    with CaptureQueriesContext(connection) as fifty:
        assert client.get(url(patient, kind), {"page_size": 100}).json()["count"] == 50
    assert len(one) == len(fifty), [q["sql"] for q in fifty.captured_queries]
    assert len(fifty) <= 6
