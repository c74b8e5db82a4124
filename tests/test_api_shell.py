"""The API shell: JSON errors, OpenAPI schema and docs, security headers, pagination."""

import json
import re

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders

from core.roles import Role
from tests.factories import UserFactory
from tests.patients.html_factories import page_text

AUTH_ROUTES = [
    "signup",
    "login",
    "refresh",
    "logout",
    "forgot-password",
    "reset-password",
    "change-password",
]
# Every endpoint of the foundation, with its methods (paths without the trailing slash).
ENDPOINTS = {
    **{f"/api/v1/auth/{route}": {"post"} for route in AUTH_ROUTES},
    "/api/v1/auth/me": {"get"},
    "/api/v1/auth/signup/confirm": {"post"},
    "/api/v1/clinics/current": {"get", "patch"},
    "/api/v1/clinics/current/staff": {"get", "post"},
    "/api/v1/clinics/current/staff/{id}": {"get", "patch", "delete"},
    "/api/v1/clinics/current/staff/{id}/resend-invitation": {"post"},
    "/api/v1/patients": {"get", "post"},
    "/api/v1/patients/{id}": {"get", "patch", "delete"},
    "/api/v1/patients/{id}/restore": {"post"},
    "/api/v1/patients/{id}/fhir": {"get"},
    "/api/v1/patients/{id}/invite": {"post"},
    "/api/v1/patients/{id}/access-log": {"get"},
    **{
        path: methods
        for kind in ("allergies", "conditions", "medications")
        for path, methods in {
            f"/api/v1/patients/{{id}}/{kind}": {"get", "post"},
            f"/api/v1/patients/{{id}}/{kind}/{{record_id}}": {"get", "patch", "delete"},
        }.items()
    },
    # labs
    "/api/v1/labs/tests": {"get", "post"},
    "/api/v1/labs/tests/{id}": {"get", "patch"},
    "/api/v1/labs/tests/{id}/ranges": {"get", "post"},
    "/api/v1/labs/tests/{id}/ranges/{range_id}": {"patch", "delete"},
    "/api/v1/labs/panels": {"get"},
    "/api/v1/labs/panels/{id}": {"get"},
    "/api/v1/labs/orders": {"get", "post"},
    "/api/v1/labs/orders/{id}": {"get"},
    "/api/v1/labs/orders/{id}/collect": {"post"},
    "/api/v1/labs/orders/{id}/cancel": {"post"},
    "/api/v1/labs/orders/{id}/fhir": {"get"},
    "/api/v1/labs/results": {"get", "post"},
    "/api/v1/labs/results/review-queue": {"get"},
    "/api/v1/labs/results/{id}": {"get"},
    "/api/v1/labs/results/{id}/correct": {"post"},
    "/api/v1/labs/results/{id}/review": {"post"},
    "/api/v1/labs/results/{id}/fhir": {"get"},
    "/api/v1/patients/{id}/labs": {"get"},
    "/api/v1/patients/{id}/labs/trend/{test_id}": {"get"},
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
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


def assert_json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert isinstance(body["detail"], str) and body["detail"]
    return body


# --- JSON errors -------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/v1/",
        "/api/v1/nope",
        "/api/v2/auth/login",
        "/api/v1/auth/unknown",
        "/api/v1/auth/login/extra",
        "/api/v1/clinics/other",
        "/api/v1/clinics/current/staff/a/b",
        "/api/schema/nope",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_paths_are_json_404(client, path, method):
    response = getattr(client, method)(path)
    assert_json_error(response, 404)


def test_unknown_api_path_is_json_404_when_logged_in(admin_api):
    assert_json_error(admin_api.get("/api/v1/patients/123"), 404)


@pytest.mark.parametrize(
    "method,path",
    [
        ("patch", "/api/v1/clinics/current"),
        ("post", "/api/v1/clinics/current/staff"),
        ("post", "/api/v1/auth/change-password"),
        ("post", "/api/v1/auth/logout"),
    ],
)
@pytest.mark.parametrize("raw", ['{"name": ', "{'single': 'quotes'}", "\x00\x01", "nul"])
def test_malformed_json_is_400_json(admin_api, method, path, raw):
    response = getattr(admin_api, method)(path, data=raw, content_type="application/json")
    assert_json_error(response, 400)


@pytest.mark.django_db
def test_malformed_json_on_public_endpoint_is_400_json(api_client):
    response = api_client.post(
        "/api/v1/auth/login",
        data='{"email": "x@example.org", "password"',
        content_type="application/json",
    )
    assert_json_error(response, 400)


def test_unsupported_media_type_is_415_json(admin_api):
    response = admin_api.patch(
        "/api/v1/clinics/current", data="name=Foo", content_type="text/plain"
    )
    assert_json_error(response, 415)


@pytest.mark.django_db
def test_wrong_method_is_405_json(api_client):
    assert_json_error(api_client.get("/api/v1/auth/login"), 405)
    assert_json_error(api_client.put("/api/v1/auth/signup", {}, format="json"), 405)


def test_wrong_method_on_authenticated_endpoint_is_405_json(admin_api):
    assert_json_error(admin_api.put("/api/v1/clinics/current", {}, format="json"), 405)


@pytest.mark.django_db
def test_validation_errors_carry_field_errors(api_client):
    body = assert_json_error(api_client.post("/api/v1/auth/login", {}, format="json"), 400)
    assert set(body["errors"]) == {"email", "password"}
    assert all(isinstance(v, list) and v for v in body["errors"].values())


# --- OpenAPI schema ----------------------------------------------------------------------------
@pytest.fixture
def schema(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def resolve(schema, node):
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = schema["components"]["schemas"][name]
    return node


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path.rstrip("/"), method, operation


@pytest.mark.django_db
def test_schema_is_served_as_yaml_and_json_without_login(client):
    as_yaml = client.get("/api/schema/")
    as_json = client.get("/api/schema/?format=json")

    assert as_yaml.status_code == as_json.status_code == 200
    from_yaml = yaml.safe_load(as_yaml.content)
    from_json = json.loads(as_json.content)
    assert from_yaml["openapi"].startswith("3.")
    assert from_yaml["paths"].keys() == from_json["paths"].keys()


def test_schema_lists_every_endpoint(schema):
    documented = {}
    for path, method, _operation in operations(schema):
        documented.setdefault(path, set()).add(method)

    for path, methods in ENDPOINTS.items():
        assert path in documented, sorted(documented)
        assert methods <= documented[path], (path, documented[path])


def is_record_action(path: str, method: str) -> bool:
    """`POST …/{id}/<verb>` (e.g. resend-invitation): the URL may say all the action needs."""
    *_, parent, last = path.split("/")
    return method == "post" and parent.startswith("{") and not last.startswith("{")


# Creates that take no input at all: the server makes everything (a secret feed URL).
NO_INPUT = {("/api/v1/appointments/feeds", "post")}


def needs_no_body(path: str, method: str, operation) -> bool:
    """A record action, or a create that takes no input, may be sent empty."""
    return "requestBody" not in operation and (
        is_record_action(path, method) or (path, method) in NO_INPUT
    )


# Uploads are multipart (the file's bytes); every other write body is JSON.
BODY_TYPES = ("application/json", "multipart/form-data")


def test_every_write_operation_documents_its_request_body(schema):
    for path, method, operation in operations(schema):
        if needs_no_body(path, method, operation):
            continue
        if method in {"post", "put", "patch"}:
            assert "requestBody" in operation, (path, method)
            content = operation["requestBody"]["content"]
            media = next((m for m in BODY_TYPES if m in content), None)
            assert media, (path, method, list(content))
            body = resolve(schema, content[media]["schema"])
            if body.get("type") == "array":  # a list of objects (e.g. preferences)
                body = resolve(schema, body["items"])
            assert body.get("properties"), (path, method)


def test_every_operation_documents_its_success_body(schema):
    for path, method, operation in operations(schema):
        successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        assert successes, (path, method)
        for code, response in successes.items():
            if code == "204":
                continue
            content = response["content"]
            if "application/json" not in content:  # a download (bytes, a calendar) of its type
                (media, body), *_ = content.items()
                assert resolve(schema, body["schema"]).get("type") == "string", (path, media)
                continue
            body = resolve(schema, content["application/json"]["schema"])
            # One of several documented shapes (e.g. tokens, or a second-factor challenge).
            shapes = [resolve(schema, shape) for shape in body.get("oneOf", [body])]
            for shape in shapes:
                assert shape.get("properties") or shape.get("type") == "array", (path, method, code)


def test_every_operation_documents_its_errors(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        if "{id}" in path or path.startswith("/api/v1/clinics"):
            assert {"401", "403"} <= codes, (path, method, codes)
        if method in {"post", "patch", "put"} and not needs_no_body(path, method, operation):
            assert "400" in codes, (path, method, codes)


def test_auth_bodies_in_schema_match_the_api(schema):
    ops = {(path, method): op for path, method, op in operations(schema)}

    def response_fields(path, method, code):
        content = ops[(path, method)]["responses"][code]["content"]["application/json"]
        return set(resolve(schema, content["schema"])["properties"])

    def request_fields(path, method):
        content = ops[(path, method)]["requestBody"]["content"]["application/json"]
        return set(resolve(schema, content["schema"])["properties"])

    assert request_fields("/api/v1/auth/signup", "post") == {
        "name",
        "email",
        "password",
        "clinic_name",
    }
    assert response_fields("/api/v1/auth/signup", "post", "202") == {"message"}
    assert request_fields("/api/v1/auth/signup/confirm", "post") == {"token"}
    assert response_fields("/api/v1/auth/signup/confirm", "post", "201") == {
        "access_token",
        "refresh_token",
        "token_type",
        "user",
        "clinic_id",
    }
    assert request_fields("/api/v1/auth/login", "post") == {"email", "password"}
    assert request_fields("/api/v1/auth/reset-password", "post") == {"token", "new_password"}
    assert response_fields("/api/v1/auth/refresh", "post", "200") == {
        "access_token",
        "refresh_token",
    }
    assert response_fields("/api/v1/auth/me", "get", "200") == USER_FIELDS | {"mfa_enabled"}


def test_staff_list_is_documented_as_paginated_and_filterable(schema):
    ops = {(path, method): op for path, method, op in operations(schema)}
    operation = ops[("/api/v1/clinics/current/staff", "get")]

    content = operation["responses"]["200"]["content"]["application/json"]
    assert {"count", "next", "previous", "results"} <= set(
        resolve(schema, content["schema"])["properties"]
    )
    parameters = {p["name"] for p in operation.get("parameters", [])}
    assert {"page", "page_size", "search", "role", "status"} <= parameters


def test_clinic_patch_documents_the_logo_upload(schema):
    ops = {(path, method): op for path, method, op in operations(schema)}
    content = ops[("/api/v1/clinics/current", "patch")]["requestBody"]["content"]
    assert "multipart/form-data" in content
    logo = resolve(schema, content["multipart/form-data"]["schema"])["properties"]["logo"]
    assert logo.get("format") == "binary"


# --- API docs pages ----------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_only_local_assets(client, path):
    response = client.get(path)

    assert response.status_code == 200
    html = page_text(response)  # without the nonce, whose base64 holds "//" once in ~200
    external = [
        url
        for url in re.findall(r"""(?:https?:)?//[A-Za-z0-9.\-]+[^\s"'<>)]*""", html)
        if not re.match(r"(?:https?:)?//testserver(?:[:/]|$)", url)
    ]
    assert external == [], external
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any(a.endswith(".js") for a in assets)
    # Every referenced asset is one of this project's own static files.
    static = "/" + settings.STATIC_URL.strip("/") + "/"
    local = [a for a in assets if a.startswith(static)]
    assert local
    for asset in local:
        assert finders.find(asset.removeprefix(static)), asset


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_point_at_the_local_schema(client, path):
    page = client.get(path).content
    if b"?script=" in page:  # Swagger UI's settings come as a script of their own (CSP)
        page = client.get(path, {"script": ""}).content
    assert b"/api/schema/" in page


# --- security headers --------------------------------------------------------------------------
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize(
    "path,status",
    [
        ("/api/v1/auth/me", 200),
        ("/api/v1/clinics/current", 200),
        ("/api/v1/nope", 404),
        ("/api/schema/", 200),
    ],
)
def test_security_headers_on_api_responses(admin_api, path, status):
    response = admin_api.get(path)

    assert response.status_code == status
    for header, value in SECURITY_HEADERS.items():
        assert response[header] == value
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method,path,status",
    [
        ("get", "/api/v1/auth/me", 401),
        ("post", "/api/v1/auth/login", 400),
        ("get", "/api/redoc/", 200),
        ("get", "/accounts/login/", 200),
    ],
)
def test_security_headers_on_anonymous_responses(client, method, path, status):
    response = getattr(client, method)(path)

    assert response.status_code == status
    for header, value in SECURITY_HEADERS.items():
        assert response[header] == value
    assert response["Referrer-Policy"]
    assert response["Cross-Origin-Opener-Policy"]


@pytest.mark.django_db
def test_swagger_page_has_security_headers(client):
    response = client.get("/api/docs/")
    for header, value in SECURITY_HEADERS.items():
        assert response[header] == value
    assert response["Referrer-Policy"] == "same-origin"
    assert "Cross-Origin-Opener-Policy" in response


def test_session_and_csrf_cookies_are_http_only(client, clinician, password):
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": clinician.email, "password": password})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]
    assert client.cookies["csrftoken"]["httponly"]


# --- pagination --------------------------------------------------------------------------------
STAFF = "/api/v1/clinics/current/staff"


def test_pagination_shape_and_default_page_size(admin_api, clinic, staff):
    UserFactory.create_batch(25, clinic=clinic, role=Role.NURSE)

    body = admin_api.get(STAFF).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 30
    assert len(body["results"]) == 25
    assert body["previous"] is None
    assert "page=2" in body["next"]


def test_page_size_is_capped_at_100(admin_api, clinic, staff):
    UserFactory.create_batch(101, clinic=clinic, role=Role.NURSE)

    body = admin_api.get(STAFF, {"page_size": 1000}).json()

    assert body["count"] == 106
    assert len(body["results"]) == 100
    assert body["next"]
    rest = admin_api.get(body["next"]).json()
    assert len(rest["results"]) == 6
    ids = {row["id"] for row in body["results"]} | {row["id"] for row in rest["results"]}
    assert len(ids) == 106


@pytest.mark.parametrize("page_size", ["abc", "0", "-5", "", "null", "2.5", "²"])
def test_bad_page_size_is_a_400_that_says_so(admin_api, staff, page_size):
    response = admin_api.get(STAFF, {"page_size": page_size})
    assert_json_error(response, 400)
    assert "page_size" in response.json()["detail"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "", "²"])
def test_bad_page_is_a_400_that_says_so(admin_api, staff, page):
    response = admin_api.get(STAFF, {"page": page})
    assert_json_error(response, 400)
    assert "page" in response.json()["detail"]


def test_page_past_the_last_is_json_404(admin_api, staff):
    assert_json_error(admin_api.get(STAFF, {"page": "999"}), 404)


def test_ids_and_datetimes_follow_the_conventions(admin_api, admin_user):
    row = admin_api.get(STAFF).json()["results"][0]
    assert isinstance(row["id"], str)
    assert isinstance(row["clinic_id"], str)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$", row["created_at"])


def test_a_nested_error_says_which_part_of_the_body_is_wrong():
    from core.api import validation_error_body

    errors = {"name": [], "steps": [{}, {"kind": ['"x" is not a valid choice.']}]}

    body = validation_error_body(errors)

    assert body["detail"] == 'steps[1].kind: "x" is not a valid choice.'
    assert body["errors"]["steps"][1] == {"kind": ['"x" is not a valid choice.']}
    assert validation_error_body({"non_field_errors": ["Clash."]})["detail"] == "Clash."


def test_an_item_of_a_list_is_named_by_its_index():
    """DRF keys a nested list's errors by index ({0: …}): `detail` named them
    "values[0].0.value"."""
    from core.api import validation_error_body

    body = validation_error_body({"values": {0: {"value": ["A valid number is required."]}}})

    assert body["detail"] == "values[0].value: A valid number is required."
    assert body["errors"]["values"] == [{0: {"value": ["A valid number is required."]}}]  # a list


def test_a_body_that_is_not_utf8_is_a_400_in_words(admin_api):
    answer = admin_api.generic(
        "PATCH", "/api/v1/auth/me", b'{"language": "\xff"}', content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == "The body is not UTF-8 text, as JSON must be."


def test_an_api_link_opened_in_a_browser_says_to_sign_in(client):
    """A notification's link opened on a phone's browser answered 401 "Bad request."."""
    answer = client.get(
        "/api/v1/patients/6b1000000000000000000001/labs",
        HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )
    assert answer.status_code == 401
    assert answer.json()["detail"] == "Authentication credentials were not provided."


def test_the_threads_list_is_documented_as_paged_by_number_with_its_count(schema):
    """Not walked by cursor (a new message moves its thread to the top); its count is "about"
    past 10,000 across the clinic, so the envelope says when."""
    ops = {(path, method): op for path, method, op in operations(schema)}
    operation = ops[("/api/v1/messages/threads", "get")]

    content = operation["responses"]["200"]["content"]["application/json"]
    envelope = resolve(schema, content["schema"])
    assert {"count", "count_estimated", "next", "previous", "results"} <= set(
        envelope["properties"]
    )
    assert not envelope["properties"]["count"].get("nullable")
    parameters = {p["name"] for p in operation.get("parameters", [])}
    assert {"page", "page_size", "status", "search"} <= parameters
    assert "cursor" not in parameters
