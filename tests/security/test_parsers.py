"""Parsers that cannot be crashed: every API path answers a client's mistake with JSON."""

import pytest
from django.conf import settings

from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 10000 + "]" * 10000


def detail_of(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/forgot-password", "/api/v1/auth/login", "/api/v1/auth/signup"]
)
def test_deeply_nested_json_is_a_400_with_a_message_without_login(client, path):
    response = client.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in detail_of(response)


def test_deeply_nested_json_is_a_400_when_signed_in(api_as, clinician):
    response = api_as(clinician).patch(
        "/api/v1/auth/me", '{"a":' * 40 + "1" + "}" * 40, content_type="application/json"
    )
    assert response.status_code in (400, 405)
    assert detail_of(response)


def test_json_nested_a_little_is_still_accepted(api_client):
    body = '{"email": "x@example.org", "extra": ' + "[" * 20 + "]" * 20 + "}"
    response = api_client.post(
        "/api/v1/auth/forgot-password", body, content_type="application/json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_a_body_over_the_limit_is_a_json_413(client, method):
    body = '{"email": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    response = getattr(client, method)(
        "/api/v1/auth/forgot-password", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert "MB" in detail_of(response)


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
def test_unknown_api_paths_are_a_json_404_for_every_method(method):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(
        "/api/v1/no-such-thing/", {}, content_type="application/json"
    )
    assert response.status_code == 404
    assert detail_of(response)


def test_unknown_api_path_is_a_json_404_when_signed_in_by_session(admin_web):
    response = admin_web.delete("/api/v1/nothing/here")
    assert response.status_code == 404
    assert detail_of(response)


def test_csrf_refusal_on_the_api_is_json(admin_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post("/api/v1/auth/logout", {"refresh_token": "x"}, "application/json")
    assert response.status_code == 403
    assert detail_of(response)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/patients/", "/api/v1/auth/me", "/api/v1/clinics/staff/", "/api/v1/labs/tests/"],
)
def test_accept_html_on_the_api_is_never_a_500(api_as, clinician, path):
    response = api_as(clinician).get(path, HTTP_ACCEPT="text/html")
    assert response.status_code < 500, response.content[:300]


def test_accept_html_without_the_browsable_api_answers_json(api_as, clinician):
    from rest_framework.renderers import JSONRenderer
    from rest_framework.views import APIView

    from core.api import JSONFallbackNegotiation

    request = api_as(clinician).get("/api/v1/auth/me").wsgi_request
    request.META["HTTP_ACCEPT"] = "text/html"
    renderer, media_type = JSONFallbackNegotiation().select_renderer(
        APIView().initialize_request(request), [JSONRenderer()]
    )
    assert media_type == "application/json"


def test_browsable_api_is_off_unless_debug():
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='health_passport.settings';"
        "from django.conf import settings;"
        "print(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])"
    )
    env = {
        "ENV_FILE": "",
        "DEBUG": "False",
        "SECRET_KEY": "s" * 20 + "ecret-" * 10,
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "Browsable" not in out
    assert "JSONRenderer" in out


LONE_SURROGATE = '"\\ud800"'  # valid JSON; as text it cannot be written out again


def test_a_lone_surrogate_is_a_400_and_nothing_is_saved(api_as, clinician, clinic):
    """Stored, the text would make every answer that shows it a 500 (a list of programmes,
    a day's tasks), for everyone; the parser refuses it before any view runs."""
    api = api_as(clinician)
    patient = PatientFactory(clinic=clinic, first_name="Ada")

    answer = api.patch(
        f"/api/v1/patients/{patient.pk}/",
        '{"first_name": ' + LONE_SURROGATE + "}",
        content_type="application/json",
    )

    assert answer.status_code == 400
    assert "not valid Unicode" in detail_of(answer)
    patient.refresh_from_db()
    assert patient.first_name == "Ada"


@pytest.mark.parametrize(
    "body", ['{"language": ' + LONE_SURROGATE + "}", "{" + LONE_SURROGATE + ': "en"}']
)
def test_a_lone_surrogate_in_a_choice_or_a_key_is_a_400_not_a_500(api_as, clinician, body):
    answer = api_as(clinician).patch("/api/v1/auth/me", body, content_type="application/json")
    assert answer.status_code == 400
    assert "not valid Unicode" in detail_of(answer)
