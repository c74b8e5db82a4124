"""Staff HTML of programmes: dashboard, templates (builder on a timeline, publish/retire),
enrolment from the patient page, the per-enrolment page with charts and today's tasks to
record for the patient.

Each page loads its record with one selector call (404 outside the clinic, 403 for a role
that may not) and writes through one service; a refusal is shown as a message or on the form.
"""

import copy

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.decorators import staff_page
from core.errors import Conflict
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors
from core.lists import page_size
from core.roles import Role, can
from patients.selectors import patient_get
from programs import charts, schedule, selectors, services
from programs.catalogue import unit_shown
from programs.forms import (
    DashboardFilterForm,
    EnrollForm,
    GoalForm,
    ReasonForm,
    StepForm,
    TaskDoneForm,
    TemplateForm,
)
from programs.markdown import render as markdown
from programs.models import Enrollment, ProgramTemplate, Task


@require_GET
@staff_page("programs.view")
def dashboard(request):
    form = DashboardFilterForm(request.GET)
    form.offer(selectors.template_list(actor=request.user))
    filters = form.dashboard_filters()
    page_obj = selectors.enrollment_page(
        actor=request.user,
        number=request.GET.get("page"),
        per_page=page_size(request.GET.get("page_size")),
        columns=selectors.DASHBOARD_COLUMNS,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        **filters,
    )
    return render(request, "programs/dashboard.html", {"page_obj": page_obj, "filter_form": form})


@require_GET
@staff_page("programs.view")
def template_list(request):
    return render(
        request,
        "programs/template_list.html",
        {
            "templates": selectors.template_list(actor=request.user),
            "can_edit": can(request.user, "programs.templates.edit"),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page("programs.templates.edit")
def template_new(request):
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(actor=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("programs:template", pk=template.pk)
    return render(request, "programs/template_new.html", {"form": form})


def _timeline(template) -> list[dict]:
    """The builder's timeline: days with their steps (repeats shown on their first day), each
    step's targets by the measure's name (a reader knows "Systolic", not 8480-6)."""
    days: dict[int, list] = {}
    for step in template.steps.all():
        targets = [(selectors.code_label(code), t) for code, t in (step.targets or {}).items()]
        days.setdefault(step.day, []).append(
            {"step": step, "html": markdown(step.body), "targets": targets}
        )
    return [{"day": day, "steps": steps} for day, steps in sorted(days.items())]


def _goals(template) -> list:
    """The template's goals, each with the name of the code it averages (if any)."""
    goals = list(template.goals.all())
    for goal in goals:
        goal.code_label = selectors.code_label(goal.code) if goal.code else ""
    return goals


def _step_form(request, data=None, **kwargs) -> StepForm:
    """The step form, offering the clinic's appointment types."""
    return StepForm(data, appointment_types=services.appointment_types(request.user), **kwargs)


def _builder_page(request, template, *, step_form=None, goal_form=None, details_form=None):
    """The template page: its timeline and goals, and for a draft the builder's forms (bound
    ones carry the errors of a refused change)."""
    is_draft = template.status == ProgramTemplate.Status.DRAFT
    return render(
        request,
        "programs/template_detail.html",
        {
            "template": template,
            "timeline": _timeline(template),
            "goals": _goals(template),
            "form": step_form or _step_form(request),
            "goal_form": goal_form or GoalForm(),
            "details_form": details_form or TemplateForm(instance=template),
            "can_edit": can(request.user, "programs.templates.edit"),
            "is_draft": is_draft,
        },
    )


def _draft_change(request, form, service, *, draft, done: str, error_fields=None, **fields):
    """`service(actor=..., **fields)`, one change to the template `draft` from a valid `form`:
    the redirect to the builder once saved (or, flashed, when `draft` is no longer a draft and
    the form has gone from its page), or None with the service's errors shown on `form`."""
    try:
        service(actor=request.user, **fields)
    except Conflict as exc:
        flash_errors(request, exc)
    except SERVICE_ERRORS as exc:
        apply_service_errors(form, exc, error_fields)
        return None
    else:
        messages.success(request, done)
    return redirect("programs:template", pk=draft.pk)


@require_http_methods(["GET", "POST"])
@staff_page()
def template_detail(request, pk):
    posting = request.method == "POST"
    template = selectors.template_get(
        actor=request.user,
        id=pk,
        permission="programs.templates.edit" if posting else "programs.view",
    )
    form = _step_form(request, request.POST if posting else None)
    if (
        posting
        and form.is_valid()
        and (
            saved := _draft_change(
                request,
                form,
                services.step_add,
                draft=template,
                done=_("Step added."),
                error_fields=STEP_ERROR_FIELDS,
                template=template,
                **form.step_fields(),
            )
        )
    ):
        return saved
    return _builder_page(request, template, step_form=form if posting else None)


# A service's error keys that are not the form's fields.
STEP_ERROR_FIELDS = {"targets": "target_low"}
GOAL_ERROR_FIELDS = {"goals": "code"}


@require_POST
@staff_page()
def template_details(request, pk):
    """Name, description and duration of a draft."""
    template = selectors.template_get(
        actor=request.user, id=pk, permission="programs.templates.edit"
    )
    form = TemplateForm(request.POST, instance=copy.copy(template))  # `template` stays as is
    if form.is_valid() and not form.changed_fields():
        messages.info(request, _("Nothing was changed."))
        return redirect("programs:template", pk=template.pk)
    if form.is_valid() and (
        saved := _draft_change(
            request,
            form,
            services.template_update,
            draft=template,
            done=_("Programme saved."),
            template=template,
            **form.changed_fields(),  # only these: a colleague may have saved the draft meanwhile
        )
    ):
        return saved
    return _builder_page(request, template, details_form=form)


def _read_only(request, template):
    """A published or retired version is never edited: say so on its page."""
    try:
        services.check_draft(template)
    except Conflict as exc:
        flash_errors(request, exc)
        return redirect("programs:template", pk=template.pk)
    return None


def _part_page(request, template, form, *, part: str, heading: str):
    """The edit page of one step or goal of a draft (one template for both)."""
    context = {"template": template, "form": form, "part": part, "heading": heading}
    return render(request, "programs/part_edit.html", context)


@require_http_methods(["GET", "POST"])
@staff_page()
def step_edit(request, step_id):
    """Every field of one step of a draft; a refused change shows on the form, unsaved."""
    step = selectors.step_get(actor=request.user, id=step_id)
    template = step.template
    if refused := _read_only(request, template):
        return refused
    posting = request.method == "POST"
    form = _step_form(
        request, request.POST if posting else None, initial=StepForm.initial_for(step)
    )
    if (
        posting
        and form.is_valid()
        and (
            saved := _draft_change(
                request,
                form,
                services.step_update,
                draft=template,
                done=_("Step saved."),
                error_fields=STEP_ERROR_FIELDS,
                step=step,
                **form.step_fields(),
            )
        )
    ):
        return saved
    heading = _("Edit step: %(title)s") % {"title": step.title}
    return _part_page(request, template, form, part=step.title, heading=heading)


@require_POST
@staff_page()
def goal_add(request, pk):
    template = selectors.template_get(
        actor=request.user, id=pk, permission="programs.templates.edit"
    )
    form = GoalForm(request.POST)
    if form.is_valid() and (
        saved := _draft_change(
            request,
            form,
            services.goal_add,
            draft=template,
            done=_("Goal added."),
            error_fields=GOAL_ERROR_FIELDS,
            template=template,
            **form.goal_fields(),
        )
    ):
        return saved
    return _builder_page(request, template, goal_form=form)


@require_http_methods(["GET", "POST"])
@staff_page()
def goal_edit(request, goal_id):
    goal = selectors.goal_get(actor=request.user, id=goal_id)
    template = goal.template
    if refused := _read_only(request, template):
        return refused
    posting = request.method == "POST"
    form = GoalForm(request.POST if posting else None, instance=copy.copy(goal))
    if (
        posting
        and form.is_valid()
        and (
            saved := _draft_change(
                request,
                form,
                services.goal_update,
                draft=template,
                done=_("Goal saved."),
                error_fields=GOAL_ERROR_FIELDS,
                goal=goal,
                **form.goal_fields(),
            )
        )
    ):
        return saved
    heading = _("Edit goal: %(title)s") % {"title": goal.description}
    return _part_page(request, template, form, part=goal.description, heading=heading)


@require_POST
@staff_page()
def goal_delete(request, goal_id):
    goal = selectors.goal_get(actor=request.user, id=goal_id)
    try:
        services.goal_delete(actor=request.user, goal=goal)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Goal removed."))
    return redirect("programs:template", pk=goal.template_id)


@require_http_methods(["GET", "POST"])
@staff_page()
def template_action(request, pk, action):
    """Publish, retire or start a new version (POST). Retiring is asked first (GET): one tap
    stopped a programme's enrolments, and only a new version undoes it."""
    template = selectors.template_get(
        actor=request.user, id=pk, permission="programs.templates.edit"
    )
    if request.method == "GET":
        if action != "retire":
            return HttpResponseNotAllowed(["POST"])
        if template.status != ProgramTemplate.Status.PUBLISHED:
            return redirect("programs:template", pk=template.pk)
        return render(request, "programs/template_retire.html", {"template": template})
    try:
        if action == "version":
            result, created = services.template_new_version(actor=request.user, template=template)
        else:
            service = {"publish": services.template_publish, "retire": services.template_retire}
            result, created = service[action](actor=request.user, template=template), False
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
        return redirect("programs:template", pk=template.pk)
    if action == "publish":
        done = _("Published: new enrolments get version %(version)d.")
    elif action == "retire":
        done = _("Retired: version %(version)d takes no new enrolments; running ones carry on.")
    elif created:
        done = _("Version %(version)d started as a draft: edit it, then publish it.")
    else:
        done = _("This programme already has a draft, version %(version)d: continue it here.")
    messages.success(request, done % {"version": result.version})
    return redirect("programs:template", pk=result.pk)


@require_POST
@staff_page()
def step_delete(request, pk, step_id):
    template = selectors.template_get(
        actor=request.user, id=pk, permission="programs.templates.edit"
    )
    step = selectors.template_step_get(template=template, id=step_id)
    try:
        services.step_delete(actor=request.user, step=step)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    return redirect("programs:template", pk=template.pk)


@require_http_methods(["GET", "POST"])
@staff_page()
def enroll(request, pid):
    posting = request.method == "POST"
    patient = patient_get(
        actor=request.user, id=pid, permission="programs.enroll", audited=not posting
    )
    templates = list(
        selectors.template_list(actor=request.user, status=ProgramTemplate.Status.PUBLISHED)
    )
    staff = get_user_model().objects.filter(
        clinic_id=request.user.clinic_id, role__in=[Role.CLINICIAN, Role.NURSE], is_active=True
    )
    form = EnrollForm(
        request.POST if posting else None,
        actor=request.user,
        templates=templates,
        staff=staff,
        initial={"start_date": schedule.local_today(request.user.clinic)},
    )
    if posting and form.is_valid():
        by_id = {t.pk: t for t in templates}
        manager = staff.filter(pk=form.cleaned_data["care_manager"]).first()
        try:
            enrollment = services.enroll(
                actor=request.user,
                template=by_id[form.cleaned_data["program"]],
                patient=patient,
                start_date=form.cleaned_data["start_date"],
                care_manager=manager,
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc, {"template": "program"})
        else:
            messages.success(request, _("Enrolled."))
            return redirect("programs:enrollment", pk=enrollment.pk)
    return render(request, "programs/enroll.html", {"patient": patient, "form": form})


@require_GET
@staff_page()
def enrollment_detail(request, pk):
    enrollment = selectors.enrollment_get(actor=request.user, id=pk)
    return _enrollment_page(request, enrollment)


def _enrollment_page(request, enrollment, *, refused: TaskDoneForm | None = None):
    """The enrolment page; `refused`: a task's form the service refused, shown again with what
    was typed and why."""
    series = selectors.measurement_series(enrollment)
    zone = schedule.clinic_zone(enrollment.clinic)  # the chart's dates: the clinic's days
    for index, item in enumerate(series):
        item["chart"] = charts.chart(item, chart_id=f"chart-{index}", zone=zone)
    today = selectors.local_today(enrollment)
    answers, older_answers = selectors.check_in_answers(enrollment)
    # An ended enrolment has nothing due: its open tasks were left undone.
    today_tasks = list(selectors.tasks_on(enrollment, today)) if enrollment.is_open else []
    # The visits that matter now, whatever their day: today's list holds one day only.
    visits, visit_count = (
        selectors.visit_tasks(enrollment, today) if enrollment.is_open else ([], 0)
    )
    # Staff record tasks while the service takes them: an active enrolment's open tasks.
    recording = enrollment.state == Enrollment.State.ACTIVE and can(
        request.user, "programs.tasks.complete"
    )
    for task in today_tasks:
        if recording and task.status in services.OPEN_TASK:
            mine = refused is not None and refused.task.pk == task.pk
            task.done_form = refused if mine else TaskDoneForm(task=task, clinic=enrollment.clinic)
        elif task.status == Task.Status.DONE:  # what was recorded, beside who recorded it
            task.recorded = _values_text(task.values)
            task.answer_rows = selectors.answer_rows(task)
    return render(
        request,
        "programs/enrollment_detail.html",
        {
            "enrollment": enrollment,
            "patient": enrollment.patient,  # base.html's patient header
            "series": series,
            "goals": services.goals_status(enrollment, today),
            "answers": answers,
            "older_answers": older_answers,
            "today_tasks": today_tasks,
            "visits": visits,
            "more_visits": visit_count > len(visits),
            "can_manage": can(request.user, "programs.manage"),
            "reason_form": ReasonForm(),
            "refused": refused,
        },
    )


@require_POST
@staff_page()
def task_done(request, task_id):
    """A clinician or nurse records a task done for the patient (a reading, a check-in's
    answers) through the service the patient's app uses, so both are validated and audited
    alike. Refused values are shown again on the enrolment page with why; a refusal of the
    task itself (already done, enrolment paused or ended, not due yet) is a message."""
    task = selectors.task_get(actor=request.user, id=task_id)
    enrollment = task.enrollment
    form = TaskDoneForm(request.POST, task=task, clinic=enrollment.clinic)
    if form.is_valid():
        try:
            services.task_complete(actor=request.user, task=task, **form.done_fields())
        except Conflict as exc:
            flash_errors(request, exc)
        except SERVICE_ERRORS as exc:
            form.refused(exc)
        else:
            messages.success(request, _task_recorded(task, enrollment))
    if form.errors:
        return _enrollment_page(request, enrollment, refused=form)
    return redirect("programs:enrollment", pk=enrollment.pk)


def _values_text(values) -> str:
    """A task's values as the page writes them: "Systolic 124 mmHg, Diastolic 80 mmHg" (not
    124.0 mm[Hg]); "" for none."""
    return ", ".join(
        " ".join(
            part
            for part in (
                selectors.code_label(item["code"]),
                formats.localize(item["value"]),
                unit_shown(item["unit"]),
            )
            if part
        )
        for item in values or ()
    )


def _task_recorded(task, enrollment) -> str:
    """What was recorded, as the page writes it."""
    name, title = enrollment.patient.full_name, task.step.title
    if not task.values:
        return _("Recorded for %(name)s: “%(task)s” done.") % {"name": name, "task": title}
    return _("Recorded for %(name)s: %(task)s — %(values)s.") % {
        "name": name, "task": title, "values": _values_text(task.values),
    }  # fmt: skip


# Actions asked again on a page of their own first (GET), done by its POST: completing ends
# the programme for good, however early.
CONFIRMED_FIRST = {"complete"}


def _action_done(action: str, enrollment) -> str:
    name = enrollment.patient.full_name
    if action == "pause":
        return _("Paused: %(name)s has no tasks until the programme is resumed.") % {"name": name}
    if action == "resume":
        return _("Resumed: the programme now ends on %(date)s.") % {
            "date": formats.date_format(enrollment.end_date, "SHORT_DATE_FORMAT")
        }
    if action == "complete":
        return _("%(name)s completed the programme.") % {"name": name}
    return _("%(name)s was withdrawn from the programme.") % {"name": name}


@require_http_methods(["GET", "POST"])
@staff_page()
def enrollment_action(request, pk, action):
    posting = request.method == "POST"
    if not posting and action not in CONFIRMED_FIRST:
        return HttpResponseNotAllowed(["POST"])
    enrollment = selectors.enrollment_get(
        actor=request.user, id=pk, permission="programs.manage", audited=not posting
    )
    if not posting:
        return _complete_page(request, enrollment)
    form = ReasonForm(request.POST)
    if not form.is_valid():  # nothing is done with a reason that cannot be kept: say why
        flash_errors(request, ValidationError(form.errors.as_data()))
        return redirect("programs:enrollment", pk=enrollment.pk)
    try:
        services.enrollment_transition(
            actor=request.user,
            enrollment=enrollment,
            action=action,
            reason=form.cleaned_data["reason"],
        )
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _action_done(action, enrollment))
    return redirect("programs:enrollment", pk=enrollment.pk)


def _complete_page(request, enrollment):
    """Asks before completing: how far the programme is, and how many tasks stay undone."""
    if not enrollment.is_open:
        messages.info(request, _("This enrolment has already ended."))
        return redirect("programs:enrollment", pk=enrollment.pk)
    today = selectors.local_today(enrollment)
    context = {
        "enrollment": enrollment,
        "patient": enrollment.patient,  # base.html's patient header
        "day": (today - enrollment.start_date).days + 1,
        "days": (enrollment.end_date - enrollment.start_date).days + 1,
        "open_tasks": selectors.open_task_count(enrollment),
    }
    return render(request, "programs/enrollment_complete.html", context)
