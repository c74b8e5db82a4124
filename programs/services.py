"""Writes and rules of care programmes: templates (versioned by status), enrolment and its
state machine, tasks and the values recorded through them (an appointment task also by booking
its visit, through the appointments app's events), and the scheduled jobs.

Typed errors: a transition the state does not allow, a second completion or a second active
enrolment is a Conflict (409); bad values (wrong unit, outside physiological bounds, a start
date too far away) are a ValidationError (400). No transaction is relied on: each state change
is a compare-and-set write, double enrolment is refused by a unique index.
"""

import datetime
import math
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import AuditEvent
from core.audit import audit, audit_each
from core.contributions import call_service
from core.dates import clinic_format
from core.errors import Conflict
from core.events import emit
from core.roles import Role, require
from core.services import only_fields
from core.transactions import current, savepoint, unit
from programs import schedule
from programs.catalogue import COMPONENTS, MEASURES, unit_shown
from programs.models import (
    MAX_DURATION_DAYS,
    Enrollment,
    Goal,
    Measurement,
    ProgramName,
    ProgramTemplate,
    Step,
    Task,
)

Action = AuditEvent.Action
State = Enrollment.State
EVENT_TASKS_TODAY = "programs.tasks_today"
EVENT_ALERT = "programs.measurement_alert"
EVENT_BEHIND = "programs.behind_digest"
PAST_START_DAYS = 30
FUTURE_START_DAYS = 365
ADHERENCE_DAYS = 14
NEWEST_POINTS = 100  # measurements read before any per-code read (newest_by_code)
BEHIND_BELOW = 60  # % adherence under which an enrolment is "falling behind"
CARE_MANAGERS = (Role.CLINICIAN, Role.NURSE)
CHUNK = 500  # ids per query in the jobs (SQLite's limit on parameters, MongoDB's on documents)
STEP_FIELDS = (
    "day", "repeat", "every_days", "until_day", "kind", "title", "body", "measure", "targets",
    "questions", "appointment_type", "window_days",
)  # fmt: skip
GOAL_FIELDS = ("kind", "description", "code", "comparator", "value", "window_days", "task_kind")
TEMPLATE_FIELDS = ("name", "description", "duration_days")
# The appointments app's service naming the clinic's active appointment types (peer apps are
# not imported: core.contributions.Service).
APPOINTMENT_TYPES = "appointments.types_by_name"


# --- templates ------------------------------------------------------------------------------------
def _days_up_to(n: int) -> str:
    return _("Between 1 and %(n)d days.") % {"n": n}


def _out_of_bounds(row, limits: dict, refused: dict) -> dict:
    """Errors of the whole numbers of `row` outside their {field: (low, high, message)};
    a field the model already refused (in `refused`) is left to that error."""
    errors = {}
    for name, (low, high, message) in limits.items():
        value = getattr(row, name)
        whole = isinstance(value, int) and not isinstance(value, bool)
        if name not in refused and whole and not low <= value <= high:
            errors[name] = [message]
    return errors


def _step_limits(duration: int) -> dict:
    """A step's days lie in the programme (a day after its end is never scheduled); its
    booking window is at most MAX_DURATION_DAYS (a date far beyond is out of range)."""
    last = max(duration, 1) - 1
    within = _("Between day 0 and day %(last)d: the programme lasts %(n)d days.") % {
        "last": last, "n": last + 1,
    }  # fmt: skip
    return {
        "day": (0, last, within),
        "until_day": (0, last, within),
        "every_days": (1, last + 1, _days_up_to(last + 1)),
        "window_days": (1, MAX_DURATION_DAYS, _days_up_to(MAX_DURATION_DAYS)),
    }


def _full_clean(row, limits: dict, content: dict | None = None) -> None:
    """`row.full_clean()`, its `limits` (see _out_of_bounds) and the errors of its `content`
    ({field: [message]}, for a field the model did not refuse already): every error at once."""
    try:
        row.full_clean(exclude=["template", "clinic"])
        errors = {}
    except ValidationError as exc:
        errors = exc.update_error_dict({})
    errors.update(_out_of_bounds(row, limits, errors))
    for name, texts in (content or {}).items():
        errors.setdefault(name, texts)
    if errors:
        raise ValidationError(errors)


def appointment_types(actor) -> set[str] | None:
    """The names an appointment step may book: the clinic's active appointment types. None
    (any name is kept) for a clinic's set-up, which has no actor, or when no installed app
    offers the types."""
    if actor is None:
        return None
    try:
        return set(call_service(APPOINTMENT_TYPES, actor=actor))
    except LookupError:
        return None


def appointment_type_ids(actor) -> dict[str, str]:
    """Name → id of the appointment types this reader may book (a patient: those patients may
    book), for a task's booking link; empty without the appointments app."""
    try:
        return call_service(APPOINTMENT_TYPES, actor=actor)
    except LookupError:
        return {}


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _target_errors(step) -> list[str]:
    """A target range lies within the measurement's physiological bounds: no reading outside
    them is accepted, so a target there (a weight of -5 to 90,000 kg) is a typo."""
    errors = []
    targets = step.targets if isinstance(step.targets, dict) else {}
    for code, limits in targets.items():
        component = COMPONENTS.get(code)
        if component is None or not isinstance(limits, dict):
            continue  # the model's own check names the malformed target
        values = [limits.get("low"), limits.get("high")]
        if any(_is_number(v) and not component.low <= v <= component.high for v in values):
            bounds = f"{component.low:g}–{component.high:g} {unit_shown(component.unit)}"
            errors.append(
                _("%(label)s targets lie within %(bounds)s.")
                % {"label": component.label, "bounds": bounds.strip()}
            )
    return errors


def _step_content_errors(step, bookable: set[str] | None) -> dict:
    errors = {}
    if targets := _target_errors(step):
        errors["targets"] = targets
    booked = step.kind == Step.Kind.APPOINTMENT and bookable is not None
    if booked and step.appointment_type not in bookable:
        errors["appointment_type"] = [_("Choose one of the clinic's appointment types.")]
    return errors


def _steps(template, steps: list[dict], bookable: set[str] | None = None) -> list[Step]:
    """The rows of `steps`, each validated whole; `bookable`: the appointment types a step may
    book (None: any)."""
    rows = []
    limits = _step_limits(template.duration_days)
    for position, fields in enumerate(steps):
        only_fields(fields, STEP_FIELDS)
        step = Step(clinic_id=template.clinic_id, template=template, position=position, **fields)
        _full_clean(step, limits, _step_content_errors(step, bookable))
        rows.append(step)
    return rows


def _goals(template, goals: list[dict]) -> list[Goal]:
    rows = []
    # "Over the last N days": at most MAX_DURATION_DAYS back (far more is before year 1).
    limits = {"window_days": (1, MAX_DURATION_DAYS, _days_up_to(MAX_DURATION_DAYS))}
    for fields in goals:
        only_fields(fields, GOAL_FIELDS)
        goal = Goal(clinic_id=template.clinic_id, template=template, **fields)
        _full_clean(goal, limits)
        if goal.kind == Goal.Kind.AVERAGE and goal.code not in COMPONENTS:
            raise ValidationError({"goals": [_("Unknown measurement code %s.") % goal.code]})
        rows.append(goal)
    return rows


@unit
def template_create(
    *, actor, name, description="", duration_days=84, steps=(), goals=(), clinic=None
) -> ProgramTemplate:
    """A new draft (clinic set-up passes `clinic` with no actor): its name's claim, the draft,
    its steps, goals and audit row are one unit (a creation that failed after claiming the name
    kept it, and under ten creations at once one answered a 500)."""
    if actor is not None:
        require(actor, "programs.templates.edit")
    template = ProgramTemplate(
        clinic=clinic or actor.clinic,
        name=name,
        description=description,
        duration_days=duration_days,
        created_by=actor,
    )
    template.lineage = template.pk
    template.full_clean()
    step_rows = _steps(template, list(steps), appointment_types(actor))
    goal_rows = _goals(template, list(goals))
    _claim_name(template)  # last before the insert: a refused draft holds no name
    template.save(force_insert=True)
    Step.objects.bulk_create(step_rows)
    Goal.objects.bulk_create(goal_rows)
    if actor is not None:
        audit(actor=actor, action=Action.CREATE, obj=template)
    return template


@unit
def template_update(*, actor, template, steps=None, goals=None, **fields) -> ProgramTemplate:
    """Edit a draft; a published or retired version is never edited (start a new version)."""
    require(actor, "programs.templates.edit")
    only_fields(fields, TEMPLATE_FIELDS)
    check_draft(current(template))
    for name, value in fields.items():
        setattr(template, name, value)
    template.full_clean()
    step_rows = _steps(template, steps, appointment_types(actor)) if steps is not None else None
    goal_rows = _goals(template, goals) if goals is not None else None
    _claim_name(template)
    template.save()
    _release_names(template)
    if step_rows is not None:
        Step.objects.filter(template=template).delete()
        Step.objects.bulk_create(step_rows)
    if goal_rows is not None:
        Goal.objects.filter(template=template).delete()
        Goal.objects.bulk_create(goal_rows)
    audit(actor=actor, action=Action.UPDATE, obj=template)
    return template


def _fields_of(row, names) -> dict:
    return {name: getattr(row, name) for name in names}


def _claim_name(template) -> None:
    """Two programmes of a clinic never share a name (whatever its case): the lists, the
    dashboard's filter and the enrol form tell programmes apart by it. A lineage's versions
    share theirs. The lineage claims the name under the unique (clinic, key) index, so of two
    programmes given one name at the same instant only one gets it (a read first would let
    both through)."""
    claim, _created = ProgramName.objects.get_or_create(
        clinic_id=template.clinic_id,
        key=template.name.casefold(),
        defaults={"lineage": template.lineage},
    )
    if claim.lineage != template.lineage:
        raise ValidationError(
            {
                "name": [
                    _("Another programme is already called “%(name)s”: choose another name, "
                      "or start a new version of that programme.") % {"name": template.name}
                ]
            }
        )  # fmt: skip


def _release_names(template) -> None:
    """The names no version of the lineage uses any more (a draft renamed) are free again."""
    used = ProgramTemplate.objects.filter(lineage=template.lineage).values_list("name", flat=True)
    ProgramName.objects.filter(lineage=template.lineage).exclude(
        key__in=[name.casefold() for name in used]
    ).delete()


@unit
def template_new_version(*, actor, template) -> tuple[ProgramTemplate, bool]:
    """The lineage's draft and whether it is new (as `get_or_create`): the draft already
    started, if any (two drafts of one programme would each publish over the other), else a
    copy of `template` as the next version (enrolments keep theirs).

    One read of the lineage decides; two requests at once read the same latest version and
    the unique (lineage, version) index lets only one insert its successor: the other returns
    that draft."""
    require(actor, "programs.templates.edit")
    versions = list(ProgramTemplate.objects.filter(lineage=template.lineage).order_by("-version"))
    started = [t for t in versions if t.status == ProgramTemplate.Status.DRAFT]
    if started:
        return started[0], False
    draft = ProgramTemplate(
        clinic_id=template.clinic_id,
        lineage=template.lineage,
        version=versions[0].version + 1,
        created_by=actor,
        **_fields_of(template, TEMPLATE_FIELDS),
    )
    try:
        with savepoint():
            draft.save(force_insert=True)
    except IntegrityError:
        return ProgramTemplate.objects.get(lineage=draft.lineage, version=draft.version), False
    Step.objects.bulk_create(
        Step(clinic_id=draft.clinic_id, template=draft, position=s.position,
             **_fields_of(s, STEP_FIELDS))
        for s in template.steps.all()
    )  # fmt: skip
    Goal.objects.bulk_create(
        Goal(clinic_id=draft.clinic_id, template=draft, **_fields_of(g, GOAL_FIELDS))
        for g in template.goals.all()
    )
    audit(actor=actor, action=Action.CREATE, obj=draft, detail=gettext_noop("new version"))
    return draft, True


@unit
def template_publish(*, actor, template) -> ProgramTemplate:
    """Draft → published; the lineage's previously published version is retired."""
    if actor is not None:
        require(actor, "programs.templates.edit")
    if not template.steps.exists():
        raise ValidationError({"steps": [_("A programme needs at least one step.")]})
    last = template.duration_days - 1
    late = template.steps.filter(Q(day__gt=last) | Q(until_day__gt=last)).order_by("day")
    if late.exists():  # a draft shortened since its steps were written: they would never come
        raise ValidationError(
            {
                "steps": [
                    _("%(titles)s fall after the programme's last day (day %(last)d).")
                    % {"titles": ", ".join(f"“{step.title}”" for step in late), "last": last}
                ]
            }
        )
    now = timezone.now()
    moved = ProgramTemplate.objects.filter(
        pk=template.pk, status=ProgramTemplate.Status.DRAFT
    ).update(status=ProgramTemplate.Status.PUBLISHED, published_at=now)
    if not moved:
        raise Conflict(_("Only a draft can be published."))
    ProgramTemplate.objects.filter(
        lineage=template.lineage, status=ProgramTemplate.Status.PUBLISHED
    ).exclude(pk=template.pk).update(status=ProgramTemplate.Status.RETIRED)
    template.status, template.published_at = ProgramTemplate.Status.PUBLISHED, now
    if actor is not None:
        audit(actor=actor, action=Action.UPDATE, obj=template, detail=gettext_noop("published"))
    return template


@unit
def template_retire(*, actor, template) -> ProgramTemplate:
    """Published → retired: no new enrolments; running ones carry on."""
    require(actor, "programs.templates.edit")
    moved = ProgramTemplate.objects.filter(
        pk=template.pk, status=ProgramTemplate.Status.PUBLISHED
    ).update(status=ProgramTemplate.Status.RETIRED)
    if not moved:
        raise Conflict(_("Only a published programme can be retired."))
    template.status = ProgramTemplate.Status.RETIRED
    audit(actor=actor, action=Action.UPDATE, obj=template, detail=gettext_noop("retired"))
    return template


# --- enrolment ------------------------------------------------------------------------------------
def _care_manager(actor, care_manager):
    if care_manager is None:
        return actor if actor.role in CARE_MANAGERS else None
    if care_manager.clinic_id != actor.clinic_id or care_manager.role not in CARE_MANAGERS:
        raise ValidationError({"care_manager": [_("Choose a clinician or nurse of your clinic.")]})
    return care_manager


@unit
def enroll(*, actor, template, patient, start_date, care_manager=None) -> Enrollment:
    """Enrol `patient` in this published version and generate all its tasks (201)."""
    require(actor, "programs.enroll")
    if template.status != ProgramTemplate.Status.PUBLISHED:
        raise ValidationError({"program": [_("Only a published programme takes enrolments.")]})
    if patient.clinic_id != template.clinic_id or current(patient).is_archived:
        raise ValidationError({"patient": [_("Choose an active patient of your clinic.")]})
    today = schedule.local_today(template.clinic)
    if start_date < today - datetime.timedelta(PAST_START_DAYS):
        raise ValidationError({"start_date": [_("At most %d days in the past.") % PAST_START_DAYS]})
    if start_date > today + datetime.timedelta(FUTURE_START_DAYS):
        raise ValidationError({"start_date": [_("At most a year ahead.")]})
    enrollment = Enrollment(
        clinic_id=template.clinic_id,
        patient=patient,
        template=template,
        care_manager=_care_manager(actor, care_manager),
        start_date=start_date,
        end_date=start_date + datetime.timedelta(template.duration_days - 1),
        active_key=f"{patient.pk}:{template.lineage}",
        adherence_on=today,
    )
    try:
        with savepoint():  # the unique index decides
            enrollment.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("This patient is already enrolled in this programme (active or paused).")
        ) from None
    steps = list(template.steps.all())
    Task.objects.bulk_create(
        Task(
            clinic_id=enrollment.clinic_id,
            patient_id=patient.pk,
            enrollment=enrollment,
            step=row["step"],
            day=row["day"],
            kind=row["step"].kind,
            due_date=row["due_date"],
        )
        for row in schedule.task_rows(enrollment, steps)
    )
    audit(actor=actor, action=Action.CREATE, obj=enrollment, patient_id=patient.pk)
    return enrollment


TRANSITIONS = {
    "pause": ({State.ACTIVE}, State.PAUSED),
    "resume": ({State.PAUSED}, State.ACTIVE),
    "complete": ({State.ACTIVE, State.PAUSED}, State.COMPLETED),
    "withdraw": ({State.ACTIVE, State.PAUSED}, State.WITHDRAWN),
}
# The verbs as a sentence says them ("A completed enrolment cannot be paused.").
TRANSITION_VERBS = {
    "pause": gettext_lazy("be paused"),
    "resume": gettext_lazy("be resumed"),
    "complete": gettext_lazy("be completed"),
    "withdraw": gettext_lazy("be withdrawn"),
}


@unit
def enrollment_transition(*, actor, enrollment, action: str, reason: str = "") -> Enrollment:
    """pause / resume / complete / withdraw; any other move from the current state is a 409.

    Resuming shifts every open task from the pause day on by the days paused, so a paused
    week moves what follows (and the end date) a week later.
    """
    require(actor, "programs.manage")
    return _transition(actor=actor, enrollment=enrollment, action=action, reason=reason)


def _transition(*, actor, enrollment, action: str, reason: str = "") -> Enrollment:
    allowed_from, target = TRANSITIONS[action]
    if action == "withdraw" and not reason.strip():
        raise ValidationError({"reason": [_("Say why the patient leaves the programme.")]})
    if enrollment.state not in allowed_from:
        raise Conflict(
            _("A %(state)s enrolment cannot %(action)s.")
            % {"state": enrollment.get_state_display().lower(), "action": TRANSITION_VERBS[action]},
            state=enrollment.state,
        )
    today = schedule.local_today(enrollment.clinic)
    changes = {"state": target}
    shift = 0
    if action == "pause":
        changes["paused_on"] = today
    elif action == "resume":
        shift = max((today - enrollment.paused_on).days, 0) if enrollment.paused_on else 0
        changes["paused_on"] = None
        changes["end_date"] = enrollment.end_date + datetime.timedelta(shift)
    else:
        changes.update(ended_at=timezone.now(), active_key=None, reason=reason.strip()[:300])
    moved = Enrollment.objects.filter(pk=enrollment.pk, state=enrollment.state).update(**changes)
    if not moved:
        raise Conflict(_("The enrolment changed meanwhile: reload it."))
    if shift:
        _shift_tasks(enrollment, since=enrollment.paused_on, days=shift)
    for name, value in changes.items():
        setattr(enrollment, name, value)
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=enrollment,
        patient_id=enrollment.patient_id,
        detail=action,
    )
    return enrollment


def patient_archived(*, actor, patient) -> int:
    """An archived record's active enrolments are paused: no task falls due, no reminder goes
    out, none counts as falling behind. Whoever archives need not manage programmes; restoring
    the record leaves resuming them to its care team."""
    active = Enrollment.objects.filter(patient_id=patient.pk, state=State.ACTIVE)
    enrollments = list(active.select_related("clinic"))
    for enrollment in enrollments:
        _transition(actor=actor, enrollment=enrollment, action="pause")
    return len(enrollments)


def _shift_tasks(enrollment, *, since, days: int) -> None:
    """Move open tasks due on or after `since` by `days` (one write per due date, latest first)."""
    open_tasks = Task.objects.filter(
        enrollment=enrollment, status=Task.Status.DUE, due_date__gte=since
    )
    dates = sorted(set(open_tasks.values_list("due_date", flat=True)), reverse=True)
    for due in dates:
        open_tasks.filter(due_date=due).update(due_date=due + datetime.timedelta(days))


# --- tasks ----------------------------------------------------------------------------------------
def _check_values(step, values) -> list[dict]:
    measure = MEASURES[step.measure]
    expected = {c.code: c for c in measure.components}
    errors, clean, seen = [], [], set()
    for item in values or []:
        if not isinstance(item, dict):
            errors.append(_("Each value is an object with code, value and unit."))
            continue
        code, unit, value = item.get("code"), item.get("unit"), item.get("value")
        component = expected.get(code)
        if component is None or code in seen:
            errors.append(_("Unexpected or repeated code %s.") % code)
            continue
        seen.add(code)
        if unit != component.unit:
            errors.append(
                _("%(label)s is recorded in %(unit)s.")
                % {"label": component.label, "unit": component.unit}
            )
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            errors.append(_("%s needs a number.") % component.label)
            continue
        if float(value).is_integer():
            value = int(value)  # 128.0 → 128: what was typed, from the app or the page
        if not component.low <= value <= component.high:
            # The bounds as people write them (mmHg): the enrolment page shows this too.
            bounds = f"{component.low:g}–{component.high:g} {unit_shown(component.unit)}"
            errors.append(
                _("%(label)s %(value)s is outside %(bounds)s.")
                % {"label": component.label, "value": f"{value:.10g}", "bounds": bounds.strip()}
            )
            continue
        clean.append({"code": code, "value": value, "unit": unit})
    missing = [component.label for code, component in expected.items() if code not in seen]
    if missing and not errors:  # in the measurement's order: systolic, then diastolic
        errors.append(_("Missing: %s.") % ", ".join(str(label) for label in missing))
    if not errors and step.measure == "blood_pressure":
        posted = {item["code"]: item["value"] for item in clean}
        systolic, diastolic = (posted[component.code] for component in measure.components)
        if systolic <= diastolic:  # two boxes swapped, most likely: 80/120 is not a reading
            errors.append(
                _("Systolic %(systolic)s must be higher than diastolic %(diastolic)s.")
                % {"systolic": systolic, "diastolic": diastolic}
            )
    if errors:
        raise ValidationError({"values": errors})
    return clean


TEXT_ANSWER_LONGEST = 1000
# What each kind of question asks for, in the words of the page and the app that ask it.
ANSWER_ASKED = {
    "yes_no": gettext_lazy("Choose Yes or No for “%(q)s”."),
    "scale": gettext_lazy("Choose a number from 1 to 5 for “%(q)s”."),
    "text": gettext_lazy("Write an answer for “%(q)s”."),
}


def _answer_ok(kind: str, answer) -> bool:
    if kind == "yes_no":
        return isinstance(answer, bool)
    if kind == "scale":
        return isinstance(answer, int) and not isinstance(answer, bool) and 1 <= answer <= 5
    return isinstance(answer, str) and len(answer) <= TEXT_ANSWER_LONGEST


def _answer_refused(kind: str, answer, question: str) -> str:
    """What to do about one answer refused: give it, or shorten a text too long."""
    if kind == "text" and isinstance(answer, str):
        return _("The answer to “%(q)s” is longer than %(n)d characters.") % {
            "q": question, "n": TEXT_ANSWER_LONGEST,
        }  # fmt: skip
    return ANSWER_ASKED[kind] % {"q": question}


def _check_answers(step, answers) -> dict:
    if not isinstance(answers, dict):
        raise ValidationError({"answers": [_("Answers are an object keyed by question.")]})
    errors, clean = [], {}
    for question in step.questions:
        key, kind = question["key"], question["type"]
        answer = answers.get(key)
        if not _answer_ok(kind, answer):  # `params`: the question, for the page's field
            refused = _answer_refused(kind, answer, question["text"])
            errors.append(ValidationError(refused, code="answer", params={"question": key}))
        else:
            clean[key] = answer.strip() if isinstance(answer, str) else answer
    if errors:
        raise ValidationError({"answers": errors})
    return clean


def _off_target(step, code, value) -> bool:
    target = (step.targets or {}).get(code) or {}
    low, high = target.get("low"), target.get("high")
    return (low is not None and value < low) or (high is not None and value > high)


@unit
def task_complete(*, actor, task, values=None, answers=None) -> Task:
    """Record a task done (with its values or answers), from its due date until the enrolment
    ends: by the patient in their app, or by a clinician or nurse on their behalf on the
    enrolment page (the task keeps who). A value outside the alert range tells the care
    manager at once."""
    require(actor, "programs.tasks.complete")
    enrollment = task.enrollment
    today = schedule.local_today(enrollment.clinic)
    _check_open(actor, task, enrollment, today)
    step = task.step
    clean_values, clean_answers = [], {}
    if task.kind == Step.Kind.MEASUREMENT:
        clean_values = _check_values(step, values)
    elif task.kind == Step.Kind.CHECK_IN:
        clean_answers = _check_answers(step, answers if answers is not None else {})
    now = timezone.now()
    on_time = today <= task.due_date
    claimed = Task.objects.filter(pk=task.pk, status__in=[Task.Status.DUE, Task.Status.MISSED])
    if not claimed.update(
        status=Task.Status.DONE,
        completed_at=now,
        completed_by=actor,
        on_time=on_time,
        values=clean_values,
        answers=clean_answers,
    ):
        raise _closed(
            actor, Task.objects.select_related("completed_by").get(pk=task.pk), enrollment
        )
    task.status, task.completed_at, task.on_time = Task.Status.DONE, now, on_time
    task.completed_by = actor
    task.values, task.answers = clean_values, clean_answers
    measurements = [
        Measurement(
            clinic_id=task.clinic_id,
            patient_id=task.patient_id,
            enrollment_id=enrollment.pk,
            task=task,
            code=item["code"],
            value=item["value"],
            unit=item["unit"],
            measured_at=now,
            off_target=_off_target(step, item["code"], item["value"]),
            alert=COMPONENTS[item["code"]].alerting(item["value"]),
        )
        for item in clean_values
    ]
    Measurement.objects.bulk_create(measurements)
    _after_activity(enrollment, today, now)
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=task,
        patient_id=task.patient_id,
        detail=gettext_noop("done"),
    )
    for measurement in measurements:
        if measurement.alert:
            measurement.enrollment = enrollment
            emit(EVENT_ALERT, obj=measurement)
            break  # one alert per reading (systolic and diastolic are one reading)
    return task


@unit
def task_skip(*, actor, task) -> Task:
    require(actor, "programs.tasks.complete")
    enrollment = task.enrollment
    today = schedule.local_today(enrollment.clinic)
    _check_open(actor, task, enrollment, today)
    if not Task.objects.filter(pk=task.pk, status__in=[Task.Status.DUE, Task.Status.MISSED]).update(
        status=Task.Status.SKIPPED, completed_at=timezone.now(), completed_by=actor
    ):
        raise _closed(
            actor, Task.objects.select_related("completed_by").get(pk=task.pk), enrollment
        )
    task.status, task.completed_by = Task.Status.SKIPPED, actor
    _after_activity(enrollment, today, timezone.now())
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=task,
        patient_id=task.patient_id,
        detail=gettext_noop("skip"),
    )
    return task


# --- visits booked through the appointments app ---------------------------------------------------
# The appointments app's events (core.events), raised inside its booking's unit: a peer app, so
# named here rather than imported.
APPOINTMENT_BOOKED = "appointments.booked"
APPOINTMENT_RESCHEDULED = "appointments.rescheduled"
APPOINTMENT_CANCELLED = "appointments.cancelled"
APPOINTMENT_NO_SHOW = "appointments.no_show"
APPOINTMENT_TYPE_RENAMED = "appointments.type_renamed"
OPEN_TASK = (Task.Status.DUE, Task.Status.MISSED)  # what task_complete still takes
OPEN_ENROLLMENT = (State.ACTIVE, State.PAUSED)


def _visit_day(appointment) -> datetime.date:
    return schedule.local_now(appointment.clinic, appointment.start).date()


def _covers(task, day: datetime.date) -> bool:
    first, last = schedule.booking_window(task)
    return first <= day <= last


def appointment_booked(*, actor, appointment) -> Task | None:
    """A visit booked, by staff or by the patient, records done the appointment task it answers:
    of the patient's open tasks (due, or missed: done late, as task_complete takes them) in
    active enrolments (a paused one records nothing, as task_complete refuses) whose step books
    this type, the earliest whose booking window holds the visit's day. Booking ahead is the
    point, so a task is closed before its due date. One visit closes one task at most. Runs
    inside the booking's unit: a refused booking closes nothing."""
    day = _visit_day(appointment)
    reach = datetime.timedelta(MAX_DURATION_DAYS)  # the widest window a step may have
    candidates = Task.objects.filter(
        patient_id=appointment.patient_id,
        kind=Step.Kind.APPOINTMENT,
        status__in=OPEN_TASK,
        enrollment__state=State.ACTIVE,
        step__appointment_type=appointment.type.name,
        due_date__gte=day - reach,
        due_date__lte=day,
    ).select_related("step", "enrollment__clinic")
    for task in candidates.order_by("due_date", "day", "id"):
        if not _covers(task, day):
            continue
        enrollment = task.enrollment
        today, now = schedule.local_today(enrollment.clinic), timezone.now()
        on_time = today <= task.due_date  # as task_complete: recorded by its due date
        claimed = Task.objects.filter(pk=task.pk, status__in=OPEN_TASK).update(
            status=Task.Status.DONE,
            completed_at=now,
            completed_by=actor,
            on_time=on_time,
            appointment_id=appointment.pk,
            booked_for=day,
        )
        if not claimed:
            continue  # recorded meanwhile (another tab, the app): the next one, if any
        task.status, task.completed_at, task.completed_by, task.on_time = (
            Task.Status.DONE, now, actor, on_time,
        )  # fmt: skip
        task.appointment_id, task.booked_for = appointment.pk, day
        _after_activity(enrollment, today, now)
        audit(
            actor=actor, action=Action.UPDATE, obj=task, patient_id=task.patient_id,
            detail=gettext_noop("done: visit booked"),
        )  # fmt: skip
        return task
    return None


def appointment_type_renamed(*, actor, clinic_id: str, old_name: str, new_name: str) -> int:
    """The clinic's steps that book a type by its old name book it by the new one, in every
    version (published and retired too: the name is a reference to the type, not clinical
    content), so their tasks still link to the type and its visits still close them. Each
    template changed is audited as an edit of it. Runs in the rename's unit; the steps renamed
    are counted."""
    steps = Step.objects.filter(clinic_id=clinic_id, appointment_type=old_name)
    template_ids = set(steps.values_list("template_id", flat=True))
    if not template_ids:
        return 0
    renamed = steps.update(appointment_type=new_name, updated_at=timezone.now())
    audit_each(
        actor=actor,
        action=Action.UPDATE,
        objects=ProgramTemplate.objects.filter(pk__in=template_ids).order_by("pk"),
        detail=gettext_noop("appointment type renamed"),
    )
    return renamed


def _tasks_booked(appointment):
    return Task.objects.filter(
        patient_id=appointment.patient_id,
        appointment_id=appointment.pk,
        status=Task.Status.DONE,
        enrollment__state__in=OPEN_ENROLLMENT,
    ).select_related("step", "enrollment__clinic")


def _reopen(*, actor, task, appointment, detail: str) -> None:
    """The task a visit recorded done is open again — due, or missed when an active enrolment's
    due date has passed (as the nightly job would have left it) — so another visit closes it."""
    enrollment = task.enrollment
    today, now = schedule.local_today(enrollment.clinic), timezone.now()
    late = enrollment.state == State.ACTIVE and task.due_date < today
    reopened = Task.objects.filter(
        pk=task.pk, status=Task.Status.DONE, appointment_id=appointment.pk
    ).update(
        status=Task.Status.MISSED if late else Task.Status.DUE,
        completed_at=None,
        completed_by=None,
        on_time=False,
        appointment_id="",
        booked_for=None,
    )
    if reopened:
        _after_activity(enrollment, today, now)
        audit(
            actor=actor, action=Action.UPDATE, obj=task, patient_id=task.patient_id, detail=detail
        )


def appointment_rescheduled(*, actor, appointment) -> None:
    """A booked visit moved: within its task's booking window the task shows the new day (and
    stays done); outside it, that task is open again and the visit closes the one it now
    answers, if any."""
    day = _visit_day(appointment)
    for task in _tasks_booked(appointment).exclude(booked_for=day):
        if not _covers(task, day):
            _reopen(
                actor=actor,
                task=task,
                appointment=appointment,
                detail=gettext_noop("reopened: visit moved"),
            )
            appointment_booked(actor=actor, appointment=appointment)
            continue
        Task.objects.filter(pk=task.pk, appointment_id=appointment.pk).update(booked_for=day)
        audit(
            actor=actor, action=Action.UPDATE, obj=task, patient_id=task.patient_id,
            detail=gettext_noop("visit moved"),
        )  # fmt: skip


def appointment_cancelled(*, actor, appointment) -> None:
    """A booked visit cancelled: the task it recorded done is open again."""
    _reopen_booked(actor, appointment, gettext_noop("reopened: visit cancelled"))


def appointment_no_show(*, actor, appointment) -> None:
    """The patient did not come: the visit the task asked for did not happen, so the task is
    open again (missed once its due date has passed) and the programme's adherence says so."""
    _reopen_booked(actor, appointment, gettext_noop("reopened: patient did not attend"))


def _reopen_booked(actor, appointment, detail: str) -> None:
    for task in _tasks_booked(appointment):
        _reopen(actor=actor, task=task, appointment=appointment, detail=detail)


def _check_open(actor, task, enrollment, today) -> None:
    if task.status in (Task.Status.DONE, Task.Status.SKIPPED):
        raise _closed(actor, task, enrollment)
    if enrollment.state != State.ACTIVE:
        raise Conflict(_("The enrolment is %s.") % enrollment.get_state_display().lower())
    if today < task.due_date:
        due = clinic_format(enrollment.clinic, task.due_date)
        raise Conflict(_("This task is due on %s.") % due)


def _closed(actor, task, enrollment) -> Conflict:
    """The refusal of a task already done or skipped (from another tab, the patient's app
    meanwhile, or a retry of one's own): who recorded it and when, at the clinic's time written
    as the reader's pages write times (core.dates), where the task knows."""
    who = task.completed_by
    if who is None or task.completed_at is None:
        return Conflict(_("This task is already done or skipped."), status=task.status)
    clinic = enrollment.clinic
    at = timezone.localtime(task.completed_at, schedule.clinic_zone(clinic))
    shown = "TIME_FORMAT" if at.date() == schedule.local_today(clinic) else "DATETIME_FORMAT"
    when = clinic_format(clinic, at, shown)
    done = task.status == Task.Status.DONE
    if who.pk == actor.pk:
        text = (
            _("You already recorded this task at %(time)s.")
            if done
            else _("You already skipped this task at %(time)s.")
        )
    else:
        text = (
            _("%(name)s already recorded this task at %(time)s.")
            if done
            else _("%(name)s already skipped this task at %(time)s.")
        )
    return Conflict(text % {"name": who.name or who.email, "time": when}, status=task.status)


def _after_activity(enrollment, today, now) -> None:
    """Keep the dashboard's columns current: adherence, off-target flag, last activity."""
    adherence = adherence_of(enrollment, today)
    off_target = latest_off_target(enrollment)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        adherence=adherence, adherence_on=today, off_target=bool(off_target), last_activity_at=now
    )
    enrollment.adherence, enrollment.off_target = adherence, bool(off_target)
    enrollment.last_activity_at = now


# --- adherence, targets, goals --------------------------------------------------------------------
def adherence_from(rows, today) -> int | None:
    """% of tasks due in the last 14 days done on time; today's count once done. None: none due.

    `rows`: (due_date, status, on_time) of the enrolment's tasks in the window."""
    start = today - datetime.timedelta(ADHERENCE_DAYS)
    due = on_time = 0
    for due_date, status, done_on_time in rows:
        if not start <= due_date <= today:
            continue
        if due_date == today and status != Task.Status.DONE:
            continue  # still time today
        due += 1
        on_time += status == Task.Status.DONE and done_on_time
    return None if due == 0 else round(100 * on_time / due)


def adherence_of(enrollment, today) -> int | None:
    rows = Task.objects.filter(
        enrollment=enrollment,
        due_date__gte=today - datetime.timedelta(ADHERENCE_DAYS),
        due_date__lte=today,
    ).values_list("due_date", "status", "on_time")
    return adherence_from(rows, today)


def programme_codes(enrollment) -> tuple[dict, set]:
    """The targets of the enrolment's steps by code (the first step naming a code wins), and
    every code its steps measure: one read of the steps."""
    targets, measured = {}, set()
    for measure, step_targets in enrollment.template.steps.values_list("measure", "targets"):
        for code, target in (step_targets or {}).items():
            targets.setdefault(code, target)
        if measure in MEASURES:
            measured.update(component.code for component in MEASURES[measure].components)
    return targets, measured


def newest_by_code(enrollment, measured: set | None = None) -> dict[str, dict]:
    """The newest measurement of each code, as values. Reads the newest NEWEST_POINTS, then one
    indexed row for each code the programme measures (`measured`, else read from its steps)
    that none of them had: a year of daily readings costs what the first week does, and a
    rarely taken measure is still found."""
    rows = Measurement.objects.filter(enrollment=enrollment).order_by("-measured_at", "-id")
    rows = rows.values("code", "unit", "measured_at", "value", "off_target", "alert")
    recent = list(rows[:NEWEST_POINTS])
    if len(recent) == NEWEST_POINTS:  # older points exist: a rarely taken one may be there
        if measured is None:
            _targets, measured = programme_codes(enrollment)
        for code in sorted(measured - {row["code"] for row in recent}):
            recent.extend(rows.filter(code=code)[:1])  # the (enrolment, code, time) index
    newest: dict[str, dict] = {}
    for row in recent:
        newest.setdefault(row["code"], row)
    return newest


def latest_off_target(enrollment) -> list[dict]:
    """The newest measurement of each code, where it is off target."""
    return [row for row in newest_by_code(enrollment).values() if row["off_target"]]


COMPARE = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def goals_status(enrollment, today=None) -> list[dict]:
    """Each goal of the enrolment's version: achieved / not achieved / no data yet."""
    today = today or schedule.local_today(enrollment.clinic)
    result = []
    for goal in enrollment.template.goals.all():
        # Bounded as goal_add bounds it (a goal saved before the bound reads no further back).
        window = min(max(goal.window_days, 1), MAX_DURATION_DAYS)
        since = today - datetime.timedelta(window - 1)
        if goal.kind == Goal.Kind.AVERAGE:
            values = list(
                Measurement.objects.filter(
                    enrollment=enrollment,
                    code=goal.code,
                    measured_at__gte=datetime.datetime.combine(
                        since, datetime.time(), tzinfo=schedule.clinic_zone(enrollment.clinic)
                    ),
                ).values_list("value", flat=True)
            )
            current = round(sum(values) / len(values), 1) if values else None
        else:
            tasks = Task.objects.filter(
                enrollment=enrollment, status=Task.Status.DONE, due_date__gte=since,
                due_date__lte=today,
            )  # fmt: skip
            if goal.task_kind:
                tasks = tasks.filter(kind=goal.task_kind)
            current = tasks.count()
        if current is None:
            status = "no_data"
        else:
            status = "achieved" if COMPARE[goal.comparator](current, goal.value) else "not_achieved"
        result.append({"goal": goal, "current": current, "status": status})
    return result


# --- scheduled jobs -------------------------------------------------------------------------------
def _active_by_clinic():
    from clinics.models import Clinic

    ids = set(
        Enrollment.objects.filter(state=State.ACTIVE).values_list("clinic_id", flat=True).distinct()
    )
    return list(Clinic.objects.filter(pk__in=list(ids)))


def nightly_run(now=None) -> dict:
    """Hourly, idempotent: tasks of active enrolments due before the clinic's today become
    missed, and each active enrolment's adherence is recomputed once per local day."""
    missed = refreshed = 0
    for clinic in _active_by_clinic():
        today = schedule.local_today(clinic, now)
        active = Enrollment.objects.filter(clinic=clinic, state=State.ACTIVE)
        active_ids = list(active.values_list("pk", flat=True))
        touched = set()
        for offset in range(0, len(active_ids), CHUNK):
            overdue = Task.objects.filter(
                enrollment_id__in=active_ids[offset : offset + CHUNK],
                status=Task.Status.DUE,
                due_date__lt=today,
            )
            touched |= set(overdue.values_list("enrollment_id", flat=True).distinct())
            missed += overdue.update(status=Task.Status.MISSED)
        stale = dict(
            active.filter(Q(adherence_on__isnull=True) | Q(adherence_on__lt=today)).values_list(
                "pk", "adherence"
            )
        )
        if touched - set(stale):
            stale.update(
                Enrollment.objects.filter(pk__in=list(touched - set(stale))).values_list(
                    "pk", "adherence"
                )
            )
        refreshed += _refresh_adherence(stale, today)
    return {"missed": missed, "refreshed": refreshed}


def _refresh_adherence(current: dict, today) -> int:
    ids = list(current)
    changed = 0
    for offset in range(0, len(ids), CHUNK):
        part = ids[offset : offset + CHUNK]
        rows = defaultdict(list)
        grouped = (
            Task.objects.filter(
                enrollment_id__in=part,
                due_date__gte=today - datetime.timedelta(ADHERENCE_DAYS),
                due_date__lte=today,
            )
            .values("enrollment_id", "due_date", "status", "on_time")
            .annotate(n=Count("id"))
        )
        for g in grouped:
            rows[g["enrollment_id"]].extend([(g["due_date"], g["status"], g["on_time"])] * g["n"])
        by_value = defaultdict(list)
        for pk in part:
            by_value[adherence_from(rows.get(pk, ()), today)].append(pk)
        for value, pks in by_value.items():
            Enrollment.objects.filter(pk__in=pks).update(adherence=value, adherence_on=today)
            changed += sum(1 for pk in pks if current[pk] != value)
    return changed


def daily_reminders_run(now=None) -> int:
    """Hourly: each patient whose chosen local hour it is hears once a day that tasks wait
    ("Your programme tasks for today" at the clinic: no PHI in the message)."""
    sent = 0
    for clinic in _active_by_clinic():
        local = schedule.local_now(clinic, now)
        today = local.date()
        due = Enrollment.objects.filter(
            clinic=clinic,
            state=State.ACTIVE,
            reminder_hour=local.hour,
            patient__user__isnull=False,
        ).filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        candidates = list(due.values_list("pk", flat=True))
        with_tasks = set(
            Task.objects.filter(
                enrollment_id__in=candidates, due_date=today, status=Task.Status.DUE
            ).values_list("enrollment_id", flat=True)
        )
        for enrollment in due.filter(pk__in=list(with_tasks)).select_related(
            "patient__user", "clinic"
        ):
            claimed = Enrollment.objects.filter(pk=enrollment.pk).filter(
                Q(reminded_on__isnull=True) | Q(reminded_on__lt=today)
            )
            if claimed.update(reminded_on=today):
                emit(EVENT_TASKS_TODAY, obj=enrollment)
                sent += 1
    return sent


def behind_digest_run(now=None) -> int:
    """Weekly: each care manager with enrolments under BEHIND_BELOW % adherence is told once."""
    from django.contrib.auth import get_user_model

    managers = set(
        Enrollment.objects.filter(state=State.ACTIVE, adherence__lt=BEHIND_BELOW)
        .exclude(care_manager__isnull=True)
        .values_list("care_manager_id", flat=True)
        .distinct()
    )
    users = get_user_model().objects.filter(pk__in=list(managers), is_active=True)
    count = 0
    for user in users.select_related("clinic"):
        emit(EVENT_BEHIND, obj=user)
        count += 1
    return count


# --- a new clinic's programmes --------------------------------------------------------------------
def clinic_setup(*, clinic) -> None:
    """Two published programmes every clinic starts with (idempotent)."""
    from programs.builtins import BUILTINS

    names = set(ProgramTemplate.objects.filter(clinic=clinic).values_list("name", flat=True))
    for spec in BUILTINS:
        if spec["name"] in names:
            continue
        template = template_create(actor=None, clinic=clinic, **spec)
        template_publish(actor=None, template=template)


def check_draft(template) -> None:
    """Only a draft is edited; a published or retired version is read-only (409)."""
    if template.status != ProgramTemplate.Status.DRAFT:
        raise Conflict(_("Only a draft can be edited: start a new version."))


@unit
def step_add(*, actor, template, **fields) -> Step:
    """Add a step to a draft (the builder's form)."""
    require(actor, "programs.templates.edit")
    check_draft(current(template))
    position = template.steps.count()
    (step,) = _steps(template, [fields], appointment_types(actor))
    step.position = position
    step.save(force_insert=True)
    audit(actor=actor, action=Action.UPDATE, obj=template, detail=gettext_noop("step added"))
    return step


@unit
def step_update(*, actor, step, **fields) -> Step:
    """Change every field of a draft's step (day, repeat, kind and its content), validated as
    a new step would be before the one write: a refused change leaves the step as it was."""
    require(actor, "programs.templates.edit")
    template = step.template
    check_draft(current(template))
    (changed,) = _steps(template, [fields], appointment_types(actor))
    changed.pk, changed.position, changed.created_at = step.pk, step.position, step.created_at
    changed.updated_at = timezone.now()
    Step.objects.filter(pk=step.pk).update(**_fields_of(changed, (*STEP_FIELDS, "updated_at")))
    audit(actor=actor, action=Action.UPDATE, obj=template, detail=gettext_noop("step changed"))
    return changed


@unit
def step_delete(*, actor, step) -> None:
    """Remove a step of a draft (`step`: read through selectors.template_step_get)."""
    require(actor, "programs.templates.edit")
    template = step.template
    check_draft(current(template))
    Step.objects.filter(pk=step.pk).delete()
    audit(actor=actor, action=Action.UPDATE, obj=template, detail=gettext_noop("step removed"))


@unit
def goal_add(*, actor, template, **fields) -> Goal:
    require(actor, "programs.templates.edit")
    check_draft(current(template))
    (goal,) = _goals(template, [fields])
    goal.save(force_insert=True)
    audit(actor=actor, action=Action.UPDATE, obj=template, detail=gettext_noop("goal added"))
    return goal


@unit
def goal_update(*, actor, goal, **fields) -> Goal:
    """Change a draft's goal, validated whole before the one write."""
    require(actor, "programs.templates.edit")
    template = goal.template
    check_draft(current(template))
    (changed,) = _goals(template, [fields])
    changed.pk, changed.created_at, changed.updated_at = goal.pk, goal.created_at, timezone.now()
    Goal.objects.filter(pk=goal.pk).update(**_fields_of(changed, (*GOAL_FIELDS, "updated_at")))
    audit(actor=actor, action=Action.UPDATE, obj=template, detail=gettext_noop("goal changed"))
    return changed


@unit
def goal_delete(*, actor, goal) -> None:
    require(actor, "programs.templates.edit")
    check_draft(current(goal.template))
    Goal.objects.filter(pk=goal.pk).delete()
    audit(actor=actor, action=Action.UPDATE, obj=goal.template, detail=gettext_noop("goal removed"))
