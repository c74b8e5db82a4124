"""The auth API, row by row: signup, login, refresh, logout, change-password, me."""

import pytest

from accounts.models import User
from clinics.models import Clinic
from core.roles import Role
from tests.accounts.signup import api_signup, signup_token
from tests.factories import UserFactory

AUTH = "/api/v1/auth"
USER_FIELDS = {
    "id",
    "email",
    "name",
    "phone",
    "language",
    "role",
    "clinic_id",
    "patient_id",
    "is_active",
    "is_verified",
    "created_at",
    "updated_at",
}
NEW_PASSWORD = "Another-lantern-river-42"


def signup_body(**overrides):
    body = {
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "password": "Analytical-engine-1843",
        "clinic_name": "Lovelace Health",
    }
    body.update(overrides)
    return body


def login(client, email, password):
    return client.post(f"{AUTH}/login", {"email": email, "password": password}, format="json")


def refresh(client, token):
    return client.post(f"{AUTH}/refresh", {"refresh_token": token}, format="json")


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        assert field in body["errors"], body
        assert body["errors"][field][0]


# --- signup ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_signup_creates_clinic_and_admin_and_returns_tokens(api_client, mailbox):
    asked = api_client.post(f"{AUTH}/signup", signup_body(), format="json")

    assert asked.status_code == 202, asked.content
    assert not Clinic.objects.exists() and not User.objects.exists()  # nothing until confirmed
    response = api_client.post(
        f"{AUTH}/signup/confirm",
        {"token": signup_token(mailbox, "ada@example.org")},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "user", "clinic_id"}
    assert body["token_type"] == "bearer"
    assert set(body["user"]) == USER_FIELDS
    user = User.objects.get(email="ada@example.org")
    clinic = Clinic.objects.get(pk=body["clinic_id"])
    assert clinic.name == "Lovelace Health"
    assert user.clinic == clinic
    assert user.role == Role.ADMIN
    assert user.is_verified
    assert user.check_password("Analytical-engine-1843")
    assert body["user"]["id"] == user.pk
    assert body["user"]["clinic_id"] == clinic.pk
    assert body["user"]["role"] == "admin"
    assert body["user"]["email"] == "ada@example.org"
    assert body["user"]["name"] == "Ada Lovelace"

    # The returned access token works right away.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    me = api_client.get(f"{AUTH}/me")
    assert me.status_code == 200
    assert me.json()["id"] == user.pk
    # And the refresh token too.
    assert refresh(api_client, body["refresh_token"]).status_code == 200


@pytest.mark.django_db
def test_signup_stores_email_lower_case(api_client, mailbox):
    response = api_signup(api_client, mailbox, signup_body(email="Ada.King@Example.ORG"))
    assert response.status_code == 201
    assert response.json()["user"]["email"] == "ada.king@example.org"
    assert login(api_client, "ada.king@example.org", "Analytical-engine-1843").status_code == 200


@pytest.mark.parametrize("email", ["a-admin@example.org", "A-Admin@EXAMPLE.org"])
def test_signup_with_a_taken_email_answers_as_for_a_free_one_and_writes_nothing(
    api_client, staff, mailbox, email
):
    clinics, users = Clinic.objects.count(), User.objects.count()
    free = api_client.post(f"{AUTH}/signup", signup_body(email="free@example.org"), format="json")

    taken = api_client.post(f"{AUTH}/signup", signup_body(email=email), format="json")

    assert (taken.status_code, taken.json()) == (free.status_code, free.json())
    assert taken.status_code == 202
    assert Clinic.objects.count() == clinics
    assert User.objects.count() == users
    assert not Clinic.objects.filter(name="Lovelace Health").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678901234", "ada@example.org"],
    ids=["too-short", "common", "numeric", "like-email"],
)
def test_signup_weak_password_is_refused(api_client, password):
    response = api_client.post(f"{AUTH}/signup", signup_body(password=password), format="json")

    assert_error(response, 400, "password")
    assert not Clinic.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.org", ""])
def test_signup_bad_email_is_refused(api_client, email):
    response = api_client.post(f"{AUTH}/signup", signup_body(email=email), format="json")

    assert_error(response, 400, "email")
    assert not Clinic.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "email", "password", "clinic_name"])
def test_signup_missing_field_is_refused(api_client, field):
    body = signup_body()
    del body[field]

    response = api_client.post(f"{AUTH}/signup", body, format="json")

    assert_error(response, 400, field)
    assert not Clinic.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value",
    [("name", ["Ada"]), ("clinic_name", {"x": 1}), ("email", 42), ("password", None)],
)
def test_signup_wrong_types_are_refused(api_client, field, value):
    response = api_client.post(f"{AUTH}/signup", signup_body(**{field: value}), format="json")

    assert_error(response, 400, field)
    assert not Clinic.objects.exists()


@pytest.mark.django_db
def test_signup_blank_clinic_name_is_refused(api_client):
    response = api_client.post(f"{AUTH}/signup", signup_body(clinic_name="   "), format="json")

    assert_error(response, 400, "clinic_name")
    assert not Clinic.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["signup", "login", "refresh", "forgot-password"])
@pytest.mark.parametrize("raw", ['{"email": "a@example.org",', "not json", "[1, 2"])
def test_malformed_json_body_is_a_json_400(api_client, route, raw):
    response = api_client.post(f"{AUTH}/{route}", data=raw, content_type="application/json")

    assert_error(response, 400)
    assert not Clinic.objects.exists()


@pytest.mark.django_db
def test_json_array_body_is_a_json_400(api_client):
    response = api_client.post(f"{AUTH}/signup", data="[]", content_type="application/json")
    assert_error(response, 400)


# --- login -------------------------------------------------------------------------------------
def test_login_returns_tokens_and_user(api_client, clinician, password):
    response = login(api_client, clinician.email, password)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "user"}
    assert body["token_type"] == "bearer"
    assert set(body["user"]) == USER_FIELDS
    assert body["user"]["id"] == clinician.pk
    assert body["user"]["role"] == "clinician"
    assert body["user"]["clinic_id"] == clinician.clinic_id
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert api_client.get(f"{AUTH}/me").json()["email"] == clinician.email


def test_login_email_is_case_insensitive(api_client, clinician, password):
    response = login(api_client, clinician.email.upper(), password)
    assert response.status_code == 200
    assert response.json()["user"]["id"] == clinician.pk


def test_login_wrong_password_is_401(api_client, clinician):
    response = login(api_client, clinician.email, "Wrong-password-123")
    assert_error(response, 401)
    assert "access_token" not in response.json()


@pytest.mark.django_db
def test_login_unknown_email_is_401(api_client, password):
    assert_error(login(api_client, "nobody@example.org", password), 401)


def test_login_inactive_user_is_401(api_client, clinic, password):
    user = UserFactory(clinic=clinic, email="gone@example.org", is_active=False)
    assert_error(login(api_client, user.email, password), 401)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,field",
    [
        ({"password": "x"}, "email"),
        ({"email": "a@example.org"}, "password"),
        ({"email": "not-an-email", "password": "x"}, "email"),
    ],
)
def test_login_bad_input_is_400(api_client, body, field):
    assert_error(api_client.post(f"{AUTH}/login", body, format="json"), 400, field)


def test_login_and_signup_ignore_a_bearer_token(api_client, clinician, password):
    """Public endpoints work even when the app still sends an old, broken Authorization header."""
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert login(api_client, clinician.email, password).status_code == 200


# --- refresh -----------------------------------------------------------------------------------
def test_refresh_rotates_tokens(api_client, clinician, password):
    tokens = login(api_client, clinician.email, password).json()

    response = refresh(api_client, tokens["refresh_token"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "refresh_token"}
    assert body["refresh_token"] != tokens["refresh_token"]
    # The new access token authenticates.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert api_client.get(f"{AUTH}/me").status_code == 200
    # The new refresh token works; the used one does not.
    assert refresh(api_client, body["refresh_token"]).status_code == 200
    assert_error(refresh(api_client, tokens["refresh_token"]), 401)


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_refresh_with_invalid_token(api_client, token):
    response = refresh(api_client, token)
    assert response.status_code in (400, 401)
    assert_error(response, response.status_code)


@pytest.mark.django_db
def test_refresh_missing_field_is_400(api_client):
    assert_error(api_client.post(f"{AUTH}/refresh", {}, format="json"), 400, "refresh_token")


# --- logout ------------------------------------------------------------------------------------
def test_logout_requires_bearer_auth(api_client, clinician, password):
    tokens = login(api_client, clinician.email, password).json()

    response = api_client.post(
        f"{AUTH}/logout", {"refresh_token": tokens["refresh_token"]}, format="json"
    )

    assert_error(response, 401)
    # Nothing was revoked by the refused call.
    assert refresh(api_client, tokens["refresh_token"]).status_code == 200


def test_logout_revokes_the_refresh_token(api_client, clinician, password):
    tokens = login(api_client, clinician.email, password).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")

    response = api_client.post(
        f"{AUTH}/logout", {"refresh_token": tokens["refresh_token"]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"message"}
    api_client.credentials()
    assert_error(refresh(api_client, tokens["refresh_token"]), 401)


def test_logout_only_revokes_the_given_token(api_client, clinician, password):
    phone = login(api_client, clinician.email, password).json()
    tablet = login(api_client, clinician.email, password).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['access_token']}")
    api_client.post(f"{AUTH}/logout", {"refresh_token": phone["refresh_token"]}, format="json")
    api_client.credentials()

    assert refresh(api_client, tablet["refresh_token"]).status_code == 200


def test_logout_with_someone_elses_refresh_token_is_refused(
    api_client, api_as, clinician, admin_user, password
):
    victim = login(api_client, admin_user.email, password).json()

    response = api_as(clinician).post(
        f"{AUTH}/logout", {"refresh_token": victim["refresh_token"]}, format="json"
    )

    assert_error(response, 400, "refresh_token")
    assert refresh(api_client, victim["refresh_token"]).status_code == 200


@pytest.mark.parametrize("body", [{}, {"refresh_token": "garbage"}])
def test_logout_bad_body_is_400(api_as, clinician, body):
    response = api_as(clinician).post(f"{AUTH}/logout", body, format="json")
    assert_error(response, 400, "refresh_token")


# --- change-password ---------------------------------------------------------------------------
def change_password(client, current, new):
    return client.post(
        f"{AUTH}/change-password",
        {"current_password": current, "new_password": new},
        format="json",
    )


def test_change_password_requires_auth(api_client):
    assert_error(change_password(api_client, "x", NEW_PASSWORD), 401)


def test_change_password_wrong_current_is_400(api_as, clinician, password):
    response = change_password(api_as(clinician), "Not-my-password-1", NEW_PASSWORD)

    assert_error(response, 400, "current_password")
    clinician.refresh_from_db()
    assert clinician.check_password(password)


@pytest.mark.parametrize("weak", ["short1", "password123", "98765432101234"])
def test_change_password_weak_new_is_400(api_as, clinician, password, weak):
    response = change_password(api_as(clinician), password, weak)

    assert_error(response, 400, "new_password")
    clinician.refresh_from_db()
    assert clinician.check_password(password)


@pytest.mark.parametrize("missing", ["current_password", "new_password"])
def test_change_password_missing_field_is_400(api_as, clinician, password, missing):
    body = {"current_password": password, "new_password": NEW_PASSWORD}
    del body[missing]
    response = api_as(clinician).post(f"{AUTH}/change-password", body, format="json")
    assert_error(response, 400, missing)


def test_change_password_success_revokes_old_tokens(api_client, clinician, password):
    old = login(api_client, clinician.email, password).json()
    other_device = login(api_client, clinician.email, password).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access_token']}")

    response = change_password(api_client, password, NEW_PASSWORD)

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"message"}
    # Access tokens issued before the change stop working (CHECK_REVOKE_TOKEN) ...
    assert_error(api_client.get(f"{AUTH}/me"), 401)
    api_client.credentials()
    # ... and so do all refresh tokens of that user.
    assert_error(refresh(api_client, old["refresh_token"]), 401)
    assert_error(refresh(api_client, other_device["refresh_token"]), 401)
    # The new password logs in; the old one no longer does.
    assert login(api_client, clinician.email, NEW_PASSWORD).status_code == 200
    assert_error(login(api_client, clinician.email, password), 401)


def test_change_password_does_not_touch_other_users(
    api_client, api_as, clinician, admin_user, password
):
    admin_tokens = login(api_client, admin_user.email, password).json()

    assert change_password(api_as(clinician), password, NEW_PASSWORD).status_code == 200

    assert refresh(api_client, admin_tokens["refresh_token"]).status_code == 200
    assert api_as(admin_user).get(f"{AUTH}/me").status_code == 200


# --- me ----------------------------------------------------------------------------------------
def test_me_returns_the_user(api_as, clinician):
    response = api_as(clinician).get(f"{AUTH}/me")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_FIELDS | {"mfa_enabled"}  # you: and whether 2FA is on
    assert body["id"] == clinician.pk
    assert body["email"] == clinician.email
    assert body["name"] == clinician.name
    assert body["role"] == "clinician"
    assert body["clinic_id"] == clinician.clinic_id
    assert body["is_active"] is True
    assert "password" not in body


@pytest.mark.django_db
def test_me_without_token_is_401(api_client):
    assert_error(api_client.get(f"{AUTH}/me"), 401)


def test_me_with_a_garbage_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert_error(api_client.get(f"{AUTH}/me"), 401)


# --- trailing slash ----------------------------------------------------------------------------
@pytest.mark.parametrize("slash", ["", "/"])
def test_every_auth_route_works_with_and_without_trailing_slash(
    api_client, clinic, password, mailbox, slash
):
    user = UserFactory(clinic=clinic, email="slash@example.org")

    signup = api_client.post(
        f"{AUTH}/signup{slash}", signup_body(email="new@example.org"), format="json"
    )
    assert signup.status_code == 202, signup.content
    confirmed = api_client.post(
        f"{AUTH}/signup/confirm{slash}",
        {"token": signup_token(mailbox, "new@example.org")},
        format="json",
    )
    assert confirmed.status_code == 201, confirmed.content

    tokens = api_client.post(
        f"{AUTH}/login{slash}", {"email": user.email, "password": password}, format="json"
    )
    assert tokens.status_code == 200, tokens.content
    tokens = tokens.json()

    rotated = api_client.post(
        f"{AUTH}/refresh{slash}", {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert rotated.status_code == 200, rotated.content
    rotated = rotated.json()

    forgot = api_client.post(
        f"{AUTH}/forgot-password{slash}", {"email": "nobody@example.org"}, format="json"
    )
    assert forgot.status_code == 200, forgot.content

    reset = api_client.post(
        f"{AUTH}/reset-password{slash}",
        {"token": "bm9ib2R5/bad-token", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert_error(reset, 400, "token")  # routed to the view, which refuses the bad token

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated['access_token']}")
    assert api_client.get(f"{AUTH}/me{slash}").status_code == 200
    logout = api_client.post(
        f"{AUTH}/logout{slash}", {"refresh_token": rotated["refresh_token"]}, format="json"
    )
    assert logout.status_code == 200, logout.content
    assert api_client.get(f"{AUTH}/me{slash}").status_code == 401  # logout ended the access token
    fresh = api_client.post(
        f"{AUTH}/login{slash}", {"email": user.email, "password": password}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh.json()['access_token']}")
    changed = api_client.post(
        f"{AUTH}/change-password{slash}",
        {"current_password": password, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert changed.status_code == 200, changed.content


def test_a_patient_cannot_rename_themself_but_staff_can(api_as, clinician):
    """Staff read a patient's account name beside their messages: "Dr …" is not theirs to pick."""
    from tests.patients.factories import PatientFactory, portal_user

    patient_user = portal_user(PatientFactory(clinic=clinician.clinic))
    app = api_as(patient_user)

    renamed = app.patch(f"{AUTH}/me", {"name": "Dr Chidi Clinician"}, format="json")
    assert renamed.status_code == 400 and "your clinic" in renamed.json()["errors"]["name"][0]
    same = app.patch(
        f"{AUTH}/me", {"name": patient_user.name, "phone": "020 7946 0000"}, format="json"
    )
    assert same.status_code == 200 and same.json()["phone"] == "020 7946 0000"
    patient_user.refresh_from_db()
    assert patient_user.name != "Dr Chidi Clinician"
    staff = api_as(clinician).patch(f"{AUTH}/me", {"name": "Dr C. Clinician"}, format="json")
    assert staff.status_code == 200 and staff.json()["name"] == "Dr C. Clinician"
