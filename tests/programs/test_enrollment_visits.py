"""The enrolment page's visits: the appointment tasks outside today's list (missed, booked ahead,
upcoming), each with its booking window, its state and, while it can still be booked, the
link to book it; one read however many there are."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format

from core.roles import Role
from programs import selectors, services
from programs.models import Task
from tests.appointments.conftest import add_hours
from tests.programs.factories import enrol, today
from tests.programs.test_booking_closes_task import book, weekday_from

pytestmark = pytest.mark.django_db

EDUCATION = {"day": 0, "repeat": "daily", "kind": "education", "title": "Read this"}
VISIT = {"day": 0, "repeat": "daily", "kind": "appointment", "title": "Nurse visit",
         "appointment_type": "Follow-up", "window_days": 2}  # fmt: skip


@pytest.fixture
def web(client, clinician):
    client.force_login(clinician)
    return client


def custom(admin_user, name, steps):
    """A published 28-day programme of `steps`."""
    template = services.template_create(actor=admin_user, name=name, duration_days=28, steps=steps)
    return services.template_publish(actor=admin_user, template=template)


def enrol_in(template, clinician, patient):
    return services.enroll(
        actor=clinician, template=template, patient=patient, start_date=today(patient.clinic)
    )


def page_of(web, enrollment) -> str:
    response = web.get(f"/programs/enrollments/{enrollment.pk}/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def visits_of(page: str) -> str:
    return page.split('<ul id="visits">', 1)[1].split("</ul>", 1)[0]


def line_of(page: str, title: str) -> str:
    return visits_of(page).split(title, 1)[1].split("</li>", 1)[0]


def test_a_missed_visit_shows_missed_with_its_window_and_a_link_while_it_is_open(
    web, clinician, patient
):
    """The review visit was due two days ago (day 28, a week to book it): the nightly job
    marked it missed, today's list no longer holds it, and the page still offers to book it."""
    enrollment = enrol(clinician, patient, days_ago=30)
    services.nightly_run()
    due = today(patient.clinic) - datetime.timedelta(days=2)

    page = page_of(web, enrollment)

    line = line_of(page, "Review visit")
    assert "Missed" in line
    last = due + datetime.timedelta(days=7)
    assert f"due {date_format(due)}, book by {date_format(last)}" in line
    assert f"/appointments/new/?patient={patient.pk}" in line
    assert "Book a visit" in line
    final = line_of(page, "Final review")  # day 77: upcoming, bookable in its window
    assert "Due" in final and "Book a visit" in final


def test_a_missed_visit_past_its_window_shows_no_link(web, clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=30)
    services.nightly_run()
    task = Task.objects.get(enrollment=enrollment, kind="appointment", day=28)
    # The window closed yesterday (a shorter window than the step's, as a step saved so).
    Task.objects.filter(pk=task.pk).update(due_date=task.due_date - datetime.timedelta(days=6))

    line = line_of(page_of(web, enrollment), "Review visit")

    assert "Missed" in line
    assert "Book a visit" not in line


def test_a_visit_booked_ahead_shows_the_day_it_is_booked_for(
    api_as, web, staff, clinician, patient
):
    clinic = patient.clinic
    add_hours(clinic, clinician)
    enrollment = enrol(clinician, patient, days_ago=28)  # the review visit is due today
    day = weekday_from(today(clinic) + datetime.timedelta(days=2))
    booked = book(api_as(staff[Role.RECEPTIONIST]), clinic, patient, clinician, day)
    assert booked.status_code == 201, booked.content

    line = line_of(page_of(web, enrollment), "Review visit")

    assert f"Booked for {date_format(day)}" in line
    assert "Book a visit" not in line


def test_an_enrolment_without_appointment_steps_shows_no_visits(
    web, admin_user, clinician, patient
):
    template = custom(admin_user, "Reading", [EDUCATION])
    page = page_of(web, enrol_in(template, clinician, patient))

    assert "Today's tasks" in page
    assert "Visits" not in page


def test_visits_cost_one_read_however_many_and_show_the_nearest(
    web, admin_user, clinician, patient, django_assert_max_num_queries
):
    """A daily visit for 28 days: 28 visits matter, the page lists the nearest 20 and says so,
    with as many queries as a page with no visits section at all."""
    reading = enrol_in(custom(admin_user, "Reading", [EDUCATION]), clinician, patient)
    with CaptureQueriesContext(connection) as without_visits:
        assert "Visits" not in page_of(web, reading)
    visits = enrol_in(custom(admin_user, "Daily visits", [EDUCATION, VISIT]), clinician, patient)

    with django_assert_max_num_queries(len(without_visits)):
        page = page_of(web, visits)

    shown = visits_of(page)
    assert shown.count("<li") == selectors.VISITS_SHOWN
    assert f"Only the nearest {selectors.VISITS_SHOWN} visits are shown." in page
    first = today(patient.clinic)
    assert f"due {date_format(first)}," in shown  # the nearest: today's, then the next days
    assert f"due {date_format(first + datetime.timedelta(days=27))}," not in shown
