"""Forgot/reset password through the API, with the e-mail received by a real SMTP server."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import UserFactory

AUTH = "/api/v1/auth"
NEW_PASSWORD = "Fresh-meadow-lantern-77"
LINK = re.compile(r"http://testserver/accounts/reset/(?P<token>[A-Za-z0-9_\-]+/[A-Za-z0-9\-]+)/")


def forgot(client, email):
    return client.post(f"{AUTH}/forgot-password", {"email": email}, format="json")


def reset(client, token, new_password=NEW_PASSWORD):
    return client.post(
        f"{AUTH}/reset-password", {"token": token, "new_password": new_password}, format="json"
    )


def login(client, email, password):
    return client.post(f"{AUTH}/login", {"email": email, "password": password}, format="json")


def token_from_mail(mailbox, to):
    """The API token: the part of the e-mailed link after /accounts/reset/, no trailing slash."""
    messages = [m for m in mailbox.messages if to in m.envelope_recipients]
    assert len(messages) == 1, [m["To"] for m in mailbox.messages]
    match = LINK.search(mailbox.body(messages[0]))
    assert match, mailbox.body(messages[0])
    return match["token"]


@pytest.fixture
def requested(api_client, clinician, mailbox):
    """A reset was requested for the clinician; returns the token from the e-mail."""
    assert forgot(api_client, clinician.email).status_code == 200
    return token_from_mail(mailbox, clinician.email)


def test_site_url_is_the_test_server():
    assert settings.SITE_URL == "http://testserver"


# --- forgot-password ---------------------------------------------------------------------------
def test_forgot_password_sends_a_reset_email(api_client, clinician, mailbox):
    response = forgot(api_client, clinician.email)

    assert response.status_code == 200
    assert set(response.json()) == {"message"}
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message.envelope_recipients == [clinician.email]
    assert message["To"] == clinician.email
    assert message["Subject"].strip()
    body = mailbox.body(message)
    assert LINK.search(body)
    assert body.count("http://testserver/accounts/reset/") == 1


def test_forgot_password_same_answer_for_unknown_email(api_client, clinician, mailbox):
    known = forgot(api_client, clinician.email)
    unknown = forgot(api_client, "nobody-here@example.org")

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    # Only the real account got a message.
    assert [m.envelope_recipients for m in mailbox.messages] == [[clinician.email]]


def test_forgot_password_email_is_case_insensitive(api_client, clinician, mailbox):
    assert forgot(api_client, clinician.email.upper()).status_code == 200
    assert [m.envelope_recipients for m in mailbox.messages] == [[clinician.email]]


def test_forgot_password_for_inactive_account_sends_nothing(api_client, clinic, mailbox):
    user = UserFactory(clinic=clinic, email="left@example.org", is_active=False)
    response = forgot(api_client, user.email)
    assert response.status_code == 200
    assert mailbox.messages == []


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"email": "not-an-email"}, {"email": ["a@example.org"]}])
def test_forgot_password_bad_input_is_400(api_client, mailbox, body):
    response = api_client.post(f"{AUTH}/forgot-password", body, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert mailbox.messages == []


# --- reset-password ----------------------------------------------------------------------------
def test_reset_with_token_from_email_sets_the_password(api_client, clinician, password, requested):
    response = reset(api_client, requested)

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"message"}
    assert login(api_client, clinician.email, NEW_PASSWORD).status_code == 200
    old = login(api_client, clinician.email, password)
    assert old.status_code >= 400
    assert "access_token" not in old.json()
    clinician.refresh_from_db()
    assert clinician.check_password(NEW_PASSWORD)


def test_reset_accepts_the_token_with_a_trailing_slash(api_client, clinician, requested):
    assert reset(api_client, requested + "/").status_code == 200
    assert login(api_client, clinician.email, NEW_PASSWORD).status_code == 200


def test_reset_token_is_single_use(api_client, clinician, requested):
    assert reset(api_client, requested).status_code == 200

    second = reset(api_client, requested, "Yet-another-passphrase-5")

    assert second.status_code == 400
    assert "token" in second.json()["errors"]
    clinician.refresh_from_db()
    assert clinician.check_password(NEW_PASSWORD)


def pretend_later(monkeypatch, seconds):
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(
        PasswordResetTokenGenerator,
        "_now",
        lambda self: real_now(self) + timedelta(seconds=seconds),
    )


def test_reset_token_still_works_just_before_expiry(api_client, clinician, requested, monkeypatch):
    pretend_later(monkeypatch, settings.PASSWORD_RESET_TIMEOUT - 60)
    assert reset(api_client, requested).status_code == 200


def test_reset_token_expires_after_an_hour(api_client, clinician, password, requested, monkeypatch):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    pretend_later(monkeypatch, settings.PASSWORD_RESET_TIMEOUT + 60)

    response = reset(api_client, requested)

    assert response.status_code == 400
    assert "token" in response.json()["errors"]
    clinician.refresh_from_db()
    assert clinician.check_password(password)


def test_reset_revokes_outstanding_refresh_tokens(api_client, clinician, password, mailbox):
    old_refresh = login(api_client, clinician.email, password).json()["refresh_token"]
    forgot(api_client, clinician.email)

    assert reset(api_client, token_from_mail(mailbox, clinician.email)).status_code == 200

    response = api_client.post(f"{AUTH}/refresh", {"refresh_token": old_refresh}, format="json")
    assert response.status_code >= 400
    assert "access_token" not in response.json()


def test_reset_old_access_token_stops_working(api_client, api_as, clinician, requested):
    client = api_as(clinician)
    assert client.get(f"{AUTH}/me").status_code == 200
    assert reset(api_client, requested).status_code == 200
    assert client.get(f"{AUTH}/me").status_code == 401


def test_reset_with_weak_password_is_400_and_token_stays_usable(
    api_client, clinician, password, requested
):
    weak = reset(api_client, requested, "password1")

    assert weak.status_code == 400
    assert "new_password" in weak.json()["errors"]
    clinician.refresh_from_db()
    assert clinician.check_password(password)
    assert reset(api_client, requested).status_code == 200


def test_reset_marks_the_email_verified(api_client, clinic, mailbox):
    user = UserFactory(clinic=clinic, email="unverified@example.org", is_verified=False)
    forgot(api_client, user.email)
    assert reset(api_client, token_from_mail(mailbox, user.email)).status_code == 200
    user.refresh_from_db()
    assert user.is_verified


def test_reset_token_is_bound_to_its_user(api_client, clinician, admin_user, password, requested):
    """The uid part of one user's link with the token part of another's does nothing."""
    other_uid = urlsafe_base64_encode(force_bytes(admin_user.pk))
    _uid, token = requested.split("/")

    response = reset(api_client, f"{other_uid}/{token}")

    assert response.status_code == 400
    admin_user.refresh_from_db()
    assert admin_user.check_password(password)


def test_reset_after_deactivation_is_refused(api_client, clinician, requested):
    clinician.is_active = False
    clinician.save()
    assert reset(api_client, requested).status_code == 400


def test_reset_link_dies_when_password_changed_meanwhile(
    api_client, api_as, clinician, password, requested
):
    changed = api_as(clinician).post(
        f"{AUTH}/change-password",
        {"current_password": password, "new_password": "Changed-in-between-31"},
        format="json",
    )
    assert changed.status_code == 200
    assert reset(api_client, requested).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    ["", "garbage", "MQ/abc-def", "!!!/???", "a/b/c", "Zm9v/" + "x" * 500],
    ids=["empty", "no-slash", "unknown-uid", "junk", "three-parts", "long"],
)
def test_reset_with_invalid_token_is_400(api_client, token):
    response = reset(api_client, token)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert "token" in body["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["token", "new_password"])
def test_reset_missing_field_is_400(api_client, missing):
    body = {"token": "abc/def", "new_password": NEW_PASSWORD}
    del body[missing]
    response = api_client.post(f"{AUTH}/reset-password", body, format="json")
    assert response.status_code == 400
    assert missing in response.json()["errors"]


def test_reset_link_opens_the_html_set_password_page(client, requested):
    response = client.get(f"/accounts/reset/{requested}/", follow=True)
    assert response.status_code == 200
    assert b"new_password1" in response.content


def test_forgot_password_answers_the_same_when_mail_cannot_be_sent(api_client, clinician, settings):
    """SMTP trouble must not turn into a 500 that reveals which e-mails have accounts."""
    from tests.conftest import free_port

    settings.EMAIL_PORT = free_port()  # nothing listens there

    known = forgot(api_client, clinician.email)
    unknown = forgot(api_client, "nobody-here@example.org")

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
