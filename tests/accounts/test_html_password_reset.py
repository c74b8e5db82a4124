"""Password reset and change in the HTML pages, with the e-mail received by a real SMTP server."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.patients.html_factories import field_error, page_text

RESET = "/accounts/password_reset/"
DONE = "/accounts/password_reset/done/"
COMPLETE = "/accounts/reset/done/"
CHANGE = "/accounts/password_change/"
LOGIN = "/accounts/login/"
NEW_PASSWORD = "Amber-lighthouse-window-31"
LINK = re.compile(
    r"http://testserver(?P<path>/accounts/reset/(?P<uidb64>[A-Za-z0-9_\-]+)/(?P<token>[A-Za-z0-9\-]+)/)"
)
INVALID = "This link is invalid, has already been used, or has expired."


def can_log_in(email, password) -> bool:
    response = Client().post(LOGIN, {"username": email, "password": password})
    return response.status_code == 302


def link_from_mail(mailbox, to):
    messages = [m for m in mailbox.messages if to in m.envelope_recipients]
    assert len(messages) == 1, [m["To"] for m in mailbox.messages]
    match = LINK.search(mailbox.body(messages[0]))
    assert match, mailbox.body(messages[0])
    return match


@pytest.fixture
def link(client, clinician, mailbox):
    """The reset link e-mailed to the clinician after asking on the HTML page."""
    assert client.post(RESET, {"email": clinician.email}).status_code == 302
    return link_from_mail(mailbox, clinician.email)


def open_link(client, path):
    """Follow the e-mailed link as a browser: the token moves into the session."""
    first = client.get(path)
    if first.status_code != 302:
        return first
    uidb64 = path.split("/")[3]
    assert first["Location"] == f"/accounts/reset/{uidb64}/set-password/"
    return client.get(first["Location"])


def pretend_later(monkeypatch, seconds):
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(
        PasswordResetTokenGenerator,
        "_now",
        lambda self: real_now(self) + timedelta(seconds=seconds),
    )


# --- asking for a link -------------------------------------------------------------------------
def test_reset_request_page_has_an_email_field(client, db):
    response = client.get(RESET)
    assert response.status_code == 200
    assert 'type="email" name="email"' in response.content.decode()


def test_known_and_unknown_emails_get_the_same_done_page(client, clinician, mailbox):
    known = client.post(RESET, {"email": clinician.email}, follow=True)
    unknown = Client().post(RESET, {"email": "nobody@example.org"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain == [(DONE, 302)]
    assert "Check your e-mail" in page_text(known)
    assert page_text(known) == page_text(unknown)


def test_reset_email_arrives_with_a_link_for_an_existing_account(link, clinician, mailbox):
    (message,) = mailbox.messages
    assert message.envelope_recipients == [clinician.email]
    assert "Reset your Health Passport password" in message["Subject"]
    assert link["path"].startswith("/accounts/reset/")


def test_no_email_for_an_unknown_address(client, clinician, mailbox):
    client.post(RESET, {"email": "nobody@example.org"})
    assert mailbox.messages == []


def test_no_email_for_an_inactive_account(client, clinician, mailbox):
    clinician.is_active = False
    clinician.save()
    response = client.post(RESET, {"email": clinician.email})
    assert response["Location"] == DONE
    assert mailbox.messages == []


def test_reset_request_email_is_case_insensitive(client, clinician, mailbox):
    client.post(RESET, {"email": clinician.email.upper()})
    assert link_from_mail(mailbox, clinician.email)


def test_reset_request_with_a_malformed_email_is_a_field_error(client, db, mailbox):
    response = client.post(RESET, {"email": "not an email"})
    assert response.status_code == 200
    assert "valid email" in field_error(response, "email")
    assert mailbox.messages == []


def test_done_page_is_the_same_when_mail_cannot_be_sent(client, clinician, settings):
    from tests.conftest import free_port

    settings.EMAIL_PORT = free_port()  # nothing listens there

    response = client.post(RESET, {"email": clinician.email})

    assert response.status_code == 302
    assert response["Location"] == DONE


# --- following the link ------------------------------------------------------------------------
def test_link_opens_the_set_password_form_for_that_account(client, link, clinician):
    response = open_link(client, link["path"])

    assert response.status_code == 200
    page = page_text(response)
    assert f"Choose the password for {clinician.email}." in page
    assert 'name="new_password1"' in page
    assert 'name="new_password2"' in page
    assert link["token"] not in response.content.decode()  # the token left the URL


def test_setting_a_new_password_through_the_link(client, link, clinician, password):
    form_page = open_link(client, link["path"])

    response = client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain == [(COMPLETE, 302)]
    assert "Your password has been set." in page_text(response)
    assert not can_log_in(clinician.email, password)
    assert can_log_in(clinician.email, NEW_PASSWORD)


def test_link_cannot_be_used_twice(client, link, clinician):
    form_page = open_link(client, link["path"])
    client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    again = open_link(Client(), link["path"])
    same_browser = open_link(client, link["path"])

    for response in (again, same_browser):
        assert response.status_code == 200
        assert INVALID in page_text(response)
        assert 'name="new_password1"' not in response.content.decode()


def test_second_post_from_the_same_form_changes_nothing(client, link, clinician):
    form_page = open_link(client, link["path"])
    path = form_page.request["PATH_INFO"]
    client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.post(
        path, {"new_password1": "Other-pass-9876", "new_password2": "Other-pass-9876"}
    )

    assert INVALID in page_text(response)
    assert can_log_in(clinician.email, NEW_PASSWORD)


def test_expired_link_shows_the_invalid_link_page(client, link, clinician, password, monkeypatch):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    pretend_later(monkeypatch, settings.PASSWORD_RESET_TIMEOUT + 60)

    response = open_link(client, link["path"])

    assert response.status_code == 200
    assert INVALID in page_text(response)
    assert 'href="/accounts/password_reset/"' in response.content.decode()
    assert can_log_in(clinician.email, password)


def test_link_still_works_just_before_expiry(client, link, monkeypatch):
    pretend_later(monkeypatch, settings.PASSWORD_RESET_TIMEOUT - 60)
    response = open_link(client, link["path"])
    assert 'name="new_password1"' in response.content.decode()


def test_tampered_link_shows_the_invalid_link_page(client, link):
    response = open_link(client, link["path"].replace(link["token"], link["token"][:-3] + "abc"))
    assert INVALID in page_text(response)


def test_weak_new_password_is_an_error_and_the_link_still_works(client, link, clinician, password):
    path = open_link(client, link["path"]).request["PATH_INFO"]

    response = client.post(path, {"new_password1": "12345678", "new_password2": "12345678"})

    assert response.status_code == 200
    assert "too common" in field_error(response, "new_password2")
    # (checked in the database: logging in would update last_login and spend the link)
    assert User.objects.get(pk=clinician.pk).check_password(password)
    ok = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert ok["Location"] == COMPLETE
    assert can_log_in(clinician.email, NEW_PASSWORD)


def test_mismatched_new_passwords_are_an_error(client, link, clinician, password):
    path = open_link(client, link["path"]).request["PATH_INFO"]

    response = client.post(
        path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )

    assert response.status_code == 200
    assert "didn’t match" in field_error(response, "new_password2")
    assert can_log_in(clinician.email, password)


def test_link_dies_when_the_password_is_changed_meanwhile(client, link, clinician):
    clinician.set_password("Changed-elsewhere-55")
    clinician.save()

    assert INVALID in page_text(open_link(client, link["path"]))


def test_token_from_the_email_works_in_the_api(link, clinician, password):
    token = f"{link['uidb64']}/{link['token']}"

    response = APIClient().post(
        "/api/v1/auth/reset-password", {"token": token, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert can_log_in(clinician.email, NEW_PASSWORD)
    assert not can_log_in(clinician.email, password)
    assert INVALID in page_text(open_link(Client(), link["path"]))  # and the HTML link is spent


# --- changing one's password -------------------------------------------------------------------
@pytest.fixture
def web(client, clinician, password):
    client.post(LOGIN, {"username": clinician.email, "password": password})
    assert client.session.get("_auth_user_id") == str(clinician.pk)
    return client


def change(client, current, new1, new2=None):
    return client.post(
        CHANGE,
        {"old_password": current, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_password_change_page_has_the_fields(web):
    page = web.get(CHANGE).content.decode()
    for field in ("old_password", "new_password1", "new_password2"):
        assert f'name="{field}"' in page


def test_password_change_with_wrong_current_password_is_an_error(web, clinician, password):
    response = change(web, "Not-my-password-1", NEW_PASSWORD)

    assert response.status_code == 200
    assert field_error(response, "old_password")
    assert can_log_in(clinician.email, password)
    assert not can_log_in(clinician.email, NEW_PASSWORD)


def test_password_change_success_keeps_the_user_logged_in(web, clinician, password):
    response = change(web, password, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    profile = web.get(response["Location"])
    assert profile.status_code == 200
    assert "Your password has been changed." in page_text(profile)
    assert web.get("/").status_code == 200  # the session hash was updated
    assert not can_log_in(clinician.email, password)
    assert can_log_in(clinician.email, NEW_PASSWORD)


def test_password_change_ends_the_users_other_sessions(web, clinician, password):
    other_browser = Client()
    other_browser.post(LOGIN, {"username": clinician.email, "password": password})
    assert other_browser.get("/").status_code == 200

    change(web, password, NEW_PASSWORD)

    assert other_browser.get("/").status_code == 302
    assert web.get("/").status_code == 200


def test_password_change_with_a_weak_password_is_an_error(web, clinician, password):
    response = change(web, password, "abc123")

    assert response.status_code == 200
    assert "too short" in field_error(response, "new_password2")
    assert can_log_in(clinician.email, password)


def test_password_change_with_mismatched_passwords_is_an_error(web, clinician, password):
    response = change(web, password, NEW_PASSWORD, NEW_PASSWORD + "x")

    assert response.status_code == 200
    assert field_error(response, "new_password2")
    assert can_log_in(clinician.email, password)


def test_password_change_is_saved_in_the_database(web, clinician, password):
    change(web, password, NEW_PASSWORD)
    assert User.objects.get(pk=clinician.pk).check_password(NEW_PASSWORD)


# --- patients: the same pages, but they sign in in the app ------------------------------------
def set_password_through_link(client, user):
    from accounts.emails import password_link_token

    path = open_link(client, f"/accounts/reset/{password_link_token(user)}/").request["PATH_INFO"]
    return client.post(
        path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )


def test_a_patient_is_sent_to_the_app_not_to_the_staff_login(client, clinic):
    from core.roles import Role
    from tests.factories import UserFactory

    patient = UserFactory(role=Role.PATIENT, clinic=clinic)
    response = set_password_through_link(client, patient)

    page = page_text(response)
    assert "Your password has been set." in page
    assert "mobile app" in page
    assert ">Log in</a>" not in page
    assert "You can now log in" not in page


def test_staff_still_get_the_log_in_button(client, clinician):
    page = page_text(set_password_through_link(client, clinician))
    assert "You can now log in with it." in page
    assert ">Log in</a>" in page
    assert "mobile app" not in page
