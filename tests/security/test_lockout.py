"""Lockout that cannot be turned against a user: per account and address, a per-address limit
across accounts, cleared by a password reset or by the clinic's admin."""

import pytest
from rest_framework.test import APIClient

from accounts.emails import password_link_token
from accounts.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

AUTH = "/api/v1/auth"
WRONG = "Not-the-password-000"
NEW_PASSWORD = "Fresh-lantern-harbour-42"


def login(client, email, password=PASSWORD):
    return client.post(f"{AUTH}/login", {"email": email, "password": password}, format="json")


def lock_out(user, ip="203.0.113.7", limit=5):
    client = APIClient(REMOTE_ADDR=ip)
    for _ in range(limit):
        login(client, user.email, WRONG)
    assert login(client, user.email).status_code == 429
    return client


def test_the_owner_gets_in_from_another_address_while_the_attacker_is_locked(clinician):
    lock_out(clinician)
    assert login(APIClient(REMOTE_ADDR="198.51.100.20"), clinician.email).status_code == 200


def test_one_address_guessing_across_accounts_is_stopped(clinic, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 6
    victims = [UserFactory(clinic=clinic) for _ in range(3)]
    attacker = APIClient(REMOTE_ADDR="203.0.113.9")
    for victim in victims:  # 2 guesses each: no account reaches its own limit of 5
        login(attacker, victim.email, WRONG)
        login(attacker, victim.email, WRONG)

    response = login(attacker, victims[0].email)
    assert response.status_code == 429
    assert "network" in response.json()["detail"]
    assert login(APIClient(REMOTE_ADDR="198.51.100.20"), victims[0].email).status_code == 200


def test_the_address_limit_also_guards_the_html_login(client, clinician, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post("/accounts/login/", {"username": "nobody@example.org", "password": WRONG})
    response = client.post("/accounts/login/", {"username": clinician.email, "password": PASSWORD})
    assert response.status_code == 429
    # A reset (or the admin) clears an account's lock, not the network's: no such advice here.
    page = response.content.decode()
    assert "refused for up to an hour" in page
    assert "reset your password" not in page.lower()


def test_the_network_limit_is_not_lifted_by_a_password_reset(clinician, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 2
    network = APIClient(REMOTE_ADDR="203.0.113.30")
    login(network, "nobody@example.org", WRONG)
    login(network, "nobody@example.org", WRONG)
    token = password_link_token(clinician)
    APIClient().post(
        f"{AUTH}/reset-password", {"token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    response = login(network, clinician.email, NEW_PASSWORD)
    assert response.status_code == 429
    assert "reset your password" not in response.json()["detail"]


def test_a_password_reset_clears_the_lock(clinician):
    attacker = lock_out(clinician, ip="127.0.0.1")
    response = APIClient().post(
        f"{AUTH}/reset-password",
        {"token": password_link_token(clinician), "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 200

    assert login(attacker, clinician.email, NEW_PASSWORD).status_code == 200


def test_admin_sees_lockouts_of_their_staff_and_clears_them(admin_api, clinician, other_staff):
    lock_out(clinician)
    lock_out(other_staff["clinician"])

    listed = admin_api.get(f"{AUTH}/lockouts").json()
    assert [row["user"]["email"] for row in listed] == [clinician.email]
    assert listed[0]["failures"] >= 5

    assert admin_api.delete(f"{AUTH}/lockouts/{clinician.pk}").status_code == 200
    assert admin_api.get(f"{AUTH}/lockouts").json() == []
    assert login(APIClient(REMOTE_ADDR="203.0.113.7"), clinician.email).status_code == 200
    assert AuditEvent.objects.filter(action="unlock", object_id=clinician.pk).exists()


def test_admin_cannot_clear_another_clinics_lockout(admin_api, other_staff):
    lock_out(other_staff["clinician"])
    assert admin_api.delete(f"{AUTH}/lockouts/{other_staff['clinician'].pk}").status_code == 404
    assert (
        login(APIClient(REMOTE_ADDR="203.0.113.7"), other_staff["clinician"].email).status_code
        == 429
    )


def test_admin_clears_a_lockout_from_the_staff_pages(admin_web, clinician):
    lock_out(clinician)
    page = admin_web.get("/accounts/lockouts/")
    assert clinician.email in page.content.decode()

    response = admin_web.post(f"/accounts/lockouts/{clinician.pk}/clear/")
    assert response.status_code == 302
    assert clinician.email not in admin_web.get("/accounts/lockouts/").content.decode()
