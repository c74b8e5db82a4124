"""Tokens end when they should: logout, deactivation/reactivation, a reused refresh token."""

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

AUTH = "/api/v1/auth"


def login(user) -> dict:
    response = APIClient().post(
        f"{AUTH}/login", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def me(access_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return client.get(f"{AUTH}/me")


def rotate(refresh_token):
    return APIClient().post(f"{AUTH}/refresh", {"refresh_token": refresh_token}, format="json")


def test_logout_revokes_the_access_token_too(clinician):
    tokens = login(clinician)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert (
        client.post(
            f"{AUTH}/logout", {"refresh_token": tokens["refresh_token"]}, format="json"
        ).status_code
        == 200
    )

    assert me(tokens["access_token"]).status_code == 401


def test_logout_leaves_the_users_other_devices_signed_in(clinician):
    phone, tablet = login(clinician), login(clinician)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['access_token']}")
    client.post(f"{AUTH}/logout", {"refresh_token": phone["refresh_token"]}, format="json")

    assert me(tablet["access_token"]).status_code == 200
    assert rotate(tablet["refresh_token"]).status_code == 200


def test_access_token_of_a_rotated_pair_keeps_working_until_expiry(clinician):
    tokens = login(clinician)
    assert rotate(tokens["refresh_token"]).status_code == 200
    assert me(tokens["access_token"]).status_code == 200


def test_deactivated_then_reactivated_user_old_tokens_stay_dead(admin_api, clinician):
    tokens = login(clinician)
    path = f"/api/v1/clinics/current/staff/{clinician.pk}"
    assert admin_api.patch(path, {"is_active": False}, format="json").status_code == 200
    assert admin_api.patch(path, {"is_active": True}, format="json").status_code == 200

    assert me(tokens["access_token"]).status_code == 401
    assert rotate(tokens["refresh_token"]).status_code == 401
    assert me(login(clinician)["access_token"]).status_code == 200


def test_deactivated_then_reactivated_user_old_web_session_is_over(client, admin_api, clinician):
    client.force_login(clinician)
    assert client.get("/").status_code == 200
    path = f"/api/v1/clinics/current/staff/{clinician.pk}"
    admin_api.patch(path, {"is_active": False}, format="json")
    admin_api.patch(path, {"is_active": True}, format="json")

    assert client.get("/").status_code == 302


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(clinician):
    stolen = login(clinician)
    fresh = rotate(stolen["refresh_token"]).json()  # the user rotates; the thief keeps a copy

    assert rotate(stolen["refresh_token"]).status_code == 401  # the thief tries it

    assert rotate(fresh["refresh_token"]).status_code == 401
    assert me(fresh["access_token"]).status_code == 401
    reuse = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REUSE)
    assert reuse.object_id == clinician.pk
    assert "theft" in reuse.detail


def test_reuse_revokes_only_that_login(clinician):
    other_device = login(clinician)
    stolen = login(clinician)
    rotate(stolen["refresh_token"])
    rotate(stolen["refresh_token"])

    assert me(other_device["access_token"]).status_code == 200


def test_logged_out_token_presented_again_is_no_theft_alarm(clinician):
    tokens = login(clinician)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    client.post(f"{AUTH}/logout", {"refresh_token": tokens["refresh_token"]}, format="json")

    assert rotate(tokens["refresh_token"]).status_code == 401
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REUSE).exists()


def test_deactivating_in_the_django_admin_ends_old_tokens(rf, admin_user, clinician):
    from types import SimpleNamespace

    from django.contrib import admin

    from accounts.models import User

    tokens = login(clinician)
    request = rf.post("/admin/accounts/user/")
    request.user = admin_user
    clinician.is_active = False
    admin.site._registry[User].save_model(
        request, clinician, SimpleNamespace(changed_data=["is_active"]), change=True
    )
    clinician.is_active = True
    clinician.save()

    assert me(tokens["access_token"]).status_code == 401
    assert rotate(tokens["refresh_token"]).status_code == 401
