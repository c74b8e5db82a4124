"""Who reaches which notes page and endpoint: every row × every role × a record of the actor's
own clinic or of another clinic (the rule and the machinery: tests/accounts/access_matrix.py).

Read off the table: clinicians and nurses write notes; clinic admins read them and manage
templates; receptionists and lab technicians see no note (403); only clinicians co-sign; a
patient user reaches only their own signed notes shared with them, through the API (any other
note is a 404, every staff page a 403); another clinic's record is a 404 for every role. A
refused request reads nothing (no audit row but the refusal's own) and changes nothing.
"""

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from notes import services
from notes.models import Addendum, Note, NoteTemplate, NoteType
from tests.accounts.access_matrix import Row, actor, cases, missing_rows, send
from tests.factories import UserFactory
from tests.notes.factories import install, make_note, template
from tests.patients.factories import PatientFactory, portal_user

ADMIN, CLINICIAN, NURSE, PATIENT = Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.PATIENT
READERS = frozenset({ADMIN, CLINICIAN, NURSE})
WRITERS = frozenset({CLINICIAN, NURSE})
API = "/api/v1/notes"
# The label says which record "{id}" is: a draft, a signed note (shared with its patient), a
# signed note whose co-signature is asked of the actor, the patient, or a template.
DRAFT, SIGNED, COSIGN, PATIENT_RECORD, TEMPLATE = "draft", "signed", "cosign", "patient", "template"

TABLE = [
    # HTML pages
    Row("get", "/notes/mine/", 200, WRITERS),
    Row("get", "/notes/patients/{id}/", 200, READERS, label=PATIENT_RECORD),
    Row("get", "/notes/patients/{id}/new/", 200, WRITERS, label=PATIENT_RECORD),
    Row("post", "/notes/patients/{id}/new/", 200, WRITERS, label=PATIENT_RECORD),
    Row("get", "/notes/{id}/", 200, READERS, label=SIGNED),
    Row("get", "/notes/{id}/print/", 200, READERS, label=SIGNED),
    Row("get", "/notes/{id}/history/", 200, READERS, label=DRAFT),
    Row("get", "/notes/{id}/edit/", 200, WRITERS, label=DRAFT),
    Row("post", "/notes/{id}/edit/", 200, WRITERS, label=DRAFT),
    Row("post", "/notes/{id}/sign/", 302, WRITERS, label=DRAFT),
    Row("post", "/notes/{id}/request-cosign/", 302, WRITERS, label=SIGNED),
    Row("post", "/notes/{id}/cosign/", 302, frozenset({CLINICIAN}), label=COSIGN),
    Row("post", "/notes/{id}/share/", 302, WRITERS, label=SIGNED),
    Row("post", "/notes/{id}/addenda/", 200, WRITERS, label=SIGNED),  # empty: shown again
    # API endpoints
    Row("get", f"{API}/types/", 200, READERS),
    Row("post", f"{API}/types/", 400, frozenset({ADMIN})),
    Row("get", f"{API}/templates/", 200, READERS),
    Row("post", f"{API}/templates/", 400, frozenset({ADMIN})),
    Row("get", f"{API}/templates/{{id}}/", 200, READERS, label=TEMPLATE),
    Row("patch", f"{API}/templates/{{id}}/", 200, frozenset({ADMIN}), label=TEMPLATE),
    Row("get", f"{API}/", 200, READERS | {PATIENT}),
    Row("post", f"{API}/", 400, WRITERS),
    Row("get", f"{API}/{{id}}/", 200, READERS | {PATIENT}, label=SIGNED, patient_reach=True),
    Row("patch", f"{API}/{{id}}/", 200, WRITERS, label=DRAFT),
    Row("post", f"{API}/{{id}}/sign", 200, WRITERS, label=DRAFT),
    Row("post", f"{API}/{{id}}/request-cosign", 400, WRITERS, label=SIGNED),
    Row("post", f"{API}/{{id}}/cosign", 200, frozenset({CLINICIAN}), label=COSIGN),
    Row("post", f"{API}/{{id}}/share", 400, WRITERS, label=SIGNED),
    Row("post", f"{API}/{{id}}/addenda", 400, WRITERS, label=SIGNED),
    Row("get", f"{API}/{{id}}/history", 200, READERS, label=DRAFT),
    Row("get", f"{API}/{{id}}/fhir", 200, READERS | {PATIENT}, label=SIGNED, patient_reach=True),
]


def record_for(kind: str, clinic, user):
    """The record a row is asked about, in `clinic`; written by the actor when the actor is one
    of its writers (only the author edits and signs a draft; only the one asked co-signs)."""
    if kind == TEMPLATE:
        return template(clinic)
    patient = PatientFactory(clinic=clinic)
    if kind == PATIENT_RECORD:
        return patient
    own_writer = user.clinic_id == clinic.pk and user.role in WRITERS
    author = user if own_writer and kind != COSIGN else UserFactory(clinic=clinic, role=CLINICIAN)
    note = make_note(author, patient, signed=kind != DRAFT, shared=True)
    if kind == COSIGN:
        own_clinician = user.clinic_id == clinic.pk and user.role == CLINICIAN
        cosigner = user if own_clinician else UserFactory(clinic=clinic, role=CLINICIAN)
        services.note_request_cosign(actor=author, note=note, cosigner_id=cosigner.pk)
    return note


def state() -> list:
    """Everything a notes page or endpoint could change."""
    notes = Note.objects.order_by("pk").values_list(
        "pk", "status", "title", "sections", "shared_with_patient", "cosigned_at", "version"
    )
    templates = NoteTemplate.objects.order_by("pk").values_list("pk", "name", "is_active")
    return [
        list(notes),
        list(templates),
        NoteType.objects.count(),
        Addendum.objects.count(),
    ]


def ask(row: Row, role: str, own_clinic: bool, clinic, other_clinic) -> tuple[int, list[str]]:
    """The status `role` gets for `row`, and what a refusal left behind (nothing, it should)."""
    user = actor(role, clinic if own_clinic else other_clinic)
    record = record_for(row.label, clinic, user) if row.loads_record else None
    if role == PATIENT and own_clinic and row.patient_reach:
        user = portal_user(record.patient)  # the patient whose note it is
    before = state()
    reads_before = AuditEvent.objects.exclude(patient_id="").exclude(action="refused").count()
    response = send(row, user, getattr(record, "pk", ""))
    traces = []
    if response.status_code in (403, 404):
        if state() != before:
            traces.append("changed something")
        if (
            AuditEvent.objects.exclude(patient_id="").exclude(action="refused").count()
            != reads_before
        ):
            traces.append("audited a read")
        if not row.html and not response.json().get("detail"):
            traces.append("no detail")
    return response.status_code, traces


@pytest.mark.parametrize("row", TABLE, ids=str)
def test_access_matrix(clinic, other_clinic, row):
    """One test per row (every role × own/other clinic inside it): MongoDB empties the database
    between tests, so a test per cell would cost minutes there."""
    install(clinic)
    wrong = []
    for _row, role, own_clinic, expected in (case.values for case in cases([row])):
        got, traces = ask(row, role, own_clinic, clinic, other_clinic)
        if got != expected or traces:
            where = "own" if own_clinic else "other"
            wrong.append(f"{role}/{where}: expected {expected}, got {got} {traces or ''}")
    assert wrong == []


def test_every_notes_page_and_endpoint_is_in_the_table(db):
    assert missing_rows(TABLE, "notes") == []


BAD_IDS = ["0" * 24, "not-an-id", "x" * 100]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("row", [row for row in TABLE if row.loads_record], ids=str)
def test_unknown_and_malformed_ids_are_404(clinic, row, bad_id):
    install(clinic)
    user = UserFactory(clinic=clinic, role=ADMIN if row.allowed == {ADMIN} else CLINICIAN)
    assert send(row, user, bad_id).status_code == 404
