"""With no external provider configured, no AI feature opens a socket to anything but the
database and the SMTP server, even when the clinic has switched the external provider on."""

import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings

from ai_assist.models import AiSettings
from core.roles import Role
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db


def allowed_addresses() -> set:
    allowed = {(django_settings.EMAIL_HOST, int(django_settings.EMAIL_PORT))}
    database = django_settings.DATABASES["default"]
    host = str(database.get("HOST") or "")
    if host:
        parsed = urlparse(host if "://" in host else f"mongodb://{host}")
        allowed.add((parsed.hostname, parsed.port or int(database.get("PORT") or 27017)))
    return allowed


@pytest.fixture
def connections(monkeypatch):
    """Every address a socket connects to while the test runs."""
    seen = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        seen.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def test_every_ai_feature_stays_on_this_machine(
    settings, api_as, staff, chart, fake_thread, client, connections
):
    settings.AI_PROVIDER_URL = ""
    AiSettings.objects.create(clinic=chart["patient"].clinic, external_enabled=True)
    clinician, patient = staff[Role.CLINICIAN], chart["patient"]
    api = api_as(clinician)
    answers = [
        api.post(f"/api/v1/ai/patients/{patient.pk}/summary", format="json"),
        api.post(f"/api/v1/ai/patients/{patient.pk}/note-draft", format="json"),
        api.post(f"/api/v1/ai/messages/threads/{fake_thread['thread_id']}/triage", format="json"),
        api.get(f"/api/v1/ai/labs/results/{chart['ldl'].pk}/explain"),
        api_as(portal_user(patient)).get(f"/api/v1/ai/labs/results/{chart['ldl'].pk}/explain"),
    ]
    client.force_login(clinician)
    answers += [
        client.post(f"/ai/patients/{patient.pk}/summary/", follow=True),
        client.post(f"/ai/threads/{fake_thread['thread_id']}/triage/", follow=True),
    ]
    assert [a.status_code for a in answers] == [200, 201, 200, 200, 200, 200, 200]
    assert all(a.json()["generated_by"]["engine"] == "builtin" for a in answers[:5])
    unexpected = [
        address
        for address in connections
        if isinstance(address, tuple) and tuple(address[:2]) not in allowed_addresses()
    ]
    assert unexpected == []


def test_the_recorder_does_see_an_outgoing_connection(connections):
    """The check above would notice a connection: this one is refused, and still recorded."""
    with socket.socket() as sock, pytest.raises(OSError):
        sock.settimeout(0.5)
        sock.connect(("127.0.0.1", 9))
    assert ("127.0.0.1", 9) in connections
