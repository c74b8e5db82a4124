"""The API's refusals in words a person reads: a token that signs no one in, and a body that is
not JSON, on real endpoints (a list, a detail, a JSON write)."""

import contextlib
import importlib
from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import PASSWORD
from tests.patients.factories import PatientFactory

PATIENTS = "/api/v1/patients/"
SESSION_ENDED = "Your session has expired or is no longer valid. Sign in again."
NEW_PATIENT = {"first_name": "Ana", "last_name": "Silva", "date_of_birth": "1980-02-01"}


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic)


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def expired(user) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    return str(token)


def assert_refused(answer, detail, code):
    assert answer.status_code == 401, answer.content
    assert answer["WWW-Authenticate"] == 'Bearer realm="api"'
    assert answer.json() == {"detail": detail, "code": code}  # no `messages`, no token classes
    assert b"token_class" not in answer.content and b"AccessToken" not in answer.content


# --- a token that signs no one in ---------------------------------------------------------------
def test_an_expired_token_on_a_list_says_to_sign_in_again(clinician):
    assert_refused(bearer(expired(clinician)).get(PATIENTS), SESSION_ENDED, "token_not_valid")


def test_a_forged_token_on_a_detail_says_to_sign_in_again(clinician, patient):
    token = str(AccessToken.for_user(clinician))[:-4] + "AAAA"  # signature no longer matches
    answer = bearer(token).get(f"{PATIENTS}{patient.pk}/")
    assert_refused(answer, SESSION_ENDED, "token_not_valid")


def test_a_garbage_token_on_a_json_write_says_to_sign_in_again(db):
    answer = bearer("garbage").post(PATIENTS, NEW_PATIENT, format="json")
    assert_refused(answer, SESSION_ENDED, "token_not_valid")


def test_a_malformed_authorization_header_says_to_sign_in_again(db):
    answer = bearer("a b").get(PATIENTS)
    assert_refused(answer, SESSION_ENDED, "bad_authorization_header")


def test_a_token_ended_by_logout_says_to_sign_in_again(api_client, clinician):
    tokens = api_client.post(
        "/api/v1/auth/login", {"email": clinician.email, "password": PASSWORD}, format="json"
    ).json()
    phone = bearer(tokens["access_token"])
    phone.post("/api/v1/auth/logout", {"refresh_token": tokens["refresh_token"]}, format="json")

    assert_refused(phone.get(PATIENTS), SESSION_ENDED, "token_revoked")


def test_a_token_from_before_a_password_change_says_so(clinician):
    token = str(AccessToken.for_user(clinician))
    clinician.set_password("another long passphrase 42")
    clinician.save()

    assert_refused(
        bearer(token).get(PATIENTS),
        "Your password was changed, which ended this session. Sign in with the new password.",
        "password_changed",
    )


def test_no_token_keeps_drfs_words_and_says_why_in_a_code(api_client, db):
    answer = api_client.get(PATIENTS)
    assert answer.status_code == 401
    assert answer.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_a_bad_refresh_token_is_refused_without_token_internals(api_client, db):
    answer = api_client.post("/api/v1/auth/refresh", {"refresh_token": "garbage"}, format="json")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Bearer realm="api"'
    assert answer.json() == {"detail": SESSION_ENDED, "code": "token_not_valid"}  # no `messages`
    assert b"token_class" not in answer.content and b"RefreshToken" not in answer.content


# --- a body that is not JSON -------------------------------------------------------------------
@pytest.mark.parametrize(
    "body,detail",
    [
        ('{"first_name": ', "The request body is not valid JSON (line 1, column 16)."),
        ("{'first_name': 'Ana'}", "The request body is not valid JSON (line 1, column 2)."),
        ('{\n  "first_name": "Ana",\n}', "The request body is not valid JSON (line 3, column 1)."),
        ('{"first_name": "Ana"} x', "The request body is not valid JSON (line 1, column 23)."),
        ('{"weight": NaN}', "The request body is not valid JSON."),
    ],
)
def test_a_body_that_is_not_json_says_so_and_where(admin_api, body, detail):
    answer = admin_api.post(PATIENTS, data=body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json() == {"detail": detail}


def test_a_detail_write_that_is_not_json_says_so(admin_api, patient):
    answer = admin_api.patch(
        f"{PATIENTS}{patient.pk}/", data="nul", content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json() == {"detail": "The request body is not valid JSON (line 1, column 1)."}


def test_a_public_endpoint_says_the_same(api_client, db):
    answer = api_client.post("/api/v1/auth/login", data='{"email"', content_type="application/json")
    assert answer.status_code == 400
    assert answer.json() == {"detail": "The request body is not valid JSON (line 1, column 9)."}


def test_bodies_not_utf8_or_too_large_keep_their_own_words(admin_api, settings):
    not_utf8 = admin_api.generic(
        "POST", PATIENTS, b'{"first_name": "\xff"}', content_type="application/json"
    )
    assert not_utf8.json() == {"detail": "The body is not UTF-8 text, as JSON must be."}

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    too_large = admin_api.post(
        PATIENTS, data='{"notes": "' + "x" * 1024 * 1024 + '"}', content_type="application/json"
    )
    assert too_large.status_code == 413
    assert too_large.json()["detail"] == "The request body is larger than 1 MB."


def _project_fields(cls):
    for sub in cls.__subclasses__():
        if sub.__module__.split(".")[0] in PROJECT_APPS:
            yield sub
        yield from _project_fields(sub)


PROJECT_APPS = {
    "core", "accounts", "clinics", "patients", "labs", "appointments", "programs", "messaging",
    "notes", "notifications", "ai_assist", "files",
}  # fmt: skip


def test_every_api_field_s_own_error_words_are_translated():
    """A field's own error messages are marked for translation (lazily: read in the caller's
    language when raised). OffsetDateTimeField's were plain English strings."""
    import django.apps
    from django.utils.functional import Promise
    from rest_framework import serializers

    for config in django.apps.apps.get_app_configs():  # every serializer module imported
        if config.name in PROJECT_APPS:
            with contextlib.suppress(ImportError):
                importlib.import_module(f"{config.name}.serializers")
    fields = set(_project_fields(serializers.Field))
    assert {f.__name__ for f in fields} >= {"OffsetDateTimeField"}
    for field in fields:
        own = field.__dict__.get("default_error_messages", {})
        plain = {key: text for key, text in own.items() if not isinstance(text, Promise)}
        assert not plain, f"{field.__module__}.{field.__name__}: {plain}"


def test_a_time_without_its_offset_is_refused_in_words(admin_api):
    answer = admin_api.post(
        "/api/v1/appointments/", {"start": "2026-03-02T09:00:00"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["start"] == [
        "Give a date and time with a timezone offset, e.g. 2026-03-02T09:00:00+00:00."
    ]
