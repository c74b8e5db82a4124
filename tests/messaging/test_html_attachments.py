"""Files sent from the staff reply box and the "start a thread" form: stored by the files app
under its rules, shown with previews in the thread, and all or nothing when one is refused."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent
from files.models import StoredFile
from messaging.models import Message, MessageAttachment, Thread
from tests.files.factories import pdf_bytes, png_bytes
from tests.messaging.factories import make_thread
from tests.messaging.test_html import browser
from tests.patients.html_factories import field_error

pytestmark = pytest.mark.django_db


def stored_bytes(settings) -> list[Path]:
    root = Path(settings.STORAGES["files"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def png(name="rash.png"):
    return SimpleUploadedFile(name, png_bytes())


def reply(user, thread, **data):
    return browser(user).post(f"/messages/{thread.pk}/reply/", data)


def test_files_from_the_reply_box_are_stored_attached_and_previewed(
    patient_user, clinician, patient
):
    thread = make_thread(patient_user, patient)
    response = reply(
        clinician,
        thread,
        text="Here is the leaflet",
        attachments=[png(), SimpleUploadedFile("leaflet.pdf", pdf_bytes())],
    )
    assert response.status_code == 302
    message = Message.objects.get(thread=thread, seq=2)
    titles = set(MessageAttachment.objects.filter(message=message).values_list("title", flat=True))
    assert titles == {"rash", "leaflet"}
    for stored in StoredFile.objects.all():
        assert (stored.patient_id, stored.target_type) == (patient.pk, "message_thread")
        assert stored.target_id == thread.pk and stored.shared_with_patient
    page = browser(clinician).get(f"/messages/{thread.pk}/").content.decode()
    image = StoredFile.objects.get(content_type="image/png")
    assert f'src="/files/{image.pk}/preview/"' in page  # the picture, previewed inline
    assert "leaflet" in page
    assert 'enctype="multipart/form-data"' in page
    [file_input] = re.findall(r'<input[^>]*name="attachments"[^>]*>', page)
    assert 'type="file"' in file_input and " multiple" in file_input  # the reply box takes files
    # The patient reads both through the API, with the files app's download links.
    [sent] = [m for m in thread_messages(patient_user, thread) if m["seq"] == 2]
    assert {a["title"] for a in sent["attachments"]} == {"rash", "leaflet"}


def thread_messages(user, thread):
    from tests.conftest import bearer_client

    return bearer_client(user).get(f"/api/v1/messages/threads/{thread.pk}/messages/").json()


def test_a_file_alone_is_a_message_and_an_internal_one_is_not_shared(
    patient_user, clinician, patient
):
    thread = make_thread(patient_user, patient)
    assert reply(clinician, thread, attachments=[png()], internal="on").status_code == 302
    message = Message.objects.get(thread=thread, seq=2)
    assert message.internal and message.text == ""
    assert not StoredFile.objects.get().shared_with_patient


def assert_nothing_written(thread, settings, *, messages=1):
    assert Message.objects.filter(thread=thread).count() == messages
    assert not StoredFile.objects.exists()
    assert not MessageAttachment.objects.exists()
    assert stored_bytes(settings) == []


def test_an_oversized_file_is_a_form_error_and_writes_nothing(
    patient_user, clinician, patient, settings
):
    settings.FILE_MAX_MB = 1
    thread = make_thread(patient_user, patient)
    big = SimpleUploadedFile("scan.pdf", pdf_bytes() + b"\0" * (1024 * 1024 + 1))
    response = reply(clinician, thread, text="See attached", attachments=[png(), big])
    assert response.status_code == 200
    assert "larger than the limit of 1 MB" in response.content.decode()
    assert 'name="text"' in response.content.decode() and "See attached" in (
        response.content.decode()
    )  # the reply box keeps what was typed
    assert_nothing_written(thread, settings)
    # Where the database rolled the unit back no file was ever recorded; where it cannot (a
    # standalone MongoDB server) each stored-then-removed file has its removal audited too.
    files_audit = AuditEvent.objects.filter(object_type="files.StoredFile")
    created = set(files_audit.filter(action="create").values_list("object_id", flat=True))
    removed = set(files_audit.filter(action="delete").values_list("object_id", flat=True))
    assert created == removed


def test_a_forbidden_type_after_a_good_file_leaves_neither(
    patient_user, clinician, patient, settings
):
    thread = make_thread(patient_user, patient)
    program = SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\0" * 200)
    response = reply(clinician, thread, text="Two files", attachments=[png(), program])
    assert response.status_code == 200
    said = field_error(response, "attachments")  # by the field, not at the top of the form
    assert "This kind of file (.exe) is not accepted." in said
    assert "The files you chose were not sent: choose them again." in said
    assert_nothing_written(thread, settings)


def test_files_chosen_with_a_refused_message_are_asked_for_again(patient, clinician, settings):
    response = browser(clinician).post(
        f"/messages/patients/{patient.pk}/new/",
        {"subject": "", "category": "clinical", "text": "See", "attachments": [png()]},
    )
    assert response.status_code == 200
    assert field_error(response, "attachments") == (
        "The files you chose were not sent: choose them again."
    )
    assert not StoredFile.objects.exists()


def test_a_role_that_may_not_send_files_is_offered_none(
    patient_user, receptionist, clinician, patient, settings
):
    """The front desk may not store files of the category messages use: its reply box and its
    new-thread form have no file field (it offered one, and refused every file sent with it), and
    a file posted anyway (a page opened before) is a form error: nothing is sent or kept."""
    thread = make_thread(patient_user, patient, category="appointment")
    file_field = re.compile(r'<input[^>]*name="attachments"')
    for page in (f"/messages/{thread.pk}/", f"/messages/patients/{patient.pk}/new/"):
        assert not file_field.search(browser(receptionist).get(page).content.decode())
        assert file_field.search(browser(clinician).get(page).content.decode())

    response = reply(receptionist, thread, text="Your slip", attachments=[png()])

    assert response.status_code == 200
    assert "Your role does not send files with messages" in response.content.decode()
    assert_nothing_written(thread, settings)
    assert reply(receptionist, thread, text="Your slip").status_code == 302


def test_start_a_thread_with_a_file(patient, clinician, settings):
    response = browser(clinician).post(
        f"/messages/patients/{patient.pk}/new/",
        {"subject": "Your letter", "category": "clinical", "attachments": [png("letter.png")]},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    [attachment] = MessageAttachment.objects.filter(thread=thread)
    assert attachment.title == "letter"
    assert StoredFile.objects.get().target_type == "patient"


def test_start_a_thread_with_a_refused_file_writes_nothing(patient, clinician, settings):
    settings.FILE_MAX_MB = 1
    big = SimpleUploadedFile("scan.pdf", pdf_bytes() + b"\0" * (1024 * 1024 + 1))
    response = browser(clinician).post(
        f"/messages/patients/{patient.pk}/new/",
        {"subject": "Scan", "category": "clinical", "text": "See", "attachments": [png(), big]},
    )
    assert response.status_code == 200
    assert "larger than the limit" in response.content.decode()
    assert not Thread.objects.exists() and not StoredFile.objects.exists()
    assert stored_bytes(settings) == []
