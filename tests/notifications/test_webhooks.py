"""Webhooks: registered by clinic admins, signed the Standard Webhooks way, retried, logged."""

import base64
import hashlib
import hmac
import json
import time

import pytest

from notifications.models import Webhook, WebhookDelivery
from tests.labs.factories import GLUCOSE, install_catalogue, make_patient, make_result
from tests.notifications.helpers import retry_due_now

API = "/api/v1/webhooks"


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> dict:
    """A receiver written from README "Verifying webhooks" alone."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        raise ValueError("too old")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise ValueError("bad signature")


@pytest.fixture
def insecure_ok(settings):
    settings.WEBHOOKS_ALLOW_INSECURE = True


@pytest.fixture
def hook(admin_api, http_sink, insecure_ok):
    response = admin_api.post(
        f"{API}/",
        {"url": f"{http_sink.url}/hook", "events": ["labs.critical_result"], "description": "EHR"},
    )
    assert response.status_code == 201, response.content
    return response.json()


def critical_result(clinic):
    catalogue = install_catalogue(clinic)
    return make_result(make_patient(clinic), catalogue[GLUCOSE], "520")


def test_a_subscribed_event_is_posted_signed_and_verifies(hook, http_sink, clinic):
    assert hook["secret"].startswith("whsec_")
    result = critical_result(clinic)

    [request] = http_sink.requests
    body = verify(hook["secret"], request["headers"], request["body"])
    assert body["event"] == "labs.critical_result"
    assert body["object"] == {"type": "labs.labresult", "id": result.pk}
    assert body["clinic_id"] == clinic.pk
    assert body["id"] == request["headers"]["webhook-id"]
    with pytest.raises(ValueError):
        verify(hook["secret"], request["headers"], request["body"] + b" ")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("sent", 1, 201)


def test_the_secret_is_shown_once(hook, admin_api):
    assert "secret" not in admin_api.get(f"{API}/{hook['id']}").json()
    listing = admin_api.get(f"{API}/").json()
    assert [h["id"] for h in listing["results"]] == [hook["id"]]
    assert "secret" not in listing["results"][0]


def test_unsubscribed_events_and_inactive_hooks_send_nothing(hook, admin_api, http_sink, clinic):
    admin_api.post("/api/v1/clinics/current/staff", {"email": "x@example.org", "name": "X"})
    assert http_sink.requests == []  # staff_invited: not subscribed
    assert admin_api.patch(f"{API}/{hook['id']}", {"is_active": False}).status_code == 200
    critical_result(clinic)
    assert http_sink.requests == []


def test_failures_retry_with_the_same_id_then_fail_and_resend_works(
    hook, admin_api, http_sink, clinic, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    http_sink.statuses = [500, 503]
    critical_result(clinic)
    retry_due_now()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 2, "HTTP 503")
    ids = {r["headers"]["webhook-id"] for r in http_sink.requests}
    assert len(http_sink.requests) == 2 and len(ids) == 1

    log = admin_api.get(f"{API}/{hook['id']}/deliveries").json()
    assert [(d["status"], d["attempts"], d["response_status"]) for d in log["results"]] == [
        ("failed", 2, 503)
    ]
    resent = admin_api.post(f"{API}/{hook['id']}/deliveries/{delivery.pk}/resend")
    assert resent.status_code == 202
    assert resent.json()["status"] == "sent"
    assert http_sink.requests[-1]["headers"]["webhook-id"] in ids


def test_update_and_delete(hook, admin_api):
    changed = admin_api.patch(
        f"{API}/{hook['id']}", {"events": ["labs.critical_result", "accounts.staff_invited"]}
    )
    assert changed.json()["events"] == ["accounts.staff_invited", "labs.critical_result"]
    bad = admin_api.patch(f"{API}/{hook['id']}", {"events": ["no.such_event"]})
    assert bad.status_code == 400
    assert admin_api.delete(f"{API}/{hook['id']}").status_code == 204
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",  # plain http
        "https://127.0.0.1/hook",  # loopback
        "https://localhost/hook",
        "https://10.1.2.3/hook",  # private
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://[::1]/hook",
        "ftp://93.184.216.34/hook",
    ],
)
def test_ssrf_rules_refuse_insecure_and_internal_urls(admin_api, url):
    response = admin_api.post(f"{API}/", {"url": url, "events": ["labs.critical_result"]})
    assert response.status_code == 400, url
    assert not Webhook.objects.exists()


def test_a_public_https_url_is_accepted(admin_api):
    response = admin_api.post(
        f"{API}/", {"url": "https://93.184.216.34/hook", "events": ["labs.critical_result"]}
    )
    assert response.status_code == 201


def test_invitations_are_events_too(admin_api, admin_user, http_sink, insecure_ok, clinic):
    from accounts.models import User
    from notifications.models import Notification
    from tests.factories import UserFactory

    second_admin = UserFactory(clinic=clinic, role="admin")
    events = ["accounts.staff_invited", "patients.portal_invited"]
    secret = admin_api.post(f"{API}/", {"url": f"{http_sink.url}/h", "events": events}).json()
    invited = admin_api.post(
        "/api/v1/clinics/current/staff", {"email": "n@example.org", "name": "N", "role": "nurse"}
    ).json()
    patient = make_patient(clinic, email="p@example.org")
    assert admin_api.post(f"/api/v1/patients/{patient.pk}/invite", {}).status_code == 202

    bodies = [verify(secret["secret"], r["headers"], r["body"]) for r in http_sink.requests]
    assert [(b["event"], b["object"]["type"]) for b in bodies] == [
        ("accounts.staff_invited", "accounts.user"),
        ("patients.portal_invited", "accounts.user"),
    ]
    assert bodies[0]["object"]["id"] == User.objects.get(email=invited["email"]).pk
    told = Notification.objects.filter(event="accounts.staff_invited")
    assert {n.recipient_id for n in told} == {admin_user.pk, second_admin.pk}
