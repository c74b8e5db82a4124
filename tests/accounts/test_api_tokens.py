"""JWTs: forged tokens are refused; rotation, blacklisting and expiry do what they promise."""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core.roles import Role
from tests.factories import PASSWORD

AUTH = "/api/v1/auth"
ME = f"{AUTH}/me"
STAFF_LIST = "/api/v1/clinics/current/staff"


def b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def issued_refresh(user) -> str:
    """A refresh token issued the way the app issues them: by logging in."""
    response = APIClient().post(
        f"{AUTH}/login", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["refresh_token"]


def claims_of(user) -> dict:
    """The claims of a genuine access token for `user`, to copy into forged ones."""
    return dict(AccessToken.for_user(user).payload)


def get_me(client, token):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(ME)


def refresh(client, token):
    return client.post(f"{AUTH}/refresh", {"refresh_token": token}, format="json")


def assert_401(response):
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


# --- the genuine article, so the forged ones below fail for the right reason ---------------------
def test_a_genuine_access_token_works(api_client, clinician):
    response = get_me(api_client, str(AccessToken.for_user(clinician)))
    assert response.status_code == 200
    assert response.json()["id"] == clinician.pk


def test_a_token_signed_with_the_real_key_works(api_client, clinician):
    token = jwt.encode(claims_of(clinician), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    assert get_me(api_client, token).status_code == 200


# --- forged ------------------------------------------------------------------------------------
@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_token_is_refused(api_client, clinician, alg):
    token = f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims_of(clinician))}."
    assert_401(get_me(api_client, token))


def test_alg_none_token_with_a_signature_part_is_refused(api_client, admin_user):
    genuine = str(AccessToken.for_user(admin_user))
    signature = genuine.rsplit(".", 1)[1]
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims_of(admin_user))}.{signature}"
    assert_401(get_me(api_client, token))


def test_token_signed_with_a_wrong_key_is_refused(api_client, clinician):
    token = jwt.encode(claims_of(clinician), "not-the-server-secret-" * 3, algorithm="HS256")
    assert_401(get_me(api_client, token))


def test_token_signed_with_another_hmac_algorithm_is_refused(api_client, clinician):
    token = jwt.encode(claims_of(clinician), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512")
    assert_401(get_me(api_client, token))


def test_tampered_user_id_keeps_signature_and_is_refused(api_client, clinician, admin_user):
    header, payload, signature = str(AccessToken.for_user(clinician)).split(".")
    claims = unb64(payload)
    claims["user_id"] = admin_user.pk
    token = f"{header}.{b64(claims)}.{signature}"

    response = get_me(api_client, token)

    assert_401(response)
    assert admin_user.email not in response.content.decode()


def test_tampered_expiry_is_refused(api_client, clinician):
    header, payload, signature = str(AccessToken.for_user(clinician)).split(".")
    claims = unb64(payload)
    claims["exp"] += 365 * 24 * 3600
    assert_401(get_me(api_client, f"{header}.{b64(claims)}.{signature}"))


def test_privilege_escalation_by_tampering_is_refused(api_client, other_admin, clinician):
    """A clinician forging a token as another clinic's admin cannot list that clinic's staff."""
    header, payload, signature = str(AccessToken.for_user(clinician)).split(".")
    claims = unb64(payload)
    claims["user_id"] = other_admin.pk
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{b64(claims)}.{signature}")
    assert_401(api_client.get(STAFF_LIST))


def test_expired_access_token_is_refused(api_client, clinician):
    token = AccessToken.for_user(clinician)
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert_401(get_me(api_client, str(token)))


def test_refresh_token_used_as_access_token_is_refused(api_client, clinician):
    assert_401(get_me(api_client, issued_refresh(clinician)))


def test_access_token_used_as_refresh_token_is_refused(api_client, clinician):
    assert_401(refresh(api_client, str(AccessToken.for_user(clinician))))


def test_token_for_a_deleted_user_is_refused(api_client, clinic):
    from tests.factories import UserFactory

    user = UserFactory(clinic=clinic, role=Role.NURSE)
    token = str(AccessToken.for_user(user))
    user.delete()
    assert_401(get_me(api_client, token))


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Token abc", "Basic YTpi", "Bearer eyJ.eyJ.sig"],
)
def test_malformed_authorization_headers_are_refused(api_client, clinician, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get(ME)
    assert response.status_code == 401, response.content
    assert response.json()["detail"]


# --- refresh: rotation, blacklist, expiry ------------------------------------------------------
def test_rotation_chain(api_client, clinician):
    first = issued_refresh(clinician)
    second = refresh(api_client, first).json()["refresh_token"]
    third = refresh(api_client, second).json()["refresh_token"]

    assert len({first, second, third}) == 3
    assert refresh(api_client, third).status_code == 200


def test_a_used_refresh_token_is_refused_and_ends_its_login(api_client, clinician):
    """Reuse means a copy exists: the whole family goes (tests/security/test_tokens.py)."""
    first = issued_refresh(clinician)
    second = refresh(api_client, first).json()["refresh_token"]

    assert_401(refresh(api_client, first))
    assert_401(refresh(api_client, second))


def test_refreshed_access_token_belongs_to_the_same_user(api_client, clinician):
    body = refresh(api_client, issued_refresh(clinician)).json()
    me = get_me(api_client, body["access_token"])
    assert me.status_code == 200
    assert me.json()["id"] == clinician.pk


def test_expired_refresh_token_is_refused(api_client, clinician):
    """A genuine, recorded refresh token, re-signed with the real key but past its expiry."""
    claims = jwt.decode(issued_refresh(clinician), options={"verify_signature": False})
    claims["exp"] = claims["iat"] - 1
    token = jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    assert_401(refresh(api_client, token))


def test_refresh_token_lifetime_is_honoured(api_client, clinician):
    claims = jwt.decode(issued_refresh(clinician), options={"verify_signature": False})
    lifetime = settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()
    assert claims["exp"] - claims["iat"] == lifetime


def test_refresh_token_signed_with_wrong_key_is_refused(api_client, clinician):
    claims = jwt.decode(issued_refresh(clinician), options={"verify_signature": False})
    token = jwt.encode(claims, "not-the-server-secret-" * 3, algorithm="HS256")
    assert_401(refresh(api_client, token))


def test_refresh_for_a_deactivated_user_is_refused(api_client, clinician):
    token = issued_refresh(clinician)
    clinician.is_active = False
    clinician.save()
    assert_401(refresh(api_client, token))


def test_access_token_of_a_deactivated_user_is_refused(api_client, clinician):
    token = str(AccessToken.for_user(clinician))
    clinician.is_active = False
    clinician.save()
    assert_401(get_me(api_client, token))


def test_logged_out_refresh_token_cannot_be_rotated_nor_reused(api_client, clinician):
    token = issued_refresh(clinician)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(clinician)}")
    assert (
        api_client.post(f"{AUTH}/logout", {"refresh_token": token}, format="json").status_code
        == 200
    )
    api_client.credentials()

    assert_401(refresh(api_client, token))
    assert_401(refresh(api_client, token))
