"""Brute force: per-account-and-address lockout (API, HTML login, admin), per-client rate limits."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User

AUTH = "/api/v1/auth"
WRONG = "Not-the-password-000"


def api_login(client, email, password, **extra):
    return client.post(
        f"{AUTH}/login", {"email": email, "password": password}, format="json", **extra
    )


def fail_logins(client, email, times):
    """Fail `times` API logins; returns the status codes seen."""
    return [api_login(client, email, WRONG).status_code for _ in range(times)]


@pytest.fixture
def limit():
    assert settings.AXES_FAILURE_LIMIT == 5
    return settings.AXES_FAILURE_LIMIT


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(
        "root@example.org", "Platform-root-secret-9", name="Platform Root"
    )


# --- lockout -----------------------------------------------------------------------------------
def test_failures_below_the_limit_do_not_lock(api_client, clinician, password, limit):
    statuses = fail_logins(api_client, clinician.email, limit - 1)

    assert 429 not in statuses
    assert api_login(api_client, clinician.email, password).status_code == 200


def test_account_is_locked_after_the_limit_even_with_the_right_password(
    api_client, clinician, password, limit
):
    fail_logins(api_client, clinician.email, limit)

    response = api_login(api_client, clinician.email, password)

    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "failed logins" in response.json()["detail"]
    assert "access_token" not in response.json()


def test_lockout_is_per_account(api_client, clinician, admin_user, password, limit):
    fail_logins(api_client, clinician.email, limit)

    other = api_login(api_client, admin_user.email, password)

    assert other.status_code == 200
    assert api_login(api_client, clinician.email, password).status_code == 429


def test_lockout_counts_all_spellings_of_the_email(api_client, clinician, password, limit):
    spellings = [clinician.email.upper(), clinician.email, clinician.email.title()]
    for i in range(limit):
        api_login(api_client, spellings[i % len(spellings)], WRONG)

    assert api_login(api_client, clinician.email, password).status_code == 429


def test_a_stranger_cannot_lock_the_owner_out_from_elsewhere(clinician, password, limit):
    """The lock is per account *and* source address (tests/security/test_lockout.py)."""
    attacker = APIClient(REMOTE_ADDR="203.0.113.7")
    fail_logins(attacker, clinician.email, limit)

    assert api_login(attacker, clinician.email, password).status_code == 429
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.20")
    assert api_login(elsewhere, clinician.email, password).status_code == 200


def test_successful_login_resets_the_failure_count(api_client, clinician, password, limit):
    fail_logins(api_client, clinician.email, limit - 1)
    assert api_login(api_client, clinician.email, password).status_code == 200

    fail_logins(api_client, clinician.email, limit - 1)
    assert api_login(api_client, clinician.email, password).status_code == 200


def test_api_lockout_applies_to_the_html_login_page(api_client, client, clinician, password, limit):
    fail_logins(api_client, clinician.email, limit)

    response = client.post("/accounts/login/", {"username": clinician.email, "password": password})

    assert response.status_code == 429
    assert b"failed logins" in response.content
    assert "_auth_user_id" not in client.session


def test_html_login_failures_lock_the_api_too(api_client, client, clinician, password, limit):
    for _ in range(limit):
        client.post("/accounts/login/", {"username": clinician.email, "password": WRONG})

    assert (
        client.post(
            "/accounts/login/", {"username": clinician.email, "password": password}
        ).status_code
        == 429
    )
    assert api_login(api_client, clinician.email, password).status_code == 429


def test_unlocked_html_login_still_works(client, clinician, password):
    response = client.post("/accounts/login/", {"username": clinician.email, "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == clinician.pk


def test_lockout_applies_to_the_admin_login(api_client, client, superuser, limit):
    # The right password gets in while the account is not locked ...
    ok = client.post(
        "/admin/login/?next=/admin/",
        {"username": superuser.email, "password": "Platform-root-secret-9", "next": "/admin/"},
    )
    assert ok.status_code == 302
    client.logout()

    fail_logins(api_client, superuser.email, limit)

    # ... and not once it is.
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": superuser.email, "password": "Platform-root-secret-9", "next": "/admin/"},
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_login_failures_lock_the_account(api_client, client, superuser, limit):
    for _ in range(limit):
        client.post("/admin/login/", {"username": superuser.email, "password": WRONG})

    response = api_login(api_client, superuser.email, "Platform-root-secret-9")
    assert response.status_code == 429


# --- per-client rate limit ---------------------------------------------------------------------
@pytest.fixture
def three_per_minute(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/minute"})


def test_auth_rate_limit_is_configured():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"] == settings.AUTH_RATE_LIMIT


def test_fourth_auth_request_in_a_minute_is_throttled(
    api_client, clinician, password, three_per_minute
):
    for _ in range(3):
        assert api_login(api_client, clinician.email, password).status_code == 200

    response = api_login(api_client, clinician.email, password)

    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    "route,body",
    [
        ("signup", {"name": "X", "email": "x@example.org", "password": "a", "clinic_name": "X"}),
        ("refresh", {"refresh_token": "nope"}),
        ("forgot-password", {"email": "nobody@example.org"}),
        ("reset-password", {"token": "a/b", "new_password": "whatever"}),
    ],
)
@pytest.mark.django_db
def test_every_public_auth_endpoint_is_throttled(api_client, three_per_minute, route, body):
    for _ in range(3):
        assert api_client.post(f"{AUTH}/{route}", body, format="json").status_code != 429

    response = api_client.post(f"{AUTH}/{route}", body, format="json")

    assert response.status_code == 429
    assert response.json()["detail"]


def test_throttle_is_per_client(clinician, password, three_per_minute):
    first = APIClient(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        api_login(first, clinician.email, password)
    assert api_login(first, clinician.email, password).status_code == 429

    second = APIClient(REMOTE_ADDR="198.51.100.20")
    assert api_login(second, clinician.email, password).status_code == 200


def test_throttle_cannot_be_dodged_with_a_forged_forwarded_for_header(
    clinician, password, three_per_minute
):
    """One client rotating X-Forwarded-For values is still one client (no proxy is trusted)."""
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    statuses = [
        api_login(client, clinician.email, password, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
        for i in range(6)
    ]
    assert 429 in statuses, statuses


# --- guessing the current password from a signed-in session or token ------------------------------
NEW = "A-brand-new-passphrase-42"


def change_password(client, current):
    return client.post(
        f"{AUTH}/change-password",
        {"current_password": current, "new_password": NEW},
        format="json",
    )


def test_wrong_current_passwords_lock_like_failed_logins(clinician, password, limit):
    from accounts.models import AuditEvent

    app = APIClient()
    app.force_authenticate(clinician)
    statuses = [change_password(app, WRONG).status_code for _ in range(limit)]

    assert statuses == [400] * (limit - 1) + [429]  # the limit's failure locks, as a login's
    assert AuditEvent.objects.filter(action="login_failed", object_id=clinician.pk).count() == limit
    locked = change_password(app, password)  # even the right one, until the lock ends
    assert locked.status_code == 429 and "failed logins" in locked.json()["detail"]
    clinician.refresh_from_db()
    assert clinician.check_password(password)
    assert api_login(APIClient(), clinician.email, password).status_code == 429


def test_the_password_page_counts_wrong_current_passwords_too(client, clinician, password, limit):
    client.force_login(clinician)
    form = {"old_password": WRONG, "new_password1": NEW, "new_password2": NEW}
    for _ in range(limit - 1):
        page = client.post("/accounts/password_change/", form)
        assert page.status_code == 200 and "current password is not correct" in page.text
    assert client.post("/accounts/password_change/", form).status_code == 429

    form["old_password"] = password
    assert client.post("/accounts/password_change/", form).status_code == 429
    clinician.refresh_from_db()
    assert clinician.check_password(password)
