"""Programme rules: versions by status, enrolment bounds and its state machine (409 on a move
the state does not allow, on a second completion, on a second active enrolment), values in the
catalogue's unit and within physiological bounds (400), adherence at the edges, goals."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.errors import Conflict
from programs import services
from programs.models import Enrollment, Measurement, ProgramTemplate, Task
from tests.programs.factories import HYPERTENSION, bp, bp_task, enrol, published, today

pytestmark = pytest.mark.django_db
D = datetime.timedelta


def test_new_clinics_get_two_published_programmes(programs_clinic):
    names = set(
        ProgramTemplate.objects.filter(
            clinic=programs_clinic, status=ProgramTemplate.Status.PUBLISHED
        ).values_list("name", flat=True)
    )
    assert names == {"Hypertension — 12 weeks", "Type 2 diabetes — 12 weeks"}


def test_enrolment_generates_every_task_of_the_steps(clinician, patient):
    enrollment = enrol(clinician, patient)
    tasks = enrollment.tasks.all()
    # education once, 84 daily BP, 12 weekly check-ins (day 6, 13, ... 83), two visits
    assert tasks.filter(kind="measurement").count() == 84
    assert tasks.filter(kind="check_in").count() == 12
    assert tasks.filter(kind="appointment").count() == 2
    assert tasks.filter(kind="education").count() == 1
    assert enrollment.end_date == enrollment.start_date + D(83)
    assert enrollment.care_manager == clinician
    last = tasks.filter(kind="measurement").order_by("-due_date").first()
    assert last.due_date == enrollment.end_date


def test_start_date_bounds(clinician, patient):
    now = today(patient.clinic)
    with pytest.raises(ValidationError) as error:
        enrol(clinician, patient, start=now - D(31))
    assert "start_date" in error.value.message_dict
    with pytest.raises(ValidationError):
        enrol(clinician, patient, start=now + D(366))
    assert enrol(clinician, patient, start=now - D(30)).start_date == now - D(30)


def test_enrolling_twice_while_active_or_paused_is_a_conflict(clinician, patient):
    enrollment = enrol(clinician, patient)
    with pytest.raises(Conflict):
        enrol(clinician, patient)
    services.enrollment_transition(actor=clinician, enrollment=enrollment, action="pause")
    with pytest.raises(Conflict):
        enrol(clinician, patient)
    services.enrollment_transition(
        actor=clinician, enrollment=enrollment, action="withdraw", reason="Moved away"
    )
    again = enrol(clinician, patient)  # allowed once the first has ended
    assert again.pk != enrollment.pk
    assert enrol(clinician, patient, name="Type 2 diabetes — 12 weeks").state == "active"


@pytest.mark.parametrize(
    "state, action",
    [
        ("active", "resume"),
        ("paused", "pause"),
        ("completed", "pause"),
        ("completed", "resume"),
        ("completed", "complete"),
        ("withdrawn", "complete"),
    ],
)
def test_transitions_the_state_does_not_allow_are_conflicts(clinician, patient, state, action):
    enrollment = enrol(clinician, patient)
    route = {"paused": ["pause"], "completed": ["complete"], "withdrawn": ["withdraw"]}
    for step in route.get(state, []):
        services.enrollment_transition(
            actor=clinician, enrollment=enrollment, action=step, reason="r"
        )
    with pytest.raises(Conflict):
        services.enrollment_transition(
            actor=clinician, enrollment=enrollment, action=action, reason="r"
        )
    assert Enrollment.objects.get(pk=enrollment.pk).state == state


def test_withdrawal_needs_a_reason(clinician, patient):
    enrollment = enrol(clinician, patient)
    with pytest.raises(ValidationError):
        services.enrollment_transition(actor=clinician, enrollment=enrollment, action="withdraw")


def test_a_stale_copy_cannot_move_the_state_twice(clinician, patient):
    enrollment = enrol(clinician, patient)
    stale = Enrollment.objects.get(pk=enrollment.pk)
    services.enrollment_transition(actor=clinician, enrollment=enrollment, action="pause")
    with pytest.raises(Conflict):  # compare-and-set on the state it read
        services.enrollment_transition(actor=clinician, enrollment=stale, action="pause")


def test_completing_a_measurement_stores_values_and_flags_off_target(clinician, patient):
    enrollment = enrol(clinician, patient)
    task = services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(142, 85))
    assert task.status == Task.Status.DONE and task.on_time
    rows = Measurement.objects.filter(enrollment=enrollment).order_by("code")
    assert [(m.code, m.value, m.unit, m.off_target) for m in rows] == [
        ("8462-4", 85, "mm[Hg]", True),
        ("8480-6", 142, "mm[Hg]", True),
    ]
    enrollment.refresh_from_db()
    assert enrollment.off_target is True and enrollment.last_activity_at is not None
    with pytest.raises(Conflict):
        services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(120))


@pytest.mark.parametrize(
    "values, message",
    [
        (bp(128, unit="kPa"), "mm[Hg]"),
        (bp(900), "outside"),
        ([{"code": "8480-6", "value": 128, "unit": "mm[Hg]"}], "Missing"),
        ([{"code": "2339-0", "value": 100, "unit": "mg/dL"}], "Unexpected"),
        (bp("128"), "number"),
    ],
)
def test_wrong_unit_out_of_bounds_or_missing_values_are_refused(
    clinician, patient, values, message
):
    enrollment = enrol(clinician, patient)
    with pytest.raises(ValidationError) as error:
        services.task_complete(actor=clinician, task=bp_task(enrollment), values=values)
    assert message in " ".join(error.value.message_dict["values"])
    assert bp_task(enrollment).status == Task.Status.DUE


def test_a_task_cannot_be_completed_before_its_due_date(clinician, patient):
    enrollment = enrol(clinician, patient)
    with pytest.raises(Conflict):
        services.task_complete(actor=clinician, task=bp_task(enrollment, day=1), values=bp(120))


def test_no_completion_while_paused_or_after_the_end(clinician, patient):
    enrollment = enrol(clinician, patient)
    services.enrollment_transition(actor=clinician, enrollment=enrollment, action="pause")
    with pytest.raises(Conflict):
        services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(120))
    services.enrollment_transition(actor=clinician, enrollment=enrollment, action="complete")
    with pytest.raises(Conflict):
        services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(120))


def test_check_in_answers_are_checked_by_question_type(clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=6)
    task = enrollment.tasks.select_related("step", "enrollment__clinic").get(kind="check_in", day=6)
    with pytest.raises(ValidationError):
        services.task_complete(
            actor=clinician, task=task, answers={"medication": "yes", "feeling": 9}
        )
    done = services.task_complete(
        actor=clinician, task=task, answers={"medication": True, "feeling": 4, "notes": " ok "}
    )
    assert done.answers == {"medication": True, "feeling": 4, "notes": "ok"}


# --- adherence -----------------------------------------------------------------------------------
def test_adherence_with_nothing_due_is_none_and_all_skipped_is_zero():
    day = datetime.date(2026, 3, 10)
    assert services.adherence_from([], day) is None
    assert services.adherence_from([(day, "due", False)], day) is None  # still time today
    skipped = [(day - D(n), "skipped", False) for n in range(1, 5)]
    assert services.adherence_from(skipped, day) == 0


def test_adherence_counts_on_time_work_of_the_last_14_days():
    day = datetime.date(2026, 3, 10)
    rows = [
        (day - D(15), "missed", False),  # outside the window
        (day - D(14), "done", True),
        (day - D(3), "done", False),  # late
        (day - D(2), "missed", False),
        (day - D(1), "done", True),
        (day, "done", True),  # today's, done
        (day, "due", False),  # today's, not yet: not counted
    ]
    assert services.adherence_from(rows, day) == 60  # 3 of 5


def test_late_completion_of_a_missed_task_does_not_count_as_on_time(clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=3)
    services.nightly_run()
    task = bp_task(enrollment, day=0)
    assert task.status == Task.Status.MISSED
    done = services.task_complete(actor=clinician, task=task, values=bp(120))
    assert done.status == Task.Status.DONE and done.on_time is False
    enrollment.refresh_from_db()
    assert enrollment.adherence == 0  # 3 days of BP + the education task, none on time


# --- goals ---------------------------------------------------------------------------------------
def test_goals_average_and_count(clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=2)
    statuses = {g["goal"].kind: g for g in services.goals_status(enrollment)}
    assert statuses["average"]["status"] == "no_data"
    assert statuses["count"]["status"] == "not_achieved" and statuses["count"]["current"] == 0
    for day, systolic in ((0, 124), (1, 128), (2, 138)):
        services.task_complete(
            actor=clinician, task=bp_task(enrollment, day=day), values=bp(systolic)
        )
    statuses = {g["goal"].kind: g for g in services.goals_status(enrollment)}
    assert statuses["average"]["current"] == pytest.approx(130.0)
    assert statuses["average"]["status"] == "not_achieved"  # < 130 wanted
    assert statuses["count"]["current"] == 3


# --- versions ------------------------------------------------------------------------------------
def test_a_new_version_leaves_running_enrolments_on_theirs(admin_user, clinician, patient):
    v1 = published(patient.clinic, HYPERTENSION)
    enrollment = enrol(clinician, patient)
    with pytest.raises(Conflict):
        services.template_update(actor=admin_user, template=v1, name="Edited in place")
    v2, _created = services.template_new_version(actor=admin_user, template=v1)
    assert (v2.version, v2.status, v2.lineage) == (2, "draft", v1.lineage)
    services.template_update(actor=admin_user, template=v2, duration_days=112)
    services.template_publish(actor=admin_user, template=v2)
    v1.refresh_from_db()
    assert v1.status == ProgramTemplate.Status.RETIRED
    enrollment.refresh_from_db()
    assert enrollment.template_id == v1.pk and enrollment.end_date == enrollment.start_date + D(83)
    with pytest.raises(Conflict):
        services.template_publish(actor=admin_user, template=v2)
    with pytest.raises(ValidationError):
        services.enroll(
            actor=clinician, template=v1, patient=patient, start_date=enrollment.start_date
        )


def test_a_version_shortened_past_its_steps_is_not_published(admin_user, patient):
    """A step after the last day would never be scheduled: publishing says which, and the
    running version stays the one enrolments get."""
    v1 = published(patient.clinic, HYPERTENSION)
    v2, _created = services.template_new_version(actor=admin_user, template=v1)
    services.template_update(actor=admin_user, template=v2, duration_days=56)
    late = v2.steps.filter(day__gt=55).order_by("day").first()

    with pytest.raises(ValidationError) as refused:
        services.template_publish(actor=admin_user, template=v2)

    assert f"“{late.title}”" in str(refused.value) and "(day 55)" in str(refused.value)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("published", "draft")


@pytest.mark.parametrize(
    "step",
    [
        {"kind": "measurement", "title": "BP", "measure": "blood_pressure", "targets": {"x": 5}},
        {"kind": "measurement", "title": "BP", "measure": "weight", "targets": {"8480-6": {}}},
        {"kind": "check_in", "title": "Q", "questions": ["how?"]},
        {"kind": "check_in", "title": "Q", "questions": [{"key": "a", "type": "essay"}]},
        {"kind": "measurement", "title": "BP"},
        {"kind": "education", "title": "Read", "repeat": "every_n_days"},
    ],
)
def test_malformed_steps_are_400(admin_user, programs_clinic, step):
    with pytest.raises(ValidationError):
        services.template_create(actor=admin_user, name="Bad", steps=[step])
