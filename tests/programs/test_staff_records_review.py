"""The review of recording tasks on the enrolment page: a reading's decimal comma is read the
clinic's way (never 120,5 → 1205), refusals speak plainly and in the measurement's order, a task
recorded meanwhile says who and when, a done task shows what was recorded, the chart writes the
clinic's dates and keeps a reading's decimals, and a refused form is found at once."""

import datetime
import re

import pytest
from django.utils import timezone

from programs import services
from programs.models import Measurement
from tests.patients.html_factories import page_text
from tests.programs.factories import DIABETES, bp, bp_task, enrol
from tests.programs.test_html import add_points
from tests.programs.test_staff_records_tasks import done_url, task_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, nurse):
    client.force_login(nurse)
    return client


def glucose_task(enrollment):
    return enrollment.tasks.get(step__title="Fasting glucose", day=0)


def enrolment_page(web, enrollment) -> str:
    return page_text(web.get(f"/programs/enrollments/{enrollment.pk}/"))


# --- 1. a decimal comma is a decimal point only where the clinic writes one ----------------------
def test_a_reading_is_typed_as_text_with_the_phone_s_number_pad(web, clinician, patient):
    enrollment = enrol(clinician, patient, name=DIABETES)
    form = task_form(enrolment_page(web, enrollment), glucose_task(enrollment))
    field = re.search(r'<input [^>]*name="value_0"[^>]*>', form)[0]
    assert 'type="text"' in field and 'inputmode="decimal"' in field


def test_a_decimal_comma_is_refused_where_the_clinic_writes_a_point(web, clinician, patient):
    enrollment = enrol(clinician, patient, name=DIABETES)
    task = glucose_task(enrollment)
    response = web.post(done_url(task), {"value_0": "120,5"})
    assert response.status_code == 200
    form = task_form(page_text(response), task)
    assert "Write 1205 or 120.5: a comma is not read as a decimal point here." in form
    assert 'value="120,5"' in form  # what was typed, to correct
    task.refresh_from_db()
    assert task.status == "due" and not Measurement.objects.exists()


def test_a_decimal_comma_is_the_decimal_point_where_the_clinic_writes_one(web, clinician, patient):
    patient.clinic.locale = "es"
    patient.clinic.save(update_fields=["locale"])
    enrollment = enrol(clinician, patient, name=DIABETES)
    task = glucose_task(enrollment)
    page = page_text(web.post(done_url(task), {"value_0": "120,5"}, follow=True))
    assert "120,5 mg/dL" in page  # the message and the done task, written the clinic's way
    assert list(Measurement.objects.values_list("value", flat=True)) == [120.5]
    # "10.000" there is ten thousand or ten: refused, never read as 10.
    weight = enrollment.tasks.get(step__title="Weight", day=0)
    form = task_form(page_text(web.post(done_url(weight), {"value_0": "72.500"})), weight)
    assert 'value="72.500"' in form and "72500" in form  # its advice: 72500 or 72,5
    assert Measurement.objects.count() == 1


# --- 2. a missing answer in plain words ----------------------------------------------------------
def test_missing_check_in_answers_are_asked_for_in_plain_words(web, clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=6)
    task = enrollment.tasks.get(kind="check_in", day=6)
    form = task_form(page_text(web.post(done_url(task), {"answer_2": "Fine"})), task)
    assert "Choose Yes or No for “Did you take your medication every day?”." in form
    assert "Choose a number from 1 to 5 for “How do you feel overall (1–5)?”." in form
    assert "(yes_no)" not in form and "(scale)" not in form
    with pytest.raises(services.ValidationError) as refused:
        services.task_complete(
            actor=clinician, task=task, answers={"medication": True, "feeling": 3}
        )
    assert refused.value.message_dict["answers"] == [
        "Write an answer for “Anything you want your care team to know?”."
    ]
    long = {"answer_0": "yes", "answer_1": "3", "answer_2": "x" * 1001}
    form = task_form(page_text(web.post(done_url(task), long)), task)
    assert (
        "The answer to “Anything you want your care team to know?” is longer than 1000 characters."
        in form
    )


# --- 3. what is missing, in the measurement's order ----------------------------------------------
@pytest.mark.parametrize("typed", [{}, {"value_0": ""}])
def test_missing_values_are_listed_in_the_measurement_s_order(web, clinician, patient, typed):
    enrollment = enrol(clinician, patient)
    task = bp_task(enrollment)
    form = task_form(page_text(web.post(done_url(task), typed)), task)
    assert "Missing: Systolic, Diastolic." in form


# --- 4. recorded from another tab: who and when --------------------------------------------------
def test_a_task_recorded_meanwhile_says_who_recorded_it_and_when(web, clinician, patient):
    enrollment = enrol(clinician, patient)
    task = bp_task(enrollment)
    stale = bp_task(enrollment)  # the second tab's task, read before the first one recorded
    services.task_complete(actor=clinician, task=task, values=bp(120))
    task.refresh_from_db()
    at = timezone.localtime(task.completed_at).strftime("%H:%M")  # the clinic's (London) time
    said = f"{clinician.name} already recorded this task at {at}."
    page = page_text(web.post(done_url(task), {"value_0": "130", "value_1": "85"}, follow=True))
    assert said in page
    with pytest.raises(services.Conflict) as refused:  # claimed between the read and the write
        services.task_complete(actor=clinician, task=stale, values=bp(130, 85))
    assert refused.value.message == f"You already recorded this task at {at}."  # their own
    task.refresh_from_db()
    assert task.values == bp(120) and Measurement.objects.count() == 2


# --- 5. a done task shows what was recorded ------------------------------------------------------
def test_a_done_task_shows_its_values_and_answers(web, clinician, nurse, patient):
    enrollment = enrol(clinician, patient, days_ago=6)
    services.task_complete(actor=nurse, task=bp_task(enrollment, day=6), values=bp(128, 82))
    check_in = enrollment.tasks.get(kind="check_in", day=6)
    services.task_complete(
        actor=nurse,
        task=check_in,
        answers={"medication": False, "feeling": 4, "notes": "Dizzy at night"},
    )
    page = enrolment_page(web, enrollment)
    today = page.split("Today's tasks", 1)[1].split("<h2", 1)[0]
    assert (
        f"Blood pressure — Done · recorded by {nurse.name} · Systolic 128 mmHg, Diastolic 82 mmHg"
        in re.sub(r"<[^>]+>", "", today)
    )
    answers = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", today))
    assert "Did you take your medication every day? No" in answers
    assert "How do you feel overall (1–5)? 4" in answers


# --- 6. the chart: the clinic's dates, a reading's decimals, legible at phone width ---------------
def test_the_chart_writes_the_clinic_s_dates_and_keeps_decimals(web, clinician, patient):
    patient.clinic.locale = "en-US"
    patient.clinic.save(update_fields=["locale"])
    enrollment = enrol(clinician, patient, name=DIABETES)
    add_points(enrollment, "29463-7", [72.5], first_hour=1, unit="kg")
    page = enrolment_page(web, enrollment)
    chart = page.split(">Weight (kg)</title>", 1)[1].split("</svg>", 1)[0]
    day = enrollment.start_date.strftime("%m/%d/%Y")
    assert chart.count(f">{day}</text>") == 2 and enrollment.start_date.isoformat() not in chart
    ticks = re.findall(r'text-anchor="end">([^<]+)</text>', chart)
    assert "72.5" in ticks and "72" not in ticks
    assert f"{day}: 72.5 kg" in chart


# --- 7. a refused form is found at once ----------------------------------------------------------
def test_a_refused_form_is_linked_from_the_top_and_focused(web, clinician, patient):
    enrollment = enrol(clinician, patient)
    task = bp_task(enrollment)
    page = page_text(web.post(done_url(task), {"value_0": "128"}))
    alert = re.search(r'<div class="alert alert-danger" role="alert">.*?</div>', page, re.S)[0]
    assert "“Blood pressure” was not recorded." in alert
    assert f'href="#task-{task.pk}"' in alert and f'<form id="task-{task.pk}"' in page
    assert page.index(alert) < page.index("Today's tasks")
    # static/js/forms.js focuses it, as any refused form (tests/browser/test_forms_js_programmes.py)
    assert "autofocus" not in page
    assert "alert-danger" not in enrolment_page(web, enrollment)


def test_a_yesterday_s_recording_says_the_day_too(clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=1)
    task = bp_task(enrollment)
    services.task_complete(actor=clinician, task=task, values=bp(120))
    yesterday = timezone.now() - datetime.timedelta(days=1)
    task.__class__.objects.filter(pk=task.pk).update(completed_at=yesterday)
    task.refresh_from_db()
    with pytest.raises(services.Conflict) as refused:
        services.task_complete(actor=clinician, task=task, values=bp(130))
    local = timezone.localtime(yesterday)
    assert f"at {local.day} {local.strftime('%b %Y, %H:%M')}." in refused.value.message
