"""Booking a programme's visit records its appointment task done (appointments.booked, in the
booking's unit); cancelling the visit opens the task again; moving it changes the day shown."""

import datetime
import zoneinfo

import pytest
from django.utils.formats import date_format

from accounts.models import AuditEvent
from appointments.models import Appointment, AppointmentType
from core.roles import Role
from programs import schedule, services
from programs.models import Task
from tests.appointments.conftest import add_hours, local
from tests.patients.factories import PatientFactory
from tests.programs.factories import enrol, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(programs_clinic, clinician):
    add_hours(programs_clinic, clinician)
    return clinician


@pytest.fixture
def receptionist(staff):
    return staff[Role.RECEPTIONIST]


def type_named(clinic, name="Follow-up") -> AppointmentType:
    return AppointmentType.objects.get(clinic=clinic, name=name)


def weekday_from(day: datetime.date) -> datetime.date:
    """`day`, or the Monday after when it falls on a weekend (the provider works weekdays)."""
    return day + datetime.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def at_ten(clinic, day: datetime.date, hhmm="10:00") -> datetime.datetime:
    return local(day, hhmm, zoneinfo.ZoneInfo(clinic.timezone))


def visit_task(enrollment, day=28) -> Task:
    return Task.objects.select_related("completed_by").get(
        enrollment=enrollment, kind="appointment", day=day
    )


def book(api, clinic, patient, provider, day, name="Follow-up", hhmm="10:00", **body):
    body = {
        "patient": patient.pk,
        "provider": provider.pk,
        "type": type_named(clinic, name).pk,
        "start": at_ten(clinic, day, hhmm).isoformat(),
        **body,
    }
    return api.post("/api/v1/appointments/", body, format="json")


def test_staff_booking_on_the_booking_page_records_the_visit_task_done(
    client, receptionist, clinician, patient, provider
):
    """The review visit is due today (day 28, a week's window): the receptionist books it for
    in two days; the enrolment page then reads it done and booked, with no link to book."""
    clinic = patient.clinic
    enrollment = enrol(clinician, patient, days_ago=28)
    day = weekday_from(today(clinic) + datetime.timedelta(days=2))
    follow_up = type_named(clinic)
    search = f"patient={patient.pk}&type={follow_up.pk}&provider={provider.pk}&date={day}"
    client.force_login(receptionist)
    slot = f"{provider.pk}|{at_ten(clinic, day).astimezone(datetime.UTC).isoformat()}"

    assert client.post(f"/appointments/new/?{search}", {"slot": slot}).status_code == 302

    task = visit_task(enrollment)
    appointment = Appointment.objects.get(patient=patient)
    assert (task.status, task.completed_by, task.on_time) == ("done", receptionist, True)
    assert (task.appointment_id, task.booked_for) == (appointment.pk, day)
    assert AuditEvent.objects.filter(
        object_id=task.pk, patient_id=patient.pk, detail="done: visit booked"
    ).exists()
    client.force_login(clinician)
    page = client.get(f"/programs/enrollments/{enrollment.pk}/").content.decode()
    line = page.split("Review visit", 1)[1].split("</li>", 1)[0]
    assert "Done" in line
    assert f"Booked for {date_format(day)}" in line  # the page's date format: 08/12/2026
    assert "Book a visit" not in line


def test_the_patient_booking_in_the_app_closes_the_task_the_app_shows(
    api_as, clinician, patient, patient_user, provider
):
    enrollment = enrol(clinician, patient, days_ago=28)
    api = api_as(patient_user)
    tasks = api.get(f"/api/v1/enrollments/{enrollment.pk}/tasks/").json()
    (visit,) = [t for t in tasks if t["kind"] == "appointment"]
    assert (visit["status"], visit["appointment"], visit["booked_for"]) == ("due", "", None)
    day = weekday_from(today(patient.clinic) + datetime.timedelta(days=2))
    body = {
        "provider": provider.pk,
        "type": visit["booking"]["appointment_type_id"],
        "start": at_ten(patient.clinic, day).isoformat(),
    }

    booked = api.post("/api/v1/appointments/", body, format="json")

    assert booked.status_code == 201, booked.content
    tasks = api.get(f"/api/v1/enrollments/{enrollment.pk}/tasks/").json()
    (visit,) = [t for t in tasks if t["kind"] == "appointment"]
    assert visit["status"] == "done"
    assert visit["recorded_by"] == "patient"
    assert visit["on_time"] is True
    assert visit["appointment"] == booked.json()["id"]
    assert visit["booked_for"] == day.isoformat()


def test_another_type_another_patient_or_another_time_closes_nothing(
    api_as, receptionist, clinician, patient, provider
):
    clinic = patient.clinic
    enrollment = enrol(clinician, patient)  # the review visit is due on day 28, ±7 days
    due = visit_task(enrollment).due_date
    api = api_as(receptionist)
    someone_else = PatientFactory(clinic=clinic, first_name="Kai", last_name="Moreno")
    near = weekday_from(due)

    assert book(api, clinic, patient, provider, near, name="Telehealth").status_code == 201
    assert book(api, clinic, someone_else, provider, near, hhmm="11:00").status_code == 201
    too_late = weekday_from(due + datetime.timedelta(days=8))
    assert book(api, clinic, patient, provider, too_late).status_code == 201
    too_early = weekday_from(today(clinic) + datetime.timedelta(days=2))
    assert book(api, clinic, patient, provider, too_early).status_code == 201

    task = visit_task(enrollment)
    assert (task.status, task.appointment_id, task.completed_by) == ("due", "", None)


def test_a_refused_booking_leaves_the_task_due(api_as, receptionist, clinician, patient, provider):
    clinic = patient.clinic
    enrollment = enrol(clinician, patient, days_ago=28)
    api = api_as(receptionist)
    day = weekday_from(today(clinic) + datetime.timedelta(days=2))
    someone_else = PatientFactory(clinic=clinic, first_name="Kai", last_name="Moreno")
    assert book(api, clinic, someone_else, provider, day).status_code == 201

    taken = book(api, clinic, patient, provider, day)

    assert taken.status_code == 409
    assert visit_task(enrollment).status == "due"
    assert not Appointment.objects.filter(patient=patient).exists()


def test_one_visit_closes_one_task_the_earliest_it_answers(
    api_as, receptionist, clinician, patient, provider
):
    """The hypertension programme's visits are due on days 28 and 77, seven weeks apart."""
    clinic = patient.clinic
    enrollment = enrol(clinician, patient)
    first = weekday_from(visit_task(enrollment, 28).due_date)

    assert book(api_as(receptionist), clinic, patient, provider, first).status_code == 201

    assert [visit_task(enrollment, d).status for d in (28, 77)] == ["done", "due"]


def test_a_series_closes_the_task_each_of_its_visits_answers(
    api_as, receptionist, clinician, patient, provider
):
    clinic = patient.clinic
    enrollment = enrol(clinician, patient)
    first = weekday_from(visit_task(enrollment, 28).due_date)
    weekly = {"frequency": "weekly", "interval": 7, "count": 2}  # days 28 and 77 (+0–2)

    series = book(api_as(receptionist), clinic, patient, provider, first, recurrence=weekly)

    assert series.status_code == 201, series.content
    occurrences = [row["id"] for row in series.json()["occurrences"]]
    tasks = [visit_task(enrollment, d) for d in (28, 77)]
    assert [t.status for t in tasks] == ["done", "done"]
    assert [t.appointment_id for t in tasks] == occurrences


def test_cancelling_the_visit_opens_its_task_again_and_a_new_booking_closes_it(
    api_as, receptionist, clinician, patient, provider
):
    clinic = patient.clinic
    enrollment = enrol(clinician, patient, days_ago=28)
    api = api_as(receptionist)
    day = weekday_from(today(clinic) + datetime.timedelta(days=2))
    appointment = book(api, clinic, patient, provider, day).json()

    cancelled = api.post(
        f"/api/v1/appointments/{appointment['id']}/cancel", {"reason": "Unwell"}, format="json"
    )

    assert cancelled.status_code == 200, cancelled.content
    task = visit_task(enrollment)
    assert (task.status, task.completed_by, task.appointment_id, task.booked_for) == (
        "due", None, "", None,
    )  # fmt: skip
    assert AuditEvent.objects.filter(object_id=task.pk, detail="reopened: visit cancelled").exists()
    later = weekday_from(day + datetime.timedelta(days=1))
    again = book(api, clinic, patient, provider, later)
    task = visit_task(enrollment)
    assert (task.status, task.appointment_id, task.booked_for) == (
        "done",
        again.json()["id"],
        later,
    )


def test_moving_the_visit_moves_the_day_its_task_shows(
    api_as, receptionist, clinician, patient, provider
):
    clinic = patient.clinic
    enrollment = enrol(clinician, patient, days_ago=28)
    api = api_as(receptionist)
    day = weekday_from(today(clinic) + datetime.timedelta(days=2))
    appointment = book(api, clinic, patient, provider, day).json()
    later = weekday_from(day + datetime.timedelta(days=1))

    moved = api.patch(
        f"/api/v1/appointments/{appointment['id']}/",
        {"start": at_ten(clinic, later).isoformat()},
        format="json",
    )

    assert moved.status_code == 200, moved.content
    task = visit_task(enrollment)
    assert (task.status, task.booked_for) == ("done", later)


# --- skipping a task: the body is checked ---------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        ("[1, 2]", "application/json", "Expected a dictionary"),
        ('"skip"', "application/json", "Expected a dictionary"),
        ('{"reason": ', "application/json", "not valid JSON"),
        ('{"reason": 5}', "application/json", "Unknown fields: reason"),
    ],
)
def test_skip_refuses_a_malformed_body(api_as, clinician, patient, body, content_type, words):
    enrollment = enrol(clinician, patient)
    task = enrollment.tasks.get(kind="measurement", day=0)

    answer = api_as(clinician).post(
        f"/api/v1/tasks/{task.pk}/skip", data=body, content_type=content_type
    )

    assert answer.status_code == 400, answer.content
    assert words in answer.json()["detail"]
    task.refresh_from_db()
    assert task.status == "due"


@pytest.mark.parametrize("body", [None, "{}"])
def test_skip_takes_no_body_or_an_empty_object(api_as, clinician, patient, body):
    enrollment = enrol(clinician, patient)
    task = enrollment.tasks.get(kind="measurement", day=0)
    api = api_as(clinician)
    url = f"/api/v1/tasks/{task.pk}/skip"

    answer = api.post(url) if body is None else api.post(url, body, content_type="application/json")

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "skipped"


def test_a_paused_programme_or_a_day_before_the_window_closes_nothing(
    api_as, receptionist, clinician, patient, provider
):
    """The window starts on the due date, as the task's booking offers it; a paused programme
    records no task, as the task's own Done refuses."""
    clinic = patient.clinic
    enrollment = enrol(clinician, patient)
    due = visit_task(enrollment).due_date
    api = api_as(receptionist)
    early = due - datetime.timedelta(days=1)
    while early.weekday() >= 5:
        early -= datetime.timedelta(days=1)
    assert book(api, clinic, patient, provider, early).status_code == 201
    assert visit_task(enrollment).status == "due"

    services.enrollment_transition(actor=clinician, enrollment=enrollment, action="pause")
    assert book(api, clinic, patient, provider, weekday_from(due), hhmm="11:00").status_code == 201

    assert visit_task(enrollment).status == "due"
    assert schedule.booking_window(visit_task(enrollment)) == (due, due + datetime.timedelta(7))


def test_moving_the_visit_out_of_its_window_opens_that_task_and_closes_the_one_it_answers(
    api_as, receptionist, clinician, patient, provider
):
    clinic = patient.clinic
    enrollment = enrol(clinician, patient)
    api = api_as(receptionist)
    appointment = book(
        api, clinic, patient, provider, weekday_from(visit_task(enrollment).due_date)
    )
    second_visit = weekday_from(visit_task(enrollment, 77).due_date)

    moved = api.patch(
        f"/api/v1/appointments/{appointment.json()['id']}/",
        {"start": at_ten(clinic, second_visit).isoformat()},
        format="json",
    )

    assert moved.status_code == 200, moved.content
    first, second = visit_task(enrollment, 28), visit_task(enrollment, 77)
    assert (first.status, first.appointment_id, first.booked_for) == ("due", "", None)
    assert (second.status, second.booked_for) == ("done", second_visit)
    assert AuditEvent.objects.filter(object_id=first.pk, detail="reopened: visit moved").exists()


def test_a_no_show_opens_the_visit_task_again(api_as, receptionist, clinician, patient, provider):
    """The visit the programme asked for did not happen: its task is open again, so the
    enrolment's adherence and its Visits say so and another booking closes it."""
    clinic = patient.clinic
    enrollment = enrol(clinician, patient, days_ago=28)
    api = api_as(receptionist)
    day = weekday_from(today(clinic) + datetime.timedelta(days=2))
    appointment = book(api, clinic, patient, provider, day).json()
    started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    Appointment.objects.filter(pk=appointment["id"]).update(
        start=started, end=started + datetime.timedelta(minutes=20)
    )  # the visit's time has come and gone

    marked = api.post(f"/api/v1/appointments/{appointment['id']}/no-show", format="json")

    assert marked.status_code == 200, marked.content
    task = visit_task(enrollment)
    assert (task.status, task.completed_by, task.appointment_id, task.booked_for) == (
        "due", None, "", None,
    )  # fmt: skip
    assert AuditEvent.objects.filter(
        object_id=task.pk, detail="reopened: patient did not attend"
    ).exists()
    later = weekday_from(day + datetime.timedelta(days=1))
    again = book(api, clinic, patient, provider, later)
    assert visit_task(enrollment).appointment_id == again.json()["id"]
