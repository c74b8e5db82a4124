"""A check-in refused on the enrolment page shows each refusal under its question (the error
box alone left the nurse to find which select to change)."""

import re

import pytest

from tests.programs.factories import enrol


@pytest.fixture
def web(client, nurse):
    client.force_login(nurse)
    return client


def test_an_unanswered_question_is_marked_where_it_is_asked(web, clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=6)  # the weekly check-in is due on day 6
    task = enrollment.tasks.get(kind="check_in", day=6)

    page = web.post(f"/programs/tasks/{task.pk}/done/", {"answer_0": "yes"}).content.decode()

    feeling = re.search(rf'<select name="answer_1"[^>]*id="task-{task.pk}-answer_1"', page)
    assert feeling and "is-invalid" in feeling.group(0)
    described = re.search(rf'id="task-{task.pk}-answer_1_error"[^>]*>(.*?)</', page, re.S)
    assert described and "Choose a number from 1 to 5" in described.group(1)
    task.refresh_from_db()
    assert task.status == "due"


def test_the_app_still_gets_every_answer_refused_in_words(api_as, clinician, patient, patient_user):
    enrollment = enrol(clinician, patient, days_ago=6)
    task = enrollment.tasks.get(kind="check_in", day=6)
    answer = api_as(patient_user).post(
        f"/api/v1/tasks/{task.pk}/complete", {"answers": {"medication": "yes"}}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["answers"][0] == (
        "Choose Yes or No for “Did you take your medication every day?”."
    )
