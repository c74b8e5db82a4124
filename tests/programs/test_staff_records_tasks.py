"""Staff record today's tasks for the patient on the enrolment page: a reading with its unit, a
check-in's answers, an education or appointment task done. The same service as the patient's
app validates and audits it (the same refusals, word for word), the task keeps who recorded
it, and only an active enrolment takes it (roles and clinics: test_access_matrix)."""

import datetime
import re

import pytest

from accounts.models import AuditEvent
from programs import services
from programs.models import Measurement, Task
from tests.patients.html_factories import page_text
from tests.programs.factories import audit_mark, audit_rows_since, bp, bp_task, enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, nurse):
    client.force_login(nurse)
    return client


def done_url(task) -> str:
    return f"/programs/tasks/{task.pk}/done/"


def task_form(page: str, task) -> str:
    """The form of one task on the enrolment page ("" when it has none)."""
    match = re.search(rf'<form [^>]*action="{done_url(task)}".*?</form>', page, re.S)
    return match[0] if match else ""


def test_each_of_today_s_tasks_has_its_form_and_a_reading_its_units(web, clinician, patient):
    enrollment = enrol(clinician, patient)
    page = page_text(web.get(f"/programs/enrollments/{enrollment.pk}/"))
    reading = task_form(page, bp_task(enrollment))
    assert "Systolic (mmHg)" in reading and "Diastolic (mmHg)" in reading
    assert "Record reading<span" in reading
    lesson = task_form(page, enrollment.tasks.get(kind="education", day=0))
    assert "Mark done<span" in lesson and 'name="value_' not in lesson


def test_a_nurse_records_a_reading_and_the_page_says_what_and_by_whom(
    web, clinician, nurse, patient
):
    enrollment = enrol(clinician, patient)
    task = bp_task(enrollment)
    mark = audit_mark()
    response = web.post(done_url(task), {"value_0": "128", "value_1": "82"}, follow=True)
    page = page_text(response)
    assert "Recorded for Ana Silva: Blood pressure — Systolic 128 mmHg, Diastolic 82 mmHg." in page
    assert f"Blood pressure — Done · recorded by {nurse.name}" in page
    assert task_form(page, task) == ""  # done: nothing left to record
    task.refresh_from_db()
    assert (task.status, task.completed_by_id, task.values) == ("done", nurse.pk, bp(128, 82))
    assert sorted(Measurement.objects.filter(task=task).values_list("value", flat=True)) == [
        82,
        128,
    ]
    # Audited as the app's completion is: one update of the task, with the patient's id.
    written = audit_rows_since(mark).exclude(action=AuditEvent.Action.VIEW)
    assert list(written.values_list("actor_id", "action", "object_id", "patient_id", "detail")) == [
        (nurse.pk, AuditEvent.Action.UPDATE, task.pk, patient.pk, "done")
    ]


def test_a_refused_reading_keeps_what_was_typed_with_the_api_s_reason(
    web, api_as, clinician, patient, patient_user
):
    enrollment = enrol(clinician, patient)
    task = bp_task(enrollment)
    response = web.post(done_url(task), {"value_0": "900", "value_1": "82"})
    assert response.status_code == 200
    form = task_form(page_text(response), task)
    app = api_as(patient_user).post(
        f"/api/v1/tasks/{task.pk}/complete", {"values": bp(900, 82)}, format="json"
    )
    assert app.status_code == 400
    assert app.json()["errors"]["values"] == ["Systolic 900 is outside 40–300 mmHg."]
    assert "Systolic 900 is outside 40–300 mmHg." in form
    assert 'name="value_0" value="900"' in form and 'name="value_1" value="82"' in form
    missing = task_form(page_text(web.post(done_url(task), {"value_0": "128"})), task)
    assert "Missing: Diastolic." in missing and 'value="128"' in missing
    task.refresh_from_db()
    assert task.status == "due" and not Measurement.objects.exists()


def test_a_check_in_is_recorded_with_its_answers(web, clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=6)  # the weekly check-in is due on day 6
    task = enrollment.tasks.get(kind="check_in", day=6)
    unanswered = task_form(
        page_text(web.post(done_url(task), {"answer_0": "yes", "answer_2": "Dizzy at night"})),
        task,
    )
    assert "Choose a number from 1 to 5 for “How do you feel overall (1–5)?”." in unanswered
    assert 'value="Dizzy at night"' in unanswered
    answers = {"answer_0": "yes", "answer_1": "4", "answer_2": "Dizzy at night"}
    page = page_text(web.post(done_url(task), answers, follow=True))
    assert "Recorded for Ana Silva: “Weekly check-in” done." in page
    assert "Dizzy at night" in page  # the check-in answers' table
    task.refresh_from_db()
    assert task.answers == {"medication": True, "feeling": 4, "notes": "Dizzy at night"}


def test_a_reading_the_patient_sent_says_so_and_the_api_tells_who_recorded(
    web, api_as, clinician, patient, patient_user
):
    enrollment = enrol(clinician, patient)
    services.task_complete(actor=patient_user, task=bp_task(enrollment), values=bp(120))
    lesson = enrollment.tasks.get(kind="education", day=0)
    web.post(done_url(lesson))
    page = page_text(web.get(f"/programs/enrollments/{enrollment.pk}/"))
    assert "Blood pressure — Done · by the patient" in page
    tasks = api_as(patient_user).get(f"/api/v1/enrollments/{enrollment.pk}/tasks/").json()
    assert {t["kind"]: t["recorded_by"] for t in tasks} == {
        "measurement": "patient",
        "education": "staff",
    }


def test_a_task_done_twice_is_refused_with_a_message(web, clinician, patient):
    enrollment = enrol(clinician, patient)
    task = bp_task(enrollment)
    services.task_complete(actor=clinician, task=task, values=bp(120))
    page = page_text(web.post(done_url(task), {"value_0": "130", "value_1": "85"}, follow=True))
    assert f"{clinician.name} already recorded this task at " in page
    task.refresh_from_db()
    assert task.values == bp(120) and task.completed_by_id == clinician.pk


@pytest.mark.parametrize("action", ["pause", "complete", "withdraw"])
def test_a_paused_or_ended_enrolment_takes_nothing(web, clinician, patient, action):
    enrollment = enrol(clinician, patient)
    task = bp_task(enrollment)
    services.enrollment_transition(
        actor=clinician, enrollment=enrollment, action=action, reason="Moved away"
    )
    page = page_text(web.get(f"/programs/enrollments/{enrollment.pk}/"))
    assert task_form(page, task) == ""
    if action == "pause":
        assert "Paused: tasks can be recorded again once the programme is resumed." in page
    state = {"pause": "paused", "complete": "completed", "withdraw": "withdrawn"}[action]
    refused = page_text(web.post(done_url(task), {"value_0": "120", "value_1": "80"}, follow=True))
    assert f"The enrolment is {state}." in refused
    assert Task.objects.get(pk=task.pk).status == "due"


def test_tomorrow_s_task_is_not_taken_today(web, clinician, patient):
    enrollment = enrol(clinician, patient)
    tomorrow = bp_task(enrollment, day=1)
    due = enrollment.start_date + datetime.timedelta(1)
    page = page_text(web.post(done_url(tomorrow), {"value_0": "120", "value_1": "80"}, follow=True))
    assert f"This task is due on {due:%d/%m/%Y}." in page  # as the clinic writes dates
    assert Task.objects.get(pk=tomorrow.pk).status == "due"
