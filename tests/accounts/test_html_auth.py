"""HTML login, logout and signup as a browser uses them: forms, CSRF, sessions, redirects."""

import html
import re

import pytest
from django.test import Client

from accounts.models import User
from clinics.models import Clinic
from core.roles import Role
from tests.accounts.signup import html_signup, signup_token
from tests.factories import UserFactory
from tests.patients.html_factories import page_text

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
SIGNUP = "/accounts/signup/"
RESET = "/accounts/password_reset/"
NEW_PASSWORD = "Quiet-harbour-lantern-42"
ROLE_LABELS = {
    Role.ADMIN: "Clinic admin",
    Role.CLINICIAN: "Clinician",
    Role.NURSE: "Nurse",
    Role.RECEPTIONIST: "Receptionist",
    Role.LAB_TECH: "Lab technician",
}


def text(response) -> str:
    return html.unescape(response.content.decode())


def csrf_token(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, "the page has no CSRF token"
    return match[1]


def field_error(response, field: str) -> str:
    """The error text crispy-forms shows under `field` ("" when there is none)."""
    page = response.content.decode()
    match = re.search(rf'<div id="id_{field}_error"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match[1])).strip() if match else ""


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def signup_data(**overrides):
    data = {
        "name": "Dana Founder",
        "email": "dana@newclinic.example.org",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        "clinic_name": "Lakeside Family Practice",
    }
    data.update(overrides)
    return data


# --- login -------------------------------------------------------------------------------------
def test_login_page_shows_email_and_password_fields(client, db):
    response = client.get(LOGIN)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="email" name="username"' in page
    assert 'type="password" name="password"' in page
    assert 'href="/accounts/password_reset/"' in page
    assert 'href="/accounts/signup/"' in page


@pytest.mark.parametrize("role", list(ROLE_LABELS))
def test_login_success_lands_on_home_with_clinic_name_and_role(client, staff, password, role):
    user = staff[role]

    response = client.post(LOGIN, {"username": user.email, "password": password})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == str(user.pk)
    home = client.get("/")
    assert home.status_code == 200
    page = text(home)
    assert "Riverside Clinic" in page
    assert user.name in page
    assert ROLE_LABELS[role] in page


def test_login_with_wrong_password_shows_an_error_and_opens_no_session(client, clinician):
    response = client.post(LOGIN, {"username": clinician.email, "password": "Wrong-password-1"})

    assert response.status_code == 200
    assert "Please enter a correct e-mail and password." in text(response)
    assert logged_in_user_id(client) is None
    assert client.get("/")["Location"].startswith(LOGIN)


def test_login_with_unknown_email_shows_the_same_error(client, db):
    response = client.post(LOGIN, {"username": "nobody@example.org", "password": "Whatever-1"})

    assert response.status_code == 200
    assert "Please enter a correct e-mail and password." in text(response)
    assert logged_in_user_id(client) is None


def test_login_email_is_case_insensitive(client, clinician, password):
    response = client.post(
        LOGIN, {"username": f"  {clinician.email.upper()} ", "password": password}
    )

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(clinician.pk)


def test_login_keeps_the_typed_email_after_an_error(client, clinician):
    response = client.post(LOGIN, {"username": clinician.email, "password": "nope"})
    assert f'value="{clinician.email}"' in response.content.decode()


def test_inactive_user_cannot_log_in(client, clinician, password):
    clinician.is_active = False
    clinician.save()

    response = client.post(LOGIN, {"username": clinician.email, "password": password})

    assert response.status_code == 200
    assert "Please enter a correct e-mail and password." in text(response)
    assert logged_in_user_id(client) is None


def test_patient_is_refused_with_a_message_pointing_to_the_app(client, clinic, password):
    patient = UserFactory(role=Role.PATIENT, clinic=clinic, email="pat@example.org")

    response = client.post(LOGIN, {"username": patient.email, "password": password})

    assert response.status_code == 200
    assert "Patients use the Health Passport mobile app" in text(response)
    assert logged_in_user_id(client) is None


def test_login_follows_a_local_next_parameter(client, admin_user, password):
    response = client.post(
        LOGIN, {"username": admin_user.email, "password": password, "next": "/clinic/staff/"}
    )
    assert response["Location"] == "/clinic/staff/"


def test_login_ignores_a_next_parameter_to_another_host(client, clinician, password):
    response = client.post(
        LOGIN,
        {"username": clinician.email, "password": password, "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_page_keeps_next_in_the_form(client, db):
    response = client.get(LOGIN + "?next=/clinic/staff/")
    assert 'name="next" value="/clinic/staff/"' in response.content.decode()


# --- CSRF --------------------------------------------------------------------------------------
@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def _form_data(path, clinician, password):
    return {
        LOGIN: {"username": clinician.email, "password": password},
        SIGNUP: signup_data(),
        RESET: {"email": clinician.email},
    }[path]


@pytest.mark.parametrize("path", [LOGIN, SIGNUP, RESET])
def test_form_post_without_csrf_token_is_refused(csrf_client, clinician, password, mailbox, path):
    clinics, users = Clinic.objects.count(), User.objects.count()

    response = csrf_client.post(path, _form_data(path, clinician, password))

    assert response.status_code == 403
    assert logged_in_user_id(csrf_client) is None
    assert (Clinic.objects.count(), User.objects.count()) == (clinics, users)
    assert mailbox.messages == []


@pytest.mark.parametrize("path", [LOGIN, SIGNUP, RESET])
def test_form_post_with_a_forged_csrf_token_is_refused(csrf_client, clinician, password, path):
    csrf_client.get(path)
    data = _form_data(path, clinician, password)

    response = csrf_client.post(path, {**data, "csrfmiddlewaretoken": "x" * 64})

    assert response.status_code == 403


@pytest.mark.parametrize(
    "path,expected",
    [(LOGIN, "/"), (SIGNUP, "/accounts/signup/sent/"), (RESET, "/accounts/password_reset/done/")],
)
def test_form_post_with_token_from_the_page_works(
    csrf_client, clinician, password, mailbox, path, expected
):
    token = csrf_token(csrf_client.get(path))

    response = csrf_client.post(
        path, {**_form_data(path, clinician, password), "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert response["Location"] == expected


def test_logout_with_csrf_enforced_needs_the_token_from_the_page(csrf_client, clinician, password):
    token = csrf_token(csrf_client.get(LOGIN))
    csrf_client.post(
        LOGIN, {"username": clinician.email, "password": password, "csrfmiddlewaretoken": token}
    )
    assert csrf_client.post(LOGOUT).status_code == 403
    assert logged_in_user_id(csrf_client) == str(clinician.pk)

    home_token = csrf_token(csrf_client.get("/"))  # the navbar's "Log out" form
    response = csrf_client.post(LOGOUT, {"csrfmiddlewaretoken": home_token})

    assert response.status_code == 302
    assert logged_in_user_id(csrf_client) is None


# --- logout ------------------------------------------------------------------------------------
def test_logout_by_get_is_not_allowed_and_keeps_the_session(client, clinician):
    client.force_login(clinician)

    response = client.get(LOGOUT)

    assert response.status_code == 405
    assert client.get("/").status_code == 200


def test_logout_ends_the_session_and_lands_on_login(client, clinician):
    client.force_login(clinician)

    response = client.post(LOGOUT, follow=True)

    assert response.redirect_chain[-1][0] == LOGIN
    assert "You have been logged out." in text(response)
    assert logged_in_user_id(client) is None
    after = client.get("/")
    assert after.status_code == 302
    assert after["Location"].startswith(LOGIN)


def test_logout_when_already_logged_out_lands_on_login(client, db):
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == LOGIN


# --- login required ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/clinic/staff/",
        "/clinic/settings/",
        "/accounts/profile/",
        "/accounts/password_change/",
    ],
)
def test_anonymous_visitor_is_sent_to_login_with_next(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={path}"


@pytest.mark.parametrize("path", [LOGIN, SIGNUP, RESET])
def test_public_pages_open_without_login(client, db, path):
    assert client.get(path).status_code == 200


# --- signup ------------------------------------------------------------------------------------
def test_signup_page_has_the_fields(client, db):
    page = client.get(SIGNUP).content.decode()
    for field in ("name", "email", "password", "password_confirm", "clinic_name"):
        assert f'name="{field}"' in page


def test_signup_creates_clinic_and_admin_and_logs_in(client, db, mailbox):
    asked = client.post(SIGNUP, signup_data(email="Dana@NewClinic.example.org"), follow=True)

    assert asked.redirect_chain == [("/accounts/signup/sent/", 302)]
    assert "Check your e-mail" in text(asked)
    assert not Clinic.objects.exists() and logged_in_user_id(client) is None
    link = f"/accounts/signup/confirm/{signup_token(mailbox, 'dana@newclinic.example.org')}/"
    assert "Lakeside Family Practice" in text(client.get(link))

    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == "/"
    clinic = Clinic.objects.get(name="Lakeside Family Practice")
    user = User.objects.get(email="dana@newclinic.example.org")
    assert user.clinic == clinic
    assert user.role == Role.ADMIN
    assert user.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(user.pk)
    home = text(client.get("/"))
    assert "Lakeside Family Practice" in home
    assert "Dana Founder" in home
    assert "Clinic admin" in home
    assert "Your clinic “Lakeside Family Practice” is ready." in home
    assert 'href="/clinic/settings/"' in home


def test_signed_up_admin_can_log_in_again_later(client, db, mailbox):
    html_signup(client, mailbox, signup_data())
    client.post(LOGOUT)

    response = client.post(
        LOGIN, {"username": "dana@newclinic.example.org", "password": NEW_PASSWORD}
    )

    assert response.status_code == 302


def _counts():
    return Clinic.objects.count(), User.objects.count()


@pytest.mark.parametrize("spelling", ["a-nurse@example.org", "A-Nurse@Example.ORG"])
def test_signup_with_an_existing_email_answers_as_for_a_new_one(client, staff, mailbox, spelling):
    before = _counts()
    free = client.post(SIGNUP, signup_data(email="free@example.org"), follow=True)

    response = client.post(SIGNUP, signup_data(email=spelling), follow=True)

    assert response.redirect_chain == free.redirect_chain == [("/accounts/signup/sent/", 302)]
    assert page_text(response) == page_text(free)
    assert _counts() == before
    assert not Clinic.objects.filter(name="Lakeside Family Practice").exists()
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize(
    "weak,message",
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("84736291058", "entirely numeric"),
    ],
)
def test_signup_with_a_weak_password_is_a_field_error(client, db, weak, message):
    before = _counts()

    response = client.post(SIGNUP, signup_data(password=weak, password_confirm=weak))

    assert response.status_code == 200
    assert message in field_error(response, "password")
    assert _counts() == before
    assert logged_in_user_id(client) is None


def test_signup_with_mismatched_confirmation_is_an_error(client, db):
    before = _counts()

    response = client.post(SIGNUP, signup_data(password_confirm=NEW_PASSWORD + "x"))

    assert response.status_code == 200
    assert "The two passwords do not match." in field_error(response, "password_confirm")
    assert _counts() == before


@pytest.mark.parametrize(
    "missing", ["name", "email", "password", "password_confirm", "clinic_name"]
)
def test_signup_with_a_missing_field_is_a_field_error(client, db, missing):
    before = _counts()

    response = client.post(SIGNUP, signup_data(**{missing: ""}))

    assert response.status_code == 200
    assert "This field is required." in field_error(response, missing)
    assert _counts() == before


def test_signup_with_a_bad_email_is_a_field_error(client, db):
    before = _counts()
    response = client.post(SIGNUP, signup_data(email="not-an-email"))
    assert "valid email" in field_error(response, "email")
    assert _counts() == before


def test_signup_form_keeps_entered_values_but_not_passwords(client, staff):
    response = client.post(SIGNUP, signup_data(password_confirm=NEW_PASSWORD + "x"))
    page = response.content.decode()
    assert 'value="Lakeside Family Practice"' in page
    assert 'value="Dana Founder"' in page
    assert NEW_PASSWORD not in page


def test_two_clinics_with_the_same_name_both_sign_up(client, db, mailbox):
    html_signup(client, mailbox, signup_data())
    client.post(LOGOUT)
    other = Client()

    response = html_signup(
        other, mailbox, signup_data(email="second@example.org", name="Second Founder")
    )

    assert response.status_code == 302
    assert Clinic.objects.filter(name="Lakeside Family Practice").count() == 2


@pytest.mark.parametrize("path", [SIGNUP, LOGIN])
def test_logged_in_user_visiting_signup_or_login_goes_home(client, clinician, path):
    client.force_login(clinician)
    before = _counts()

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _counts() == before


def test_logged_in_user_posting_signup_creates_nothing(client, clinician):
    client.force_login(clinician)
    before = _counts()

    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _counts() == before
