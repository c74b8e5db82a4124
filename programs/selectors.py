"""Reads of care programmes, built on the one access rule (core.access) and audited.

Reach: staff reach their clinic's templates, enrolments and tasks (admins, clinicians and
nurses may read them; receptionists and lab technicians get a 403). A patient user reaches
their own enrolments and tasks (`programs.view` includes them), never a clinic's templates.
"""

import datetime

from django.db.models import Q
from django.utils.translation import gettext_noop

from accounts.models import AuditEvent
from core.access import get_in_reach, get_or_404, in_reach
from core.audit import audit
from core.lists import (
    PER_PAGE,
    Walk,
    audited_by_patient,
    keyset_page,
    page_of,
    showing,
)
from core.roles import can
from programs import schedule, services
from programs.catalogue import COMPONENTS, MEASURE_OF_CODE, unit_shown
from programs.models import Enrollment, Goal, Measurement, ProgramTemplate, Step, Task

Action = AuditEvent.Action
SORTS = {
    # Ties: the longest quiet first (lowest), the latest active first (highest); both read
    # off one index, forwards and backwards. Each order ends in the id: new enrolments tie on
    # the rest, and MongoDB keeps no order among ties from one page's skip to the next.
    "adherence": ("adherence", "last_activity_at", "id"),
    "-adherence": ("-adherence", "-last_activity_at", "-id"),
    "activity": ("last_activity_at", "id"),
    "-activity": ("-last_activity_at", "-id"),
    "start": ("start_date", "id"),
    "-start": ("-start_date", "-id"),
}
# The sorts the dashboard pages by cursor: a start date never changes, where adherence and last
# activity change with every task a patient records, and a cursor's row would take the next page
# with it (its adherence and activity may be empty too, which after_key does not compare).
WALKED_SORTS = ("start", "-start")
PANEL_TASKS = 5
CATALOGUE_ORDER = {code: n for n, code in enumerate(COMPONENTS)}  # the panel's order


# --- templates ------------------------------------------------------------------------------------
def template_list(*, actor, status: str = ""):
    templates = in_reach(ProgramTemplate.objects.all(), actor=actor, patient=None)
    if status:
        templates = templates.filter(status=status)
    return templates.order_by("name", "-version")


def template_get(*, actor, id: str, permission: str | None = "programs.view") -> ProgramTemplate:
    return get_in_reach(
        ProgramTemplate.objects.all(), actor=actor, id=id, permission=permission, patient=None
    )


def step_get(*, actor, id: str, permission: str | None = "programs.templates.edit") -> Step:
    """A template's step (the builder's edit form), with its template."""
    return get_in_reach(
        Step.objects.select_related("template"), actor=actor, id=id, permission=permission,
        patient=None,
    )  # fmt: skip


def template_step_get(*, template: ProgramTemplate, id: str) -> Step:
    """A step of `template` (already read through template_get): 404 for an id that is not
    one of its steps (another template's, unknown or malformed)."""
    step = get_or_404(template.steps.all(), id)
    step.template = template
    return step


def goal_get(*, actor, id: str, permission: str | None = "programs.templates.edit") -> Goal:
    return get_in_reach(
        Goal.objects.select_related("template"), actor=actor, id=id, permission=permission,
        patient=None,
    )  # fmt: skip


# --- enrolments -----------------------------------------------------------------------------------
ENROLLMENT_RELATED = ("template", "patient", "care_manager", "clinic")


def _enrollments(actor, related=ENROLLMENT_RELATED):
    return in_reach(Enrollment.objects.all(), actor=actor).select_related(*related)


def enrollment_list(
    *, actor, patient: str = "", program: str = "", state: str = "", behind: bool = False,
    off_target: bool = False, sort: str = "-start"
):  # fmt: skip
    """The enrolments in reach, filtered (unaudited building block: see enrollment_page)."""
    rows = _enrollments(actor)
    if patient:
        rows = rows.filter(patient_id=patient[:64])
    if program:
        rows = rows.filter(Q(template_id=program[:64]) | Q(template__lineage=program[:64]))
    if state:
        rows = rows.filter(state=state)
    if behind:
        rows = rows.filter(adherence__lt=services.BEHIND_BELOW)
    if off_target:
        rows = rows.filter(off_target__in=[True])
    return rows.order_by(*SORTS.get(sort, SORTS["-start"]))


# What the dashboard shows of an enrolment.
DASHBOARD_COLUMNS = (
    "state", "adherence", "off_target", "last_activity_at",
    "patient", "patient__first_name", "patient__last_name", "template", "template__name",
    "care_manager", "care_manager__name", "care_manager__email",
)  # fmt: skip


def enrollment_page(
    *, actor, number=1, per_page: int = PER_PAGE, strict=False, columns=(), after: str = "",
    before: str = "", **filters
):  # fmt: skip
    """One page of enrolments; one 'view' audit row per patient shown. `columns`: all a page
    shows, for a page that shows few (`core.lists.showing`). `after` / `before`: the
    dashboard's Next / Previous cursors (core.lists.Walk) in WALKED_SORTS: a deep page costs
    what page 1 does."""
    rows = enrollment_list(actor=actor, **filters)
    sort = filters.get("sort", "-start")
    walked = not strict and sort in WALKED_SORTS
    return page_of(
        showing(rows, columns) if columns else rows,
        number=number,
        per_page=per_page,
        strict=strict,
        walk=Walk(after=after, before=before) if walked else None,
        by_id=not filters.get("patient"),
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("programme enrolments")),
    )


def enrollment_keyset_page(*, actor, cursor: str = "", per_page: int = PER_PAGE, **filters):
    """`enrollment_page` walked by cursor (the API's `?cursor=`): no count, no OFFSET. A cursor
    may name any enrolment in reach (of the one patient): one paused mid-walk still leads on."""
    return keyset_page(
        enrollment_list(actor=actor, **filters),
        cursor=cursor,
        per_page=per_page,
        by_id=True,
        edges=enrollment_list(actor=actor, patient=filters.get("patient", "")),
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("programme enrolments")),
    )


def enrollment_get(
    *, actor, id: str, permission: str | None = "programs.view", audited: bool = True
) -> Enrollment:
    """One enrolment: 404 outside reach, 403 for a role that may not, then one audited view."""
    enrollment = get_in_reach(
        Enrollment.objects.select_related(*ENROLLMENT_RELATED),
        actor=actor,
        id=id,
        permission=permission,
    )
    if audited:
        audit(actor=actor, action=Action.VIEW, obj=enrollment, patient_id=enrollment.patient_id)
    return enrollment


def enrollment_export(*, actor, id: str) -> Enrollment:
    enrollment = enrollment_get(actor=actor, id=id, audited=False)
    audit(actor=actor, action=Action.EXPORT, obj=enrollment, patient_id=enrollment.patient_id)
    return enrollment


def tasks_on(enrollment, day: datetime.date):
    """One day's tasks with their steps and who recorded each (the patient or staff)."""
    return Task.objects.filter(enrollment=enrollment, due_date=day).select_related(
        "step", "completed_by"
    )


def open_task_count(enrollment) -> int:
    """The tasks still due: what completing the enrolment now leaves undone."""
    return Task.objects.filter(enrollment=enrollment, status=Task.Status.DUE).count()


def local_today(enrollment) -> datetime.date:
    return schedule.local_today(enrollment.clinic)


# How many visits the enrolment page lists, the nearest to today.
VISITS_SHOWN = 20


def visit_tasks(enrollment, today: datetime.date) -> tuple[list[Task], int]:
    """The enrolment's visits (appointment tasks) that matter today, each with the last day it
    may be booked on (`book_by`) and whether booking now would close it (`bookable`): missed,
    booked, or with a booking window not yet over. The VISITS_SHOWN nearest to today in date
    order, and how many matter (the page says when it shows fewer). One read: a programme's
    visits are its appointment steps times their repeats, and the window is the step's."""
    rows = (
        Task.objects.filter(enrollment=enrollment, kind=Step.Kind.APPOINTMENT)
        .select_related("step")
        .only("day", "due_date", "status", "booked_for", "step__title", "step__window_days")
    )
    visits = []
    for task in rows:
        task.book_by = schedule.booking_window(task)[1]
        open_window = task.book_by >= today
        if open_window or task.booked_for or task.status == Task.Status.MISSED:
            task.bookable = open_window and task.status in services.OPEN_TASK
            visits.append(task)
    nearest = sorted(visits, key=lambda task: abs((task.due_date - today).days))[:VISITS_SHOWN]
    return sorted(nearest, key=lambda task: (task.due_date, task.day)), len(visits)


def task_get(*, actor, id: str, permission: str | None = "programs.tasks.complete") -> Task:
    """A task to act on (writes: the service audits), with its step and its enrolment as the
    enrolment page shows it (a refused value is shown again there)."""
    return get_in_reach(
        Task.objects.select_related(
            *(f"enrollment__{name}" for name in ENROLLMENT_RELATED), "step"
        ),
        actor=actor,
        id=id,
        permission=permission,
    )


def measurement_series(enrollment, code: str = "") -> list[dict]:
    """Each measured code's values over time with its target (from the enrolment's steps)."""
    rows = Measurement.objects.filter(enrollment=enrollment)
    if code:
        rows = rows.filter(code=code[:20])
    targets, _measured = services.programme_codes(enrollment)
    series: dict[str, dict] = {}
    # Values, not a model per point: a long programme has hundreds of them.
    points = rows.order_by("measured_at", "id").values_list(
        "code", "unit", "measured_at", "value", "off_target", "alert"
    )
    for code, unit, at, value, off_target, alert in points:
        if code not in series:  # the first point of a code names the series
            series[code] = {**_series(code, unit, targets), "points": []}
        point = {"at": at, "value": value, "off_target": off_target, "alert": alert}
        series[code]["points"].append(point)
    return list(series.values())


def latest_measurements(enrollment) -> list[dict]:
    """Each measured code's newest value against its target (the patient page's line), in the
    catalogue's order; the chart's `measurement_series` reads every point instead."""
    targets, measured = services.programme_codes(enrollment)
    latest = [
        {**_series(code, row["unit"], targets), "last": row}
        for code, row in services.newest_by_code(enrollment, measured).items()
    ]
    return sorted(latest, key=lambda entry: CATALOGUE_ORDER.get(entry["code"], 0))


def code_label(code: str) -> str:
    """A measured code's name for a page ("Systolic", not 8480-6); an unknown code as is."""
    component = COMPONENTS.get(code)
    return str(component.label) if component else code


def _series(code: str, unit: str, targets: dict) -> dict:
    component = COMPONENTS.get(code)
    return {
        "code": code,
        "label": code_label(code),
        "measure": MEASURE_OF_CODE[code].key if component else "",
        "unit": unit,
        "unit_shown": unit_shown(unit),
        "target": targets.get(code) or {"low": None, "high": None},
    }


# How many answered check-ins the enrolment page shows, the latest first.
ANSWERS_SHOWN = 20


def check_in_answers(enrollment) -> tuple[list[Task], bool]:
    """The latest ANSWERS_SHOWN answered check-ins, and whether there are older ones (the page
    says it shows the latest, rather than seeming to hold them all)."""
    answered = list(
        Task.objects.filter(enrollment=enrollment, kind="check_in", status=Task.Status.DONE)
        .select_related("step")
        .order_by("-due_date", "-id")[: ANSWERS_SHOWN + 1]
    )
    for task in answered[:ANSWERS_SHOWN]:
        task.answer_rows = answer_rows(task)
    return answered[:ANSWERS_SHOWN], len(answered) > ANSWERS_SHOWN


def answer_rows(task: Task) -> list[tuple[str, object]]:
    """(the question as the patient read it, the answer) in the check-in's order; an answer to a
    question no longer on the step keeps its key."""
    asked = {question["key"]: question["text"] for question in task.step.questions}
    answers = task.answers or {}
    rows = [(text, answers[key]) for key, text in asked.items() if key in answers]
    return rows + [(key, value) for key, value in answers.items() if key not in asked]


# --- the patient page -----------------------------------------------------------------------------
def patient_panel(*, actor, patient) -> dict:
    """Open enrolments with progress, next tasks and latest measurements against target, and
    the ended ones (completed or withdrawn) as links: one read of the patient's enrolments."""
    enrollments = list(
        _enrollments(actor, related=("template",))  # the page has the patient; joins cost ~1 ms
        .filter(patient_id=patient.pk)
        .only("state", "start_date", "end_date", "ended_at", "template__name")  # (~20 µs a column)
        .order_by("-start_date", "-id")
    )
    today = schedule.local_today(patient.clinic)
    items = []
    for enrollment in (e for e in enrollments if e.is_open):
        total = enrollment.end_date - enrollment.start_date
        elapsed = min(max((today - enrollment.start_date).days, 0), total.days + 1)
        items.append(
            {
                "enrollment": enrollment,
                "progress": round(100 * elapsed / (total.days + 1)) if total.days >= 0 else 0,
                "next_tasks": list(
                    Task.objects.filter(
                        enrollment=enrollment, status=Task.Status.DUE, due_date__gte=today
                    )
                    .select_related("step")
                    .only("due_date", "step__title")[:PANEL_TASKS]
                ),
                "latest": latest_measurements(enrollment),
            }
        )
    can_enroll = can(actor, "programs.enroll") and (
        template_list(actor=actor, status=ProgramTemplate.Status.PUBLISHED).exists()
    )
    ended = [e for e in enrollments if not e.is_open]
    return {"items": items, "ended": ended, "can_enroll": can_enroll}


# --- facts and FHIR for other apps ----------------------------------------------------------------
def patient_enrollments(
    *, actor, patient, open_only: bool = True, audited: bool = True
) -> list[Enrollment]:
    """The patient's enrolments, newest first; `audited=False` where the caller's read already
    wrote its row (the record export)."""
    rows = _enrollments(actor).filter(patient_id=patient.pk)
    if open_only:
        rows = rows.filter(state__in=[Enrollment.State.ACTIVE, Enrollment.State.PAUSED])
    rows = list(rows.order_by("-start_date"))
    if audited:
        for enrollment in rows:
            audit(actor=actor, action=Action.VIEW, obj=enrollment, patient_id=patient.pk)
    return rows
