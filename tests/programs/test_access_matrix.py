"""Who reaches which programmes page and endpoint: every row × every role × a record of the
actor's own clinic or of another clinic (the rule and the machinery:
tests/accounts/access_matrix.py).

Read off the table: clinicians and nurses enrol and manage; clinic admins read enrolments and
dashboards and manage templates; receptionists and lab technicians see no programme (403); a
patient user reaches only their own enrolments and tasks, through the API (any other record is
a 404, every staff page a 403); another clinic's record is a 404 for every role. A refused
request reads nothing (no audit row) and changes nothing.
"""

import itertools

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from programs import services
from programs.models import Enrollment, Goal, ProgramTemplate, Step, Task
from tests.accounts.access_matrix import Row, actor, cases, missing_rows, send
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory, portal_user
from tests.programs.factories import bp, enrol, install, today

ADMIN, CLINICIAN, NURSE, PATIENT = Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.PATIENT
READERS = frozenset({ADMIN, CLINICIAN, NURSE})
WRITERS = frozenset({CLINICIAN, NURSE})
ADMINS = frozenset({ADMIN})
API = "/api/v1"
# What "{id}" is: a draft or published template, an active or paused enrolment, today's
# blood-pressure task, or a patient.
DRAFT, PUBLISHED, ACTIVE, PAUSED, TASK, PATIENT_RECORD, STEP, GOAL = (
    "draft", "published", "active", "paused", "task", "patient", "step", "goal",
)  # fmt: skip


def enroll_body(user):
    patient = PatientFactory(clinic=user.clinic)
    return {"patient": patient.pk, "start_date": today(user.clinic).isoformat()}


TABLE = [
    # HTML pages
    Row("get", "/programs/", 200, READERS),
    Row("get", "/programs/templates/", 200, READERS),
    Row("get", "/programs/templates/new/", 200, ADMINS),
    Row("post", "/programs/templates/new/", 200, ADMINS),
    Row("get", "/programs/templates/{id}/", 200, READERS, label=DRAFT),
    Row("post", "/programs/templates/{id}/", 200, ADMINS, label=DRAFT),
    Row("post", "/programs/templates/{id}/publish/", 302, ADMINS, label=DRAFT),
    Row("get", "/programs/templates/{id}/retire/", 200, ADMINS, label=PUBLISHED),
    Row("post", "/programs/templates/{id}/retire/", 302, ADMINS, label=PUBLISHED),
    Row("post", "/programs/templates/{id}/version/", 302, ADMINS, label=PUBLISHED),
    # "x" is no step of the template: 404 once the role may edit (test_builder deletes one).
    Row("post", "/programs/templates/{id}/steps/x/delete/", 404, ADMINS, label=DRAFT),
    Row("post", "/programs/templates/{id}/details/", 200, ADMINS, label=DRAFT),
    Row("post", "/programs/templates/{id}/goals/", 200, ADMINS, label=DRAFT),
    Row("get", "/programs/steps/{id}/", 200, ADMINS, label=STEP),
    Row("post", "/programs/steps/{id}/", 200, ADMINS, label=STEP),
    Row("get", "/programs/goals/{id}/", 200, ADMINS, label=GOAL),
    Row("post", "/programs/goals/{id}/", 200, ADMINS, label=GOAL),
    Row("post", "/programs/goals/{id}/delete/", 302, ADMINS, label=GOAL),
    Row("get", "/programs/patients/{id}/enroll/", 200, WRITERS, label=PATIENT_RECORD),
    Row("post", "/programs/patients/{id}/enroll/", 200, WRITERS, label=PATIENT_RECORD),
    Row("get", "/programs/enrollments/{id}/", 200, READERS, label=ACTIVE),
    Row("post", "/programs/enrollments/{id}/pause/", 302, WRITERS, label=ACTIVE),
    Row("post", "/programs/enrollments/{id}/resume/", 302, WRITERS, label=PAUSED),
    Row("get", "/programs/enrollments/{id}/complete/", 200, WRITERS, label=ACTIVE),
    Row("post", "/programs/enrollments/{id}/complete/", 302, WRITERS, label=ACTIVE),
    Row("post", "/programs/enrollments/{id}/withdraw/", 302, WRITERS, label=ACTIVE),
    Row("post", "/programs/tasks/{id}/done/", 302, WRITERS, {"value_0": 120, "value_1": 80},
        label=TASK),
    # API endpoints
    Row("get", f"{API}/programs/", 200, READERS | {PATIENT}),
    Row("post", f"{API}/programs/", 400, ADMINS),
    Row("get", f"{API}/programs/{{id}}/", 200, READERS, label=PUBLISHED),
    Row("patch", f"{API}/programs/{{id}}/", 200, ADMINS, {"name": "Renamed"}, label=DRAFT),
    Row("post", f"{API}/programs/{{id}}/publish", 200, ADMINS, label=DRAFT),
    Row("post", f"{API}/programs/{{id}}/retire", 200, ADMINS, label=PUBLISHED),
    Row("post", f"{API}/programs/{{id}}/versions", 201, ADMINS, label=PUBLISHED),
    Row("post", f"{API}/programs/{{id}}/enroll", 201, WRITERS, enroll_body, label=PUBLISHED),
    Row("get", f"{API}/enrollments/", 200, READERS | {PATIENT}),
    Row("get", f"{API}/enrollments/{{id}}/", 200, READERS | {PATIENT}, label=ACTIVE,
        patient_reach=True),
    Row("post", f"{API}/enrollments/{{id}}/pause", 200, WRITERS, label=ACTIVE),
    Row("post", f"{API}/enrollments/{{id}}/resume", 200, WRITERS, label=PAUSED),
    Row("post", f"{API}/enrollments/{{id}}/complete", 200, WRITERS, label=ACTIVE),
    Row("post", f"{API}/enrollments/{{id}}/withdraw", 200, WRITERS, {"reason": "Moved"},
        label=ACTIVE),
    Row("get", f"{API}/enrollments/{{id}}/tasks/", 200, READERS | {PATIENT}, label=ACTIVE,
        patient_reach=True),
    Row("get", f"{API}/enrollments/{{id}}/measurements/", 200, READERS | {PATIENT},
        label=ACTIVE, patient_reach=True),
    Row("get", f"{API}/enrollments/{{id}}/fhir", 200, READERS | {PATIENT}, label=ACTIVE,
        patient_reach=True),
    Row("post", f"{API}/tasks/{{id}}/complete", 200, WRITERS | {PATIENT}, {"values": bp(120)},
        label=TASK, patient_reach=True),
    Row("post", f"{API}/tasks/{{id}}/skip", 200, WRITERS | {PATIENT}, label=TASK,
        patient_reach=True),
]  # fmt: skip


WALKS = itertools.count(1)  # each programme of a clinic has a name of its own


def record_for(kind: str, clinic):
    """The record a row is asked about, in `clinic` (built fresh for each ask)."""
    if kind in (DRAFT, PUBLISHED, STEP, GOAL):
        template = services.template_create(
            actor=None,
            clinic=clinic,
            name=f"Walking {next(WALKS)}",
            steps=[{"day": 0, "repeat": "daily", "kind": "measurement", "title": "Steps",
                    "measure": "steps"}],
            goals=[{"kind": "count", "description": "5 walks a week", "value": 5,
                    "window_days": 7}],
        )  # fmt: skip
        if kind == PUBLISHED:
            services.template_publish(actor=None, template=template)
        return {STEP: template.steps.first(), GOAL: template.goals.first()}.get(kind, template)
    patient = PatientFactory(clinic=clinic)
    if kind == PATIENT_RECORD:
        return patient
    manager = UserFactory(clinic=clinic, role=CLINICIAN)
    enrollment = enrol(manager, patient)
    if kind == PAUSED:
        services.enrollment_transition(actor=manager, enrollment=enrollment, action="pause")
    if kind == TASK:
        return enrollment.tasks.get(kind="measurement", day=0)
    return enrollment


def state() -> list:
    """Everything a programmes page or endpoint could change."""
    return [
        list(ProgramTemplate.objects.order_by("pk").values_list("pk", "status", "name")),
        list(Step.objects.order_by("pk").values_list("pk", "day", "title", "measure")),
        list(Goal.objects.order_by("pk").values_list("pk", "kind", "value")),
        list(Enrollment.objects.order_by("pk").values_list("pk", "state")),
        list(Task.objects.exclude(status="due").order_by("pk").values_list("pk", "status")),
        Task.objects.count(),
    ]


def ask(row: Row, role: str, own_clinic: bool, clinic, other_clinic) -> tuple[int, list[str]]:
    user = actor(role, clinic if own_clinic else other_clinic)
    record = record_for(row.label, clinic) if row.loads_record else None
    if role == PATIENT and own_clinic and row.patient_reach:
        user = portal_user(record.patient)
    before = state()
    reads = AuditEvent.objects.exclude(patient_id="").exclude(action="refused")
    reads_before = reads.count()
    response = send(row, user, getattr(record, "pk", ""))
    traces = []
    if response.status_code in (403, 404):
        if state() != before:
            traces.append("changed something")
        if reads.count() != reads_before:  # a refusal may be audited as such, never as a read
            traces.append("audited a read")
        if not row.html and not response.json().get("detail"):
            traces.append("no detail")
    return response.status_code, traces


@pytest.mark.parametrize("row", TABLE, ids=str)
def test_access_matrix(clinic, other_clinic, row):
    """One test per row (every role × own/other clinic inside it)."""
    install(clinic)
    wrong = []
    for _row, role, own_clinic, expected in (case.values for case in cases([row])):
        got, traces = ask(row, role, own_clinic, clinic, other_clinic)
        if got != expected or traces:
            where = "own" if own_clinic else "other"
            wrong.append(f"{role}/{where}: expected {expected}, got {got} {traces or ''}")
    assert wrong == []


def test_every_programs_page_and_endpoint_is_in_the_table(db):
    assert missing_rows(TABLE, "programs") == []


BAD_IDS = ["0" * 24, "not-an-id", "x" * 100]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("row", [row for row in TABLE if row.loads_record], ids=str)
def test_unknown_and_malformed_ids_are_404(clinic, row, bad_id):
    install(clinic)
    user = UserFactory(clinic=clinic, role=ADMIN if row.allowed == ADMINS else CLINICIAN)
    assert send(row, user, bad_id).status_code == 404
