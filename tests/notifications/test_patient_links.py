"""A patient has only the mobile app: their e-mails and push messages never send them to an API
URL (a 401 page in a phone's browser) but to the app's own link, or say to open the app; the
notifications API tells the app what to open. Staff links stay the web pages."""

import datetime
import zoneinfo

import pytest

from appointments import reminders
from appointments import services as appointment_services
from appointments.models import AppointmentType
from core.contributions import AppPage, app_pages
from core.roles import Role
from messaging import services as messaging_services
from notifications import serializers, services, targets
from notifications.models import OutboxMessage
from programs import services as programme_services
from tests.appointments.conftest import add_hours, local, next_weekday
from tests.labs.factories import GLUCOSE, install_catalogue, make_order, make_patient, make_result
from tests.messaging.factories import make_thread, write
from tests.notes.factories import install as install_notes
from tests.notes.factories import make_note
from tests.notifications.phi import outbound_text
from tests.notifications.test_push import Browser, vapid  # noqa: F401 (Web Push keys)
from tests.patients.factories import portal_user
from tests.programs.factories import enrol, install

API = "/api/v1/notifications"
APP = "https://app.example.org/open"


@pytest.fixture
def patient(clinic):
    return make_patient(clinic)


@pytest.fixture
def me(patient):
    return portal_user(patient)


def subscribe(api_as, user, http_sink) -> Browser:
    browser = Browser()
    response = api_as(user).post(
        f"{API}/devices",
        {"kind": "webpush", "endpoint": f"{http_sink.url}/push/{user.pk}", "keys": browser.keys()},
    )
    assert response.status_code == 201, response.content
    return browser


def mail_to(mailbox, user):
    [mail] = [m for m in mailbox.messages if m["To"] == user.email]
    return mail


def stored_mail_to(user) -> str:
    """Subject and every part (HTML links included) of the e-mail as stored in the outbox."""
    [row] = [r for r in OutboxMessage.objects.all() if user.email in r.recipients]
    return outbound_text(row)


# --- e-mail ---------------------------------------------------------------------------------------
def test_a_patients_email_says_to_open_the_app_and_has_no_api_url(patient, me, mailbox):
    make_result(patient, install_catalogue(patient.clinic)[GLUCOSE], "86")

    body = mailbox.body(mail_to(mailbox, me))
    assert "Open the Health Passport app to see it." in body
    assert "Open it here" not in body
    everything = stored_mail_to(me)
    assert "/api/" not in everything and "http://testserver" not in everything


def test_with_an_app_link_a_patients_email_opens_the_app(patient, me, mailbox, settings):
    settings.PATIENT_APP_LINK = APP
    make_result(patient, install_catalogue(patient.clinic)[GLUCOSE], "86")

    body = mailbox.body(mail_to(mailbox, me))
    assert f"Open it here: {APP}/labs" in body
    assert "Open the Health Passport app" not in body
    everything = stored_mail_to(me)
    assert f"{APP}/labs" in everything  # the button too
    assert "/api/" not in everything and str(patient.pk) not in everything


def test_staff_emails_still_open_the_web_page(staff, patient, me, mailbox, settings):
    settings.PATIENT_APP_LINK = APP
    clinician = staff[Role.CLINICIAN]
    glucose = install_catalogue(patient.clinic)[GLUCOSE]
    order = make_order(patient, actor=clinician, tests=[glucose])
    result = make_result(patient, glucose, "520", order=order)

    body = mailbox.body(mail_to(mailbox, clinician))
    assert f"Open it here: http://testserver/labs/results/{result.pk}/" in body
    assert APP not in stored_mail_to(clinician)
    assert f"{APP}/labs" in mailbox.body(mail_to(mailbox, me))


# --- push -----------------------------------------------------------------------------------------
@pytest.mark.usefixtures("vapid")
@pytest.mark.parametrize(
    ("app_link", "opens"),
    [("", None), ("healthpassport://", "healthpassport://messages/{id}")],
)
def test_a_patients_push_carries_the_target_and_no_web_url(
    app_link, opens, me, patient, staff, api_as, http_sink, settings
):
    settings.PATIENT_APP_LINK = app_link
    browser = subscribe(api_as, me, http_sink)
    thread = make_thread(staff[Role.CLINICIAN], patient)

    payload = browser.decrypt(http_sink.requests[0]["body"])
    assert payload["target"] == {"type": "message_thread", "id": str(thread.pk)}
    if opens is None:
        assert "url" not in payload
    else:
        assert payload["url"] == opens.format(id=thread.pk)
    assert "/api/" not in str(payload) and "testserver" not in str(payload)


@pytest.mark.usefixtures("vapid")
def test_a_staff_push_still_opens_the_web_page(staff, patient, me, api_as, http_sink, settings):
    settings.PATIENT_APP_LINK = APP
    clinician = staff[Role.CLINICIAN]
    browser = subscribe(api_as, clinician, http_sink)
    thread = make_thread(me, patient)
    messaging_services.thread_update(actor=clinician, thread=thread, assigned_to=clinician.pk)
    services.preferences_set(
        actor=clinician,
        items=[{"event": messaging_services.EVENT_PATIENT_MESSAGE, "channels": {"push": True}}],
    )
    write(me, thread, "Thank you")

    payload = browser.decrypt(http_sink.requests[-1]["body"])
    assert payload["url"] == f"http://testserver/messages/{thread.pk}/"
    assert "target" not in payload


# --- the notifications API ------------------------------------------------------------------------
def a_lab_result(patient, staff):
    make_result(patient, install_catalogue(patient.clinic)[GLUCOSE], "86")
    return "lab_results", str(patient.pk), "/labs"


def a_message_from_the_clinic(patient, staff):
    thread = make_thread(staff[Role.CLINICIAN], patient)
    return "message_thread", str(thread.pk), f"/messages/{thread.pk}"


def todays_programme_tasks(patient, staff):
    install(patient.clinic)
    enrollment = enrol(staff[Role.CLINICIAN], patient)
    services.notify(
        event=programme_services.EVENT_TASKS_TODAY,
        recipients=[patient.user],
        obj=enrollment,
    )
    return "programme_tasks", str(enrollment.pk), f"/programmes/{enrollment.pk}/tasks"


def an_appointment_reminder(patient, staff):
    clinic, clinician = patient.clinic, staff[Role.CLINICIAN]
    appointment_services.types_install(clinic=clinic)
    add_hours(clinic, clinician)
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    [appointment] = appointment_services.appointment_book(
        actor=staff[Role.RECEPTIONIST],
        patient=patient,
        provider_id=clinician.pk,
        type_id=AppointmentType.objects.get(clinic=clinic, name="Follow-up").pk,
        start=local(next_weekday(0, 2, tz), "10:00", tz),
    )
    assert reminders.reminders_send(now=appointment.start - datetime.timedelta(hours=1)) == 1
    return "appointment", str(appointment.pk), f"/appointments/{appointment.pk}"


def a_shared_note(patient, staff):
    install_notes(patient.clinic)
    note = make_note(staff[Role.CLINICIAN], patient, signed=True, shared=True)
    return "note", str(note.pk), f"/notes/{note.pk}"


HAPPENINGS = [
    a_lab_result,
    a_message_from_the_clinic,
    todays_programme_tasks,
    an_appointment_reminder,
    a_shared_note,
]


@pytest.mark.parametrize("happen", HAPPENINGS)
def test_the_api_tells_the_patients_app_what_to_open(happen, patient, me, staff, api_as, settings):
    settings.PATIENT_APP_LINK = APP
    kind, record_id, app_path = happen(patient, staff)

    [notification] = api_as(me).get(f"{API}/").json()["results"]
    assert notification["target"] == {"type": kind, "id": record_id}
    assert notification["link"].startswith("/api/v1/")  # what the app fetches, as before
    assert api_as(me).get(notification["link"]).status_code == 200
    assert targets.app_link(notification["link"]) == APP + app_path


@pytest.mark.urls("tests.notifications.moved_api_urls")
@pytest.mark.parametrize("happen", HAPPENINGS)
def test_links_follow_their_route_when_it_moves(happen, patient, me, staff, api_as, settings):
    """Each app's link is reversed from the route its AppPage names: a route that moves keeps
    the target and the app's link (a written-out path would leave them empty)."""
    settings.PATIENT_APP_LINK = APP
    kind, record_id, app_path = happen(patient, staff)

    [notification] = api_as(me).get("/api/next/v1/notifications/").json()["results"]
    assert notification["link"].startswith("/api/next/v1/")
    assert notification["target"] == {"type": kind, "id": record_id}
    assert api_as(me).get(notification["link"]).status_code == 200
    assert targets.app_link(notification["link"]) == APP + app_path


def test_each_link_keeps_the_form_its_notifications_always_had():
    """Stored notifications, apps and tests compare links as strings: the trailing slash of
    each stays as it was."""
    links = {page.target: page.api_link("ID") for page in app_pages}
    assert links == {
        "appointment": "/api/v1/appointments/ID/",
        "lab_results": "/api/v1/patients/ID/labs",
        "message_thread": "/api/v1/messages/threads/ID/",
        "note": "/api/v1/notes/ID/",
        "programme_tasks": "/api/v1/enrollments/ID/tasks/",
    }


@pytest.fixture
def appointments_page_moved():
    """The appointments app contributing another page of the patient's app for its route."""
    contributed = app_pages.get("api-appointment")
    moved = AppPage(route="api-appointment", target="visit", path="/visits/{id}")
    app_pages.register(moved.key, moved)
    yield moved
    app_pages.register(contributed.key, contributed)


def test_a_notification_follows_the_page_its_app_contributes(
    appointments_page_moved, patient, me, staff, api_as, settings
):
    settings.PATIENT_APP_LINK = APP
    _kind, record_id, _app_path = an_appointment_reminder(patient, staff)

    [notification] = api_as(me).get(f"{API}/").json()["results"]
    assert notification["target"] == {"type": "visit", "id": record_id}
    assert targets.app_link(notification["link"]) == f"{APP}/visits/{record_id}"


def test_a_staff_notification_has_no_target(patient, staff, api_as):
    clinician = staff[Role.CLINICIAN]
    glucose = install_catalogue(patient.clinic)[GLUCOSE]
    make_result(
        patient, glucose, "520", order=make_order(patient, actor=clinician, tests=[glucose])
    )

    [notification] = api_as(clinician).get(f"{API}/").json()["results"]
    assert notification["link"].startswith("/labs/results/")
    assert notification["target"] is None


def test_the_schema_offers_the_target_types_the_apps_contribute(appointments_page_moved, client):
    """The enum is read when the schema is built, so a page contributed after the serializers
    were imported is in it (and one replaced is not)."""
    assert serializers.NotificationTargetSerializer  # imported before the page was contributed
    schema = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    ref = schema["NotificationTarget"]["properties"]["type"]["allOf"][0]["$ref"]
    enum = schema[ref.rsplit("/", 1)[-1]]["enum"]
    assert sorted(enum) == sorted(page.target for page in app_pages)
    assert "visit" in enum and "appointment" not in enum
