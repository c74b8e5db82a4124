"""The staff pages: inbox (tabs, urgent first, unread bold, search, category), thread page
(marks read, polling, internal remarks distinct, saved replies, actions, asides), the patient
page's Messages panel and "start a thread", settings."""

import html
import re

import pytest
from django.test import Client

from accounts.models import AuditEvent
from core.contributions import Aside, asides
from messaging import services
from messaging.models import MessagingSettings, SavedReply, Thread
from tests.messaging.factories import make_thread, write
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_inbox_tabs_urgent_first_unread_bold_and_nav_count(patient_user, clinician, nurse):
    read = make_thread(patient_user, patient_user.patient_record, subject="Already read")
    services.thread_read(actor=nurse, thread=read)
    urgent = make_thread(patient_user, patient_user.patient_record, subject="Chest pain")
    services.thread_update(actor=clinician, thread=urgent, urgent=True)
    mine = make_thread(patient_user, patient_user.patient_record, subject="Mine")
    services.thread_update(actor=clinician, thread=mine, assigned_to=nurse.pk)
    page = browser(nurse).get("/messages/?tab=open").content.decode()
    assert page.index("Chest pain") < page.index("Mine") < page.index("Already read")
    assert page.count('class="fw-bold"') == 2  # Chest pain and Mine are unread for the nurse
    assert 'id="messages-unread">2<' in page
    team = browser(nurse).get("/messages/?tab=team").content.decode()
    assert "Chest pain" in team and "Mine" not in team
    assigned = browser(nurse).get("/messages/").content.decode()  # "assigned to me" first
    assert "Mine" in assigned and "Chest pain" not in assigned


def test_inbox_search_and_category(patient_user, clinician, clinic):
    make_thread(
        patient_user, patient_user.patient_record, subject="Refill please", category="refill"
    )
    other = PatientFactory(clinic=clinic, first_name="Zed", last_name="Quinn")
    make_thread(clinician, other, subject="Your appointment", category="appointment")
    client = browser(clinician)
    assert "Your appointment" in client.get("/messages/?tab=open&q=quinn").content.decode()
    assert "Refill please" not in client.get("/messages/?tab=open&q=quinn").content.decode()
    page = client.get("/messages/?tab=open&category=refill").content.decode()
    assert "Refill please" in page and "Your appointment" not in page


def test_inbox_query_count_stays_flat(patient_user, clinician, django_assert_max_num_queries):
    client = browser(clinician)
    make_thread(patient_user, patient_user.patient_record)
    with django_assert_max_num_queries(14) as few:
        client.get("/messages/?tab=open")
    for n in range(12):
        make_thread(patient_user, patient_user.patient_record, subject=f"Thread {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/messages/?tab=open").status_code == 200


def test_thread_page_marks_read_and_shows_remarks_apart(patient_user, clinician, nurse, clinic):
    SavedReply.objects.create(clinic=clinic, title="Book a visit", text="Please book a visit.")
    thread = make_thread(patient_user, patient_user.patient_record, text="My rash")
    write(nurse, thread, "Photo looks fine", internal=True)
    client = browser(clinician)
    page = client.get(f"/messages/{thread.pk}/").content.decode()
    assert "My rash" in page and "Photo looks fine" in page
    assert "Internal remark — not shown to the patient" in page
    assert "Book a visit" in page and "messaging/thread.js" in page
    assert 'id="messages-unread"' not in page  # opening the page read everything
    assert client.get(f"/messages/{thread.pk}/poll/?after=2").status_code == 204
    assert client.get(f"/messages/{thread.pk}/poll/?after=²").status_code == 200  # from the start
    write(patient_user, thread, "Still itchy")
    poll = client.get(f"/messages/{thread.pk}/poll/?after=2")
    assert poll.status_code == 200 and "Still itchy" in poll.content.decode()
    assert "My rash" not in poll.content.decode()
    assert services.selectors.unread_count(actor=clinician) == 0


def test_reply_assign_urgent_close_from_the_page(patient_user, clinician, nurse):
    thread = make_thread(patient_user, patient_user.patient_record)
    client = browser(clinician)
    assert client.post(f"/messages/{thread.pk}/reply/", {"text": "Hello"}).status_code == 302
    refused = client.post(f"/messages/{thread.pk}/reply/", {"text": ""})
    assert (
        refused.status_code == 200
        and "Write a message or attach a file." in refused.content.decode()
    )
    client.post(f"/messages/{thread.pk}/manage/", {"action": "assign", "assigned_to": nurse.pk})
    client.post(f"/messages/{thread.pk}/manage/", {"action": "urgent"})
    client.post(f"/messages/{thread.pk}/manage/", {"action": "close"})
    thread.refresh_from_db()
    assert (thread.assigned_to_id, thread.urgent, thread.status) == (nurse.pk, True, "closed")
    client.post(f"/messages/{thread.pk}/manage/", {"action": "assign", "assigned_to": ""})
    thread.refresh_from_db()
    assert thread.assigned_to_id is None


def test_the_thread_page_renders_the_asides_of_other_apps(patient_user, clinician):
    thread = make_thread(patient_user, patient_user.patient_record)
    asides.register(
        "test.aside",
        Aside(
            key="test.aside",
            record="messaging.thread",
            template="messaging/tests/aside.html",
            permission="messaging.view",
            context=lambda actor, obj: {"subject": obj.subject},
        ),
    )
    try:
        page = browser(clinician).get(f"/messages/{thread.pk}/").content.decode()
    finally:
        asides._items.pop("test.aside")
    assert "Aside for Rash getting worse" in page


def test_the_front_desk_starts_only_threads_of_categories_it_may_read(patient, receptionist):
    """The form opened on "Clinical question", which the front desk may not write in: it
    answered "Your role does not allow threads of this category." after the message was typed."""
    desk = browser(receptionist)

    page = desk.get(f"/messages/patients/{patient.pk}/new/").content.decode()
    refused = desk.post(
        f"/messages/patients/{patient.pk}/new/",
        {"subject": "Your results", "category": "clinical", "text": "Please call us"},
    )
    started = desk.post(
        f"/messages/patients/{patient.pk}/new/",
        {"subject": "Your visit", "category": "appointment", "text": "See you Monday"},
    )

    offered = re.findall(
        r'<option value="(\w+)"', page.split('name="category"')[1].split("</select>")[0]
    )
    assert offered == ["appointment", "billing"]
    assert "Select a valid choice." in refused.content.decode()
    assert started.status_code == 302
    assert list(Thread.objects.values_list("subject", "category")) == [
        ("Your visit", "appointment")
    ]


def test_patient_panel_and_start_a_thread(patient, clinician):
    page = browser(clinician).get(f"/patients/{patient.pk}/").content.decode()
    assert "Start a thread" in page
    response = browser(clinician).post(
        f"/messages/patients/{patient.pk}/new/",
        {"subject": "Your results", "category": "clinical", "text": "Please call us"},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response.url == f"/messages/{thread.pk}/"
    assert "Your results" in browser(clinician).get(f"/patients/{patient.pk}/").content.decode()


def test_more_threads_lists_this_patients_threads_of_every_status_by_id(patient, clinician, clinic):
    """Not a surname search: no other Silva, no subject naming one, the closed threads kept,
    and the name on the page instead of in the address."""
    for n in range(10):
        make_thread(clinician, patient, subject=f"Follow-up {n}")
    closed = make_thread(clinician, patient, subject="Old question")
    services.thread_update(actor=clinician, thread=closed, status="closed")
    namesake = PatientFactory(clinic=clinic, first_name="Rui", last_name="Silva")
    make_thread(clinician, namesake, subject="Rui's refill")
    other = PatientFactory(clinic=clinic, first_name="Zed", last_name="Quinn")
    make_thread(clinician, other, subject="About Silva results")
    client = browser(clinician)

    panel = client.get(f"/patients/{patient.pk}/").content.decode()
    [link] = re.findall(r'href="([^"]*)">More threads<', panel)
    page = client.get(html.unescape(link)).content.decode()

    assert "Silva" not in link and patient.pk in link
    assert "Messages — Ana Silva" in page
    assert "Old question" in page and "Follow-up 9" in page
    assert "Silva, Rui" not in page and "Rui&#x27;s refill" not in page
    assert "About Silva results" not in page
    closed_tab = client.get(f"/messages/?tab=closed&patient={patient.pk}").content.decode()
    assert "Old question" in closed_tab and "Follow-up 9" not in closed_tab


def test_one_patients_inbox_is_one_audited_read_of_them(patient, clinician):
    """The header names the patient and the rows are theirs: one 'view', not one of each; with
    no thread to list, the header alone is still audited."""
    client = browser(clinician)
    reads = AuditEvent.objects.filter(patient_id=patient.pk, action="view", detail="messages")

    client.get("/messages/", {"tab": "all", "patient": patient.pk})
    assert reads.count() == 1

    make_thread(clinician, patient, subject="Refill")
    client.get("/messages/", {"tab": "all", "patient": patient.pk})
    assert reads.count() == 2


@pytest.mark.parametrize("pid", ["other clinic", "no-such-id", "x" * 300, "' OR 1=1 --"])
def test_a_patient_filter_out_of_reach_or_malformed_shows_nothing(
    pid, patient, clinician, other_patient, other_staff
):
    make_thread(clinician, patient, subject="Ours")
    make_thread(other_staff["clinician"], other_patient, subject="Theirs")
    pid = other_patient.pk if pid == "other clinic" else pid

    response = browser(clinician).get("/messages/", {"tab": "all", "patient": pid})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Unknown patient." in page
    assert "Ours" not in page and "Theirs" not in page and "Okafor" not in page


def test_settings_and_saved_replies(admin_user, clinic):
    client = browser(admin_user)
    client.post(
        "/messages/settings/",
        {
            "form": "settings",
            "response_target_minutes": 45,
            "working_days": ["0", "1", "2", "3", "4"],
            "day_start": "09:00",
            "day_end": "17:00",
        },
    )
    assert MessagingSettings.objects.get(clinic=clinic).response_target_minutes == 45
    client.post("/messages/settings/", {"form": "reply", "title": "Hi", "text": "Hello there"})
    reply = SavedReply.objects.get(clinic=clinic)
    assert client.post(f"/messages/settings/replies/{reply.pk}/delete/").status_code == 302
    assert not SavedReply.objects.exists()


def test_saving_the_settings_keeps_a_colleagues_change_to_the_fields_left_alone(admin_user, clinic):
    """Two admins on the page: the second changes only the day's end; the first's new response
    target stays (each field is judged against what the page showed)."""
    shown = {
        "form": "settings",
        "response_target_minutes": 60,
        "working_days": ["0", "1", "2", "3", "4"],
        "day_start": "09:00",
        "day_end": "17:00",
    }
    initial = {f"initial-{name}": value for name, value in shown.items() if name != "form"}
    client = browser(admin_user)
    client.post("/messages/settings/", {**shown, "response_target_minutes": 60})
    client.post("/messages/settings/", {**shown, **initial, "response_target_minutes": 45})

    client.post("/messages/settings/", {**shown, **initial, "day_end": "18:30"})

    row = MessagingSettings.objects.get(clinic=clinic)
    assert (row.response_target_minutes, row.day_end.strftime("%H:%M")) == (45, "18:30")


def test_a_form_the_settings_page_does_not_have_is_refused_with_a_message(admin_user, clinic):
    client = browser(admin_user)

    response = client.post("/messages/settings/", {"form": "x", "title": "Hi", "text": "Hello"})

    assert response.status_code == 400
    assert "Save the settings or add a saved reply with their buttons." in response.content.decode()
    assert not SavedReply.objects.exists()
