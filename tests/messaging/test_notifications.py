"""Who hears of a message, where, and that no e-mail or push carries its text or subject."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone, translation

from messaging import services
from messaging.models import MessagingSettings, Thread
from notifications.models import Notification, OutboxMessage, Preference, PushMessage
from tests.messaging.factories import make_thread, write
from tests.notifications.phi import outbound_text
from tests.notifications.test_push import Browser

pytestmark = pytest.mark.django_db
SUBJECT, TEXT = "Strange mole on my back", "It is bleeding since Tuesday"


def told(user, event):
    return Notification.objects.filter(recipient=user, event=event)


def test_a_patient_message_goes_to_the_assignee_in_app(patient_user, clinician, nurse):
    thread = make_thread(patient_user, patient_user.patient_record, subject=SUBJECT, text=TEXT)
    services.thread_update(actor=nurse, thread=thread, assigned_to=clinician.pk)
    write(patient_user, thread, TEXT)
    [note] = told(clinician, services.EVENT_PATIENT_MESSAGE)
    assert note.link == f"/messages/{thread.pk}/"
    assert SUBJECT not in note.title and TEXT not in note.title
    assert not told(nurse, services.EVENT_PATIENT_MESSAGE).exists()


def test_the_team_inbox_tells_only_clinicians_and_nurses_who_turned_it_on(
    patient_user, clinician, nurse, admin_user
):
    Preference.objects.create(
        user=nurse, event=services.EVENT_TEAM_MESSAGE, in_app=True, email=False, push=False
    )
    make_thread(patient_user, patient_user.patient_record, subject=SUBJECT, text=TEXT)
    assert told(nurse, services.EVENT_TEAM_MESSAGE).count() == 1
    assert not told(clinician, services.EVENT_TEAM_MESSAGE).exists()
    assert not Notification.objects.filter(recipient=admin_user).exists()


def test_a_staff_reply_reaches_the_patient_by_push_and_email_without_content(
    api_as,
    patient_user,
    clinician,
    http_sink,
    vapid,
    mailbox,
):
    browser = Browser()
    registered = api_as(patient_user).post(
        "/api/v1/notifications/devices",
        {"kind": "webpush", "endpoint": f"{http_sink.url}/push/1", "keys": browser.keys()},
        format="json",
    )
    assert registered.status_code == 201
    thread = make_thread(clinician, patient_user.patient_record, subject=SUBJECT, text=TEXT)
    write(clinician, thread, TEXT + " — please come in")
    assert told(patient_user, services.EVENT_STAFF_REPLY).count() == 2
    [request, _second] = http_sink.requests
    payload = browser.decrypt(request["body"])
    assert payload["title"] == "New message at Riverside Clinic"
    assert payload["body"] == "You have a new message from Riverside Clinic."
    assert "url" not in payload  # no app link configured: a web URL would be a 401 page
    assert payload["target"] == {"type": "message_thread", "id": str(thread.pk)}
    for mail in mailbox.messages:  # the link, and nothing of the text
        body = mailbox.body(mail)
        assert body.startswith("You have a new message from Riverside Clinic.\r\n")
        assert "Open the Health Passport app to see it." in body and "/api/" not in body
    outbound = [outbound_text(r) for r in OutboxMessage.objects.all()]
    outbound += [outbound_text(r) for r in PushMessage.objects.all()]
    assert outbound
    for text in outbound + [mailbox.body(m) for m in mailbox.messages]:
        assert SUBJECT not in text and "bleeding" not in text and "Tuesday" not in text
    assert any("Riverside Clinic" in mailbox.body(m) for m in mailbox.messages)


def test_a_push_reads_in_the_patients_language_not_the_senders(
    api_as, patient_user, clinician, http_sink, vapid
):
    patient_user.language = "es"
    patient_user.save(update_fields=["language"])
    browser = Browser()
    api_as(patient_user).post(
        "/api/v1/notifications/devices",
        {"kind": "webpush", "endpoint": f"{http_sink.url}/push/1", "keys": browser.keys()},
        format="json",
    )
    with translation.override("en"):  # the clinician's request
        make_thread(clinician, patient_user.patient_record, subject=SUBJECT, text=TEXT)

    payload = browser.decrypt(http_sink.requests[0]["body"])
    assert payload["title"] == "Nuevo mensaje en Riverside Clinic"
    assert payload["body"] == "Tiene un mensaje nuevo de Riverside Clinic."


def test_internal_remarks_tell_the_patient_nothing(patient_user, clinician):
    thread = make_thread(patient_user, patient_user.patient_record)
    write(clinician, thread, "Between us", internal=True)
    assert not told(patient_user, services.EVENT_STAFF_REPLY).exists()


def test_an_urgent_thread_left_unanswered_past_the_target_alerts_the_admins_once(
    patient_user, clinician, admin_user, clinic
):
    MessagingSettings.objects.create(clinic=clinic, response_target_minutes=30)
    thread = make_thread(patient_user, patient_user.patient_record, subject=SUBJECT, urgent=True)
    # The patient has waited since a Wednesday 10:00, inside the clinic's working hours.
    wednesday = datetime.datetime(2026, 12, 2, 10, tzinfo=zoneinfo.ZoneInfo(clinic.timezone))
    Thread.objects.filter(pk=thread.pk).update(awaiting_since=wednesday)
    thread.refresh_from_db()
    services.thread_update(actor=clinician, thread=thread, urgent=True)  # staff confirm
    soon = wednesday + datetime.timedelta(minutes=20)
    assert services.urgent_overdue_run(now=soon) == 0
    later = wednesday + datetime.timedelta(minutes=31)
    assert services.urgent_overdue_run(now=later) == 1
    assert services.urgent_overdue_run(now=later) == 0  # once per wait
    [alert] = told(admin_user, services.EVENT_URGENT_OVERDUE)
    assert SUBJECT not in alert.title
    assert not told(clinician, services.EVENT_URGENT_OVERDUE).exists()


def test_an_answered_or_routine_thread_raises_no_alert(patient_user, clinician, admin_user):
    answered = make_thread(patient_user, patient_user.patient_record)
    services.thread_update(actor=clinician, thread=answered, urgent=True)
    write(clinician, answered, "On it")
    make_thread(patient_user, patient_user.patient_record, subject="Routine")
    later = timezone.now() + datetime.timedelta(days=1)
    assert services.urgent_overdue_run(now=later) == 0
    assert Thread.objects.filter(reply_due_at__isnull=False).count() == 0
    assert not told(admin_user, services.EVENT_URGENT_OVERDUE).exists()


def test_a_thread_whose_assignee_left_goes_back_to_the_team_inbox(
    patient_user, clinician, nurse, admin_user
):
    from clinics.services import staff_deactivate
    from messaging import selectors

    thread = make_thread(patient_user, patient_user.patient_record, subject=SUBJECT, text=TEXT)
    services.thread_update(actor=nurse, thread=thread, assigned_to=clinician.pk)
    staff_deactivate(actor=admin_user, user=clinician)

    thread.refresh_from_db()
    assert thread.assigned_to_id is None
    write(patient_user, thread, "It is getting worse")
    # The nurse's inbox holds it again (its unread count moves) and no alert goes to no one.
    assert selectors.unread_count(actor=nurse) > 0
    assert not told(clinician, services.EVENT_PATIENT_MESSAGE).filter(unread=True).exists()


def test_a_new_role_that_does_not_read_a_category_hands_its_threads_on(
    patient_user, clinician, admin_user
):
    from clinics.services import staff_update
    from core.roles import Role

    clinical = make_thread(patient_user, patient_user.patient_record, category="clinical")
    booking = make_thread(patient_user, patient_user.patient_record, category="appointment")
    for thread in (clinical, booking):
        services.thread_update(actor=admin_user, thread=thread, assigned_to=clinician.pk)

    staff_update(actor=admin_user, user=clinician, role=Role.RECEPTIONIST)

    clinical.refresh_from_db()
    booking.refresh_from_db()
    assert clinical.assigned_to_id is None  # the front desk does not read clinical threads
    assert booking.assigned_to_id == clinician.pk  # an appointment thread it still answers


def test_handing_on_closed_threads_costs_the_same_whatever_their_number(
    patient_user, clinician, admin_user
):
    """A long-serving colleague's history of threads is handed on in a fixed number of writes
    (one update, one audit write); only open threads are recounted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import AuditEvent

    def closed_threads(n):
        for _ in range(n):
            thread = make_thread(patient_user, patient_user.patient_record)
            services.thread_update(actor=admin_user, thread=thread, assigned_to=clinician.pk)
            services.thread_update(actor=admin_user, thread=thread, status="closed")

    def queries_to_hand_on():
        clinician.is_active = False
        with CaptureQueriesContext(connection) as seen:
            services.assignments_of_departed(actor=admin_user, user=clinician)
        return len(seen.captured_queries)

    closed_threads(2)
    few = queries_to_hand_on()
    Thread.objects.update(assigned_to=clinician)
    closed_threads(6)
    many = queries_to_hand_on()

    assert many == few
    assert not Thread.objects.filter(assigned_to=clinician).exists()
    handed = AuditEvent.objects.filter(detail__startswith="assigned_to (its assignee")
    assert handed.count() == 2 + 8  # one row a thread, each time
