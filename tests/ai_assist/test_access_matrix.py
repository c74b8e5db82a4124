"""Who may use which AI page and endpoint: every row × every role × own / other clinic.

- A record outside reach (another clinic's patient, result or thread) is 404 before any role
  check; in reach, a role the row does not allow is 403 (a patient user reaches their own
  record, so they get 403 there, and 200 only for the explanation of their own final result).
- Receptionists triage only (threads they can read); lab technicians use nothing; clinic admins
  configure; a note draft is written by those who write notes (clinicians, nurses).
- HTML pages are staff pages: a patient user gets 403 on every one of them.
"""

import pytest

from core.roles import Role
from tests.accounts.access_matrix import Row, missing_rows
from tests.ai_assist.conftest import install_threads, thread_of
from tests.labs.factories import days_ago
from tests.patients.factories import PatientFactory, portal_user

pytestmark = pytest.mark.django_db

A, C, N, R, L, P = (
    Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH, Role.PATIENT,
)  # fmt: skip
ROLES = [A, C, N, R, L, P]
CLINICAL, WRITERS, TRIAGE, EXPLAIN, CONFIGURE = {A, C, N}, {C, N}, {A, C, N, R}, {A, C, N, P}, {A}

# (method, path with {id} of the record named in `label`, the allowed answer, the roles allowed)
TABLE = [
    Row("post", "/api/v1/ai/patients/{id}/summary", 200, CLINICAL, label="patient"),
    Row("post", "/api/v1/ai/patients/{id}/note-draft", 201, WRITERS, label="patient"),
    Row("post", "/api/v1/ai/messages/threads/{id}/triage", 200, TRIAGE, label="thread"),
    Row("get", "/api/v1/ai/labs/results/{id}/explain", 200, EXPLAIN, label="result"),
    Row("get", "/api/v1/ai/settings", 200, CONFIGURE),
    Row("patch", "/api/v1/ai/settings", 200, CONFIGURE, data={"external_enabled": False}),
    Row("post", "/ai/patients/{id}/summary/", 302, CLINICAL, label="patient"),
    Row("get", "/ai/patients/{id}/summary/", 200, CLINICAL, label="patient"),
    Row("post", "/ai/patients/{id}/note-draft/", 302, WRITERS, label="patient"),
    Row("post", "/ai/threads/{id}/triage/", 302, TRIAGE, label="thread"),
    Row("get", "/ai/threads/{id}/triage/", 200, TRIAGE, label="thread"),
    Row("get", "/ai/settings/", 200, CONFIGURE),
    Row("post", "/ai/settings/", 302, CONFIGURE, data={"features": ["summary"]}),
]


def expected(row: Row, role: str, own: bool) -> int:
    if row.html and role == P:
        return 403
    if row.loads_record and not own:
        return 404
    return row.ok if role in row.allowed else 403


CASES = [
    pytest.param(row, role, own, expected(row, role, own), id=f"{role}-{where}-{row}")
    for row in TABLE
    for role in ROLES
    for own, where in ((True, "own"), (False, "other"))
    if own or row.loads_record
]


def world(clinic, admin, monkeypatch, thread_id):
    from labs.services import result_create
    from tests.ai_assist.conftest import HBA1C
    from tests.labs.factories import install_catalogue

    patient = PatientFactory(clinic=clinic)
    result = result_create(
        actor=admin, patient=patient, test=install_catalogue(clinic)[HBA1C], value="7.1",
        collected_at=days_ago(3),
    )  # fmt: skip
    thread = thread_of(patient, thread_id)
    return {"patient": patient, "ids": {"patient": patient.pk, "result": result.pk,
                                        "thread": thread_id}, "thread": thread}  # fmt: skip


@pytest.mark.parametrize("row,role,own,status", CASES)
def test_access_matrix(
    row, role, own, status, ai_clinic, ai_other_clinic, staff, other_staff, monkeypatch, api_as
):
    from django.test import Client

    from tests.factories import UserFactory

    here = world(ai_clinic, staff[A], monkeypatch, "5f00000000000000000000a1")
    there = world(ai_other_clinic, other_staff[A], monkeypatch, "5f00000000000000000000b2")
    install_threads(monkeypatch, here["thread"], there["thread"])
    user = portal_user(here["patient"]) if role == P else UserFactory(clinic=ai_clinic, role=role)
    record_id = (here if own else there)["ids"].get(row.label, "")
    path = row.path.format(id=record_id)
    if row.html:
        client = Client()
        client.force_login(user)
        response = getattr(client, row.method)(path, row.data or {})
    else:
        response = getattr(api_as(user), row.method)(path, row.data or {}, format="json")
    assert response.status_code == status, response.content[:300]
    if status in (403, 404) and not row.html:
        assert response.json()["detail"]


def test_every_ai_page_and_endpoint_is_in_the_table(db):
    assert missing_rows(TABLE, "ai_assist") == []
