"""Probes, request ids and the one JSON log line per request."""

import json
import logging

import pytest
from django.core.cache import cache

from core import health
from core.requestlog import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_healthz_and_readyz_answer_without_login(client):
    assert client.get("/healthz").content == b"ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok"}


@pytest.mark.parametrize("broken", ["database", "cache", "queue", "migrations"])
def test_readyz_is_503_without_detail_when_a_dependency_fails(client, monkeypatch, broken):
    def fail():
        raise RuntimeError("secret-host:5432 refused")

    monkeypatch.setitem(health.CHECKS, broken, fail)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert b"secret-host" not in response.content


def test_readyz_finds_unapplied_migrations(client, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("core", "0002")]
    )
    assert client.get("/readyz").status_code == 503


def test_readyz_finds_a_cache_that_keeps_nothing(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    cache.close()
    assert client.get("/readyz").status_code == 503


def test_every_response_carries_a_request_id_the_proxys_when_well_formed(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234")["X-Request-ID"] == "lb-1234"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="x\nInjected: 1")["X-Request-ID"]
    assert forged != "x\nInjected: 1" and len(forged) == 32
    assert client.get("/api/v1/nowhere")["X-Request-ID"]  # errors too


def test_one_json_line_per_request_with_the_route_not_the_path_and_no_phi(admin_api, caplog):
    body = {"first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1986-12-09"}
    created = admin_api.post("/api/v1/patients/", body, format="json").json()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="health_passport.requests"):
        admin_api.get(
            f"/api/v1/patients/{created['id']}/?q=Hopper",
            HTTP_X_REQUEST_ID="req-42",
        )
    formatter, stamp = JsonFormatter(), RequestIdFilter()
    lines = []
    for record in caplog.records:
        stamp.filter(record)
        lines.append(formatter.format(record))
    [line] = [json.loads(text) for text in lines if '"route"' in text]
    assert line["method"] == "GET" and line["status"] == 200
    assert line["route"] in ("api/v1/patients/<pk>/", "api/v1/patients/<str:pk>/")
    assert line["request_id"] == "req-42" and isinstance(line["duration_ms"], float)
    text = "\n".join(lines)
    for phi in ("Hopper", "Grace", created["id"], created["mrn"], "q="):
        assert phi not in text
