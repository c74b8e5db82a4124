"""Who reaches which messaging page and endpoint: every row × every role × a record of the
actor's own clinic or of another clinic (the machinery: tests/accounts/access_matrix.py).

Read off the table: clinicians, nurses and clinic admins read and answer every thread of their
clinic; receptionists the appointment and billing threads (a clinical thread is a 403); lab
technicians nothing (403); a patient user only their own threads, through the API (any other
thread is a 404, every staff page a 403), and may not assign, mark urgent or close; another
clinic's record is a 404 for every role. A refused request reads nothing and changes nothing.
"""

import pytest

from accounts.models import AuditEvent
from core.models import new_id
from core.roles import Role
from messaging.models import Message, MessagingSettings, SavedReply, Thread
from tests.accounts.access_matrix import Row, actor, cases, missing_rows, send
from tests.factories import UserFactory
from tests.messaging.factories import make_thread
from tests.patients.factories import PatientFactory

ADMIN, CLINICIAN, NURSE, RECEPTION, PATIENT = (
    Role.ADMIN,
    Role.CLINICIAN,
    Role.NURSE,
    Role.RECEPTIONIST,
    Role.PATIENT,
)
CLINICAL = frozenset({ADMIN, CLINICIAN, NURSE})
READERS = CLINICAL | {RECEPTION}
API = "/api/v1/messages"
# The label says which record "{id}" is: a front-desk thread (appointment), a clinical thread,
# a patient, or a saved reply.
THREAD, CLINICAL_THREAD, PATIENT_RECORD, SAVED = "thread", "clinical", "patient", "saved reply"

TABLE = [
    # HTML pages
    Row("get", "/messages/", 200, READERS),
    Row("get", "/messages/settings/", 200, frozenset({ADMIN})),
    Row("post", "/messages/settings/", 200, frozenset({ADMIN}), data={"form": "reply"}),
    Row("post", "/messages/settings/replies/{id}/delete/", 302, frozenset({ADMIN}), label=SAVED),
    Row("get", "/messages/patients/{id}/new/", 200, READERS, label=PATIENT_RECORD),
    Row("post", "/messages/patients/{id}/new/", 200, READERS, label=PATIENT_RECORD),
    Row("get", "/messages/{id}/", 200, READERS, label=THREAD),
    Row("get", "/messages/{id}/", 200, CLINICAL, label=CLINICAL_THREAD),
    Row("get", "/messages/{id}/poll/", 200, READERS, label=THREAD),
    Row("post", "/messages/{id}/reply/", 302, READERS, data={"text": "Hi"}, label=THREAD),
    Row("post", "/messages/{id}/reply/", 302, CLINICAL, data={"text": "Hi"}, label=CLINICAL_THREAD),
    Row("post", "/messages/{id}/manage/", 302, READERS, data={"action": "urgent"}, label=THREAD),
    # API endpoints
    Row("get", f"{API}/threads/", 200, READERS | {PATIENT}),
    Row("post", f"{API}/threads/", 400, READERS | {PATIENT}),
    Row(
        "get", f"{API}/threads/{{id}}/", 200, READERS | {PATIENT}, label=THREAD, patient_reach=True
    ),
    Row(
        "get",
        f"{API}/threads/{{id}}/",
        200,
        CLINICAL | {PATIENT},
        label=CLINICAL_THREAD,
        patient_reach=True,
    ),
    Row(
        "patch",
        f"{API}/threads/{{id}}/",
        200,
        READERS,
        data={"urgent": True},
        label=THREAD,
        patient_reach=True,
    ),
    Row(
        "get",
        f"{API}/threads/{{id}}/messages/",
        200,
        READERS | {PATIENT},
        label=THREAD,
        patient_reach=True,
    ),
    Row(
        "post",
        f"{API}/threads/{{id}}/messages/",
        201,
        READERS | {PATIENT},
        data={"text": "Hello"},
        label=THREAD,
        patient_reach=True,
    ),
    Row(
        "post",
        f"{API}/threads/{{id}}/messages/",
        201,
        CLINICAL | {PATIENT},
        data={"text": "Hello"},
        label=CLINICAL_THREAD,
        patient_reach=True,
    ),
    Row(
        "post",
        f"{API}/threads/{{id}}/read",
        200,
        READERS | {PATIENT},
        label=THREAD,
        patient_reach=True,
    ),
    Row("get", f"{API}/unread-count", 200, READERS | {PATIENT}),
    Row("get", f"{API}/settings", 200, frozenset({ADMIN})),
    Row("patch", f"{API}/settings", 200, frozenset({ADMIN}), data={"day_end": "18:00"}),
]


def record_for(kind: str, clinic):
    if kind == SAVED:
        return SavedReply.objects.create(clinic=clinic, title=f"Received {new_id()}", text="Thanks")
    patient = PatientFactory(clinic=clinic)
    if kind == PATIENT_RECORD:
        return patient
    author = UserFactory(clinic=clinic, role=CLINICIAN)
    category = "clinical" if kind == CLINICAL_THREAD else "appointment"
    return make_thread(author, patient, category=category, text="How are you?")


def patient_reads() -> int:
    """Audit rows about a patient, leaving out the refusals themselves (a refused request is
    audited as such; it must not be recorded as a read)."""
    return AuditEvent.objects.exclude(patient_id="").exclude(action="refused").count()


def state() -> list:
    threads = Thread.objects.order_by("pk").values_list(
        "pk", "status", "assigned_to", "urgent", "seq"
    )
    return [
        list(threads),
        Message.objects.count(),
        SavedReply.objects.count(),
        list(MessagingSettings.objects.values_list("response_target_minutes", "day_end")),
    ]


def ask(row: Row, role: str, own_clinic: bool, clinic, other_clinic) -> tuple[int, list[str]]:
    user = actor(role, clinic if own_clinic else other_clinic)
    record = record_for(row.label, clinic) if row.loads_record else None
    if role == PATIENT and own_clinic and row.patient_reach:
        from tests.patients.factories import portal_user

        user = portal_user(record.patient)
    before = state()
    reads_before = patient_reads()
    response = send(row, user, getattr(record, "pk", ""))
    traces = []
    if response.status_code in (403, 404):
        if state() != before:
            traces.append("changed something")
        if patient_reads() != reads_before:
            traces.append("audited a read")
        if not row.html and not response.json().get("detail"):
            traces.append("no detail")
    return response.status_code, traces


@pytest.mark.parametrize("row", TABLE, ids=str)
def test_access_matrix(clinic, other_clinic, row):
    """One test per row (every role × own/other clinic inside it)."""
    wrong = []
    for _row, role, own_clinic, expected in (case.values for case in cases([row])):
        got, traces = ask(row, role, own_clinic, clinic, other_clinic)
        if got != expected or traces:
            where = "own" if own_clinic else "other"
            wrong.append(f"{role}/{where}: expected {expected}, got {got} {traces or ''}")
    assert wrong == []


def test_every_messaging_page_and_endpoint_is_in_the_table(db):
    assert missing_rows(TABLE, "messaging") == []


BAD_IDS = ["0" * 24, "not-an-id", "x" * 100]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("row", [row for row in TABLE if row.loads_record], ids=str)
def test_unknown_and_malformed_ids_are_404(clinic, row, bad_id):
    user = UserFactory(clinic=clinic, role=ADMIN)
    assert send(row, user, bad_id).status_code == 404
