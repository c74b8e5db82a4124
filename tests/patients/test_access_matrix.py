"""Who reaches which patients page and endpoint: every row of the table × every role × a record
of the actor's own clinic or of another clinic.

The rule (core.access), read off the table:
- a record of another clinic (for a patient user: anyone's record but their own) is a 404, for
  every role, whether the role may act on it or not;
- in reach, a role the row does not allow is a 403;
- patient users never use the HTML pages (403 everywhere, their own record included);
- a refused request reads nothing and changes nothing: no audit row but the refusal's own, the
  record as it was.
Pages and endpoints that load no record (the lists, "new") answer by role alone, and a list
never shows another clinic's patient.
"""

import re
from typing import NamedTuple

import pytest
from django.test import Client

from accounts.models import AuditEvent
from core.roles import Role
from patients.models import Patient
from tests.conftest import bearer_client
from tests.factories import UserFactory
from tests.patients.factories import CLINICAL_FACTORIES, PatientFactory, portal_user

ADMIN, CLINICIAN, NURSE = Role.ADMIN, Role.CLINICIAN, Role.NURSE
RECEPTIONIST, LAB_TECH, PATIENT = Role.RECEPTIONIST, Role.LAB_TECH, Role.PATIENT
ROLES = [ADMIN, CLINICIAN, NURSE, RECEPTIONIST, LAB_TECH, PATIENT]
STAFF = {ADMIN, CLINICIAN, NURSE, RECEPTIONIST, LAB_TECH}
EDITORS = STAFF - {LAB_TECH}
CLINICAL = {ADMIN, CLINICIAN, NURSE}
API = "/api/v1/patients"


class Row(NamedTuple):
    method: str
    path: str  # {pk}: the patient, {rid}: one of their records of the kind the path names
    ok: int  # the status an allowed role gets (with an empty body)
    allowed: set

    @property
    def html(self) -> bool:
        return not self.path.startswith("/api/")

    @property
    def loads_record(self) -> bool:
        return "{pk}" in self.path

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def clinical_endpoints(kind: str) -> list[Row]:
    return [
        Row("get", f"{API}/{{pk}}/{kind}/", 200, CLINICAL | {PATIENT}),
        Row("post", f"{API}/{{pk}}/{kind}/", 400, CLINICAL),
        Row("get", f"{API}/{{pk}}/{kind}/{{rid}}", 200, CLINICAL | {PATIENT}),
        Row("patch", f"{API}/{{pk}}/{kind}/{{rid}}", 200, CLINICAL),
        Row("delete", f"{API}/{{pk}}/{kind}/{{rid}}", 204, CLINICAL),
    ]


TABLE = [
    # HTML pages
    Row("get", "/patients/", 200, STAFF),
    Row("get", "/patients/search/", 200, STAFF),
    Row("get", "/patients/new/", 200, EDITORS),
    Row("post", "/patients/new/", 200, EDITORS),
    Row("get", "/patients/{pk}/", 200, STAFF),
    Row("get", "/patients/{pk}/edit/", 200, EDITORS),
    Row("post", "/patients/{pk}/edit/", 200, EDITORS),
    Row("get", "/patients/{pk}/archive/", 200, EDITORS),
    Row("post", "/patients/{pk}/archive/", 400, EDITORS),  # the form names archive or restore
    Row("get", "/patients/{pk}/delete/", 200, {ADMIN}),
    Row("post", "/patients/{pk}/delete/", 302, {ADMIN}),
    Row("post", "/patients/{pk}/invite/", 302, EDITORS),
    Row("get", "/patients/{pk}/mfa-reset/", 302, EDITORS),  # "not on": a message, back
    Row("post", "/patients/{pk}/mfa-reset/", 302, EDITORS),  # "not on": a message, back
    Row("post", "/patients/{pk}/allergy-status/", 302, CLINICAL),
    Row("get", "/patients/{pk}/record/", 200, CLINICAL),
    Row("get", "/patients/{pk}/allergies/add/", 200, CLINICAL),
    Row("post", "/patients/{pk}/allergies/add/", 200, CLINICAL),
    Row("get", "/patients/{pk}/conditions/add/", 200, CLINICAL),
    Row("get", "/patients/{pk}/medications/add/", 200, CLINICAL),
    Row("get", "/patients/{pk}/allergies/{rid}/edit/", 200, CLINICAL),
    Row("post", "/patients/{pk}/allergies/{rid}/edit/", 200, CLINICAL),
    Row("get", "/patients/{pk}/allergies/{rid}/delete/", 200, CLINICAL),
    Row("post", "/patients/{pk}/allergies/{rid}/delete/", 302, CLINICAL),
    # API endpoints
    Row("get", f"{API}/", 200, STAFF | {PATIENT}),
    Row("post", f"{API}/", 400, EDITORS),
    Row("get", f"{API}/{{pk}}/", 200, STAFF | {PATIENT}),
    Row("patch", f"{API}/{{pk}}/", 200, EDITORS),
    Row("delete", f"{API}/{{pk}}/", 200, EDITORS),
    Row("post", f"{API}/{{pk}}/restore", 200, EDITORS),
    Row("get", f"{API}/{{pk}}/fhir", 200, STAFF | {PATIENT}),
    Row("get", f"{API}/{{pk}}/export", 200, CLINICAL | {PATIENT}),
    Row("post", f"{API}/{{pk}}/invite", 202, EDITORS),
    Row("post", f"{API}/{{pk}}/mfa-reset", 409, EDITORS),  # not on for this patient
    Row("get", f"{API}/{{pk}}/access-log", 200, {ADMIN, PATIENT}),
    Row("post", f"{API}/{{pk}}/allergy-status", 400, CLINICAL),
    *clinical_endpoints("allergies"),
    *clinical_endpoints("conditions"),
    *clinical_endpoints("medications"),
]


def expected_status(row: Row, role: str, own_clinic: bool) -> int:
    if row.html and role == PATIENT:
        return 403
    if row.loads_record and not own_clinic:
        return 404
    return row.ok if role in row.allowed else 403


def cases():
    return [
        pytest.param(row, role, own, id=f"{role}-{'own' if own else 'other'}-{row}")
        for row in TABLE
        for role in ROLES
        for own in (True, False)
    ]


@pytest.fixture
def record(clinic):
    """The patient every row is asked about, with one record of each clinical kind."""
    patient = PatientFactory(clinic=clinic, email="p@example.org")
    return patient, {kind: factory(patient=patient) for kind, factory in CLINICAL_FACTORIES.items()}


def actor_for(role: str, clinic):
    """A user of `role` in `clinic`; a patient user is linked to a record of that clinic."""
    if role == PATIENT:
        return portal_user(PatientFactory(clinic=clinic))
    return UserFactory(clinic=clinic, role=role)


def client_for(row: Row, user):
    if not row.html:
        return bearer_client(user)
    client = Client()
    client.force_login(user)
    return client


def url_of(row: Row, patient, records: dict, *, pk=None, rid=None) -> str:
    kind = re.search(r"/(allergies|conditions|medications)/", row.path)
    record = records[kind[1]] if kind else None
    return row.path.format(pk=pk or patient.pk, rid=rid or getattr(record, "pk", ""))


def json_body(row: Row) -> dict:
    return {} if row.html else {"format": "json"}


@pytest.mark.parametrize("row,role,own_clinic", cases())
def test_access_matrix(record, clinic, other_clinic, row, role, own_clinic):
    patient, records = record
    if role == PATIENT and own_clinic:
        actor = portal_user(patient)  # a patient user's own record
    else:
        actor = actor_for(role, clinic if own_clinic else other_clinic)
    expected = expected_status(row, role, own_clinic)

    send = getattr(client_for(row, actor), row.method)
    response = send(url_of(row, patient, records), {}, **json_body(row))

    assert response.status_code == expected, response.content[:300]
    if expected in (403, 404):
        assert_refused_leaves_no_trace(row, response, patient, records)
    elif not row.loads_record and not own_clinic:
        assert patient.pk not in response.content.decode()  # never listed elsewhere


def assert_refused_leaves_no_trace(row: Row, response, patient, records):
    if not row.html:
        assert response.json()["detail"]
    assert not AuditEvent.objects.filter(patient_id=patient.pk).exclude(action="refused").exists()
    unchanged = Patient.objects.get(pk=patient.pk)
    assert not unchanged.is_archived
    assert unchanged.user_id == patient.user_id
    for record in records.values():
        assert type(record).objects.filter(pk=record.pk).exists()


# --- ids that name nothing: 404 wherever an id is read -----------------------------------------
BAD_IDS = ["0" * 24, "not-an-id", "x" * 100, "%00", "1;DROP"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("row", [row for row in TABLE if row.loads_record], ids=str)
def test_unknown_and_malformed_ids_are_404(record, admin_user, row, bad_id):
    patient, records = record
    send = getattr(client_for(row, admin_user), row.method)

    assert send(url_of(row, patient, records, pk=bad_id), {}, **json_body(row)).status_code == 404
    if "{rid}" in row.path:
        bad_record = url_of(row, patient, records, rid=bad_id)
        assert send(bad_record, {}, **json_body(row)).status_code == 404


def test_every_route_of_the_app_has_a_row():
    from tests.accounts.access_matrix import Row as AppRow
    from tests.accounts.access_matrix import missing_rows

    rows = [
        AppRow(row.method, row.path.replace("{pk}", "{id}").replace("{rid}", "{id}"), row.ok)
        for row in TABLE
    ]
    assert missing_rows(rows, "patients") == []
