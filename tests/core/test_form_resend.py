"""A staff form the browser sends again with the same `_submission` key (static/js/forms.js) is
saved once: the retry lands on the first answer's page (core/idempotency.py)."""

import datetime
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.idempotency import fingerprint
from core.models import IdempotencyKey
from core.roles import Role
from files.models import StoredFile
from messaging.models import Message, MessageAttachment
from tests.factories import UserFactory
from tests.messaging.factories import make_thread
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse(clinic):
    return UserFactory(clinic=clinic, role=Role.NURSE, email="nurse.resend@example.org")


@pytest.fixture
def thread(nurse, clinic):
    return make_thread(nurse, PatientFactory(clinic=clinic), subject="Your results")


def reply(client, thread, text, key, **extra):
    """The reply form as the browser sends it: URL-encoded."""
    body = urlencode({"text": text, "_submission": key, **extra})
    return client.post(
        f"/messages/{thread.pk}/reply/", body, content_type="application/x-www-form-urlencoded"
    )


def replies(thread, text):
    return Message.objects.filter(thread=thread, text=text).count()


def test_a_form_sent_again_with_its_key_is_saved_once_and_lands_on_the_same_page(
    client, nurse, thread
):
    client.force_login(nurse)
    first = reply(client, thread, "Your results are normal.", "k1")
    again = reply(client, thread, "Your results are normal.", "k1")

    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] == f"/messages/{thread.pk}/"
    assert replies(thread, "Your results are normal.") == 1
    page = client.get(again["Location"])
    assert "This form had already been sent; it was not sent twice." in page.content.decode()


def test_each_new_key_is_a_new_save(client, nurse, thread):
    client.force_login(nurse)
    reply(client, thread, "Please call us.", "k1")
    reply(client, thread, "Please call us.", "k2")
    assert replies(thread, "Please call us.") == 2


def test_an_upload_sent_again_is_attached_once(client, nurse, thread):
    client.force_login(nurse)
    for _attempt in range(2):
        response = client.post(  # multipart, as a form with a file field is sent
            f"/messages/{thread.pk}/reply/",
            {
                "text": "Your letter.",
                "_submission": "upload-1",
                "attachments": SimpleUploadedFile(
                    "letter.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
                ),
            },
        )
        assert response.status_code == 302
    assert replies(thread, "Your letter.") == 1
    assert MessageAttachment.objects.filter(message__thread=thread).count() == 1
    assert StoredFile.objects.filter(original_name="letter.pdf").count() == 1


def test_a_form_shown_again_with_an_error_is_not_kept(client, nurse, thread):
    """A refused form answers its page, not a redirect: the same key may then be sent again
    and is checked again (nothing was saved to replay)."""
    client.force_login(nurse)
    too_long = "x" * 20_000
    for _attempt in range(2):
        response = reply(client, thread, too_long, "k1")
        assert response.status_code == 200
        assert "This form had already been sent" not in response.content.decode()
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_with_other_content_is_refused_and_saves_nothing(client, nurse, thread):
    client.force_login(nurse)
    reply(client, thread, "First text.", "k1")
    other = reply(client, thread, "Second text.", "k1")

    assert other.status_code == 422
    assert "This form was already sent with other content." in other.content.decode()
    assert replies(thread, "Second text.") == 0


def test_a_form_still_being_saved_is_not_saved_twice(client, nurse, thread, rf):
    client.force_login(nurse)
    path, body = f"/messages/{thread.pk}/reply/", urlencode({"text": "Busy.", "_submission": "b"})
    IdempotencyKey.objects.create(
        scope=f"user:{nurse.pk}",
        key="b",
        fingerprint=fingerprint(
            rf.post(path, body, content_type="application/x-www-form-urlencoded")
        ),
        locked_until=timezone.now() + datetime.timedelta(minutes=1),
    )
    response = reply(client, thread, "Busy.", "b")

    assert response.status_code == 409
    assert "This form is still being saved." in response.content.decode()
    assert replies(thread, "Busy.") == 0


def test_keys_belong_to_the_user(client, nurse, clinic, thread):
    colleague = UserFactory(clinic=clinic, role=Role.CLINICIAN, email="colleague@example.org")
    for user in (nurse, colleague):
        client.force_login(user)
        assert reply(client, thread, "Same words.", "shared").status_code == 302
    assert replies(thread, "Same words.") == 2


def test_a_form_without_a_key_works_as_before(client, nurse, thread):
    client.force_login(nurse)
    for _attempt in range(2):
        client.post(f"/messages/{thread.pk}/reply/", {"text": "No script."})
    assert replies(thread, "No script.") == 2
    assert not IdempotencyKey.objects.exists()
