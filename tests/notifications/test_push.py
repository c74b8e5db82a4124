"""Web Push to a local endpoint that records the request and decrypts it as a browser would."""

import base64
import json
import os

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from notifications.models import Device, PushMessage
from notifications.push import new_vapid_keys
from tests.labs.factories import GLUCOSE, install_catalogue, make_patient, make_result
from tests.patients.factories import portal_user

DEVICES = "/api/v1/notifications/devices"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """A push subscription's secrets, as a browser keeps them."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def keys(self) -> dict:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def vapid(settings):
    keys = new_vapid_keys()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = keys["WEBPUSH_VAPID_PRIVATE_KEY"]
    settings.WEBPUSH_VAPID_PUBLIC_KEY = keys["WEBPUSH_VAPID_PUBLIC_KEY"]
    settings.WEBHOOKS_ALLOW_INSECURE = True
    return keys


@pytest.fixture
def patient_with_browser(clinic, api_as, http_sink, vapid):
    patient = make_patient(clinic)
    me = portal_user(patient)
    browser = Browser()
    response = api_as(me).post(
        DEVICES, {"kind": "webpush", "endpoint": f"{http_sink.url}/push/1", "keys": browser.keys()}
    )
    assert response.status_code == 201, response.content
    return patient, me, browser, response.json()


def test_a_new_result_is_pushed_encrypted_and_signed(patient_with_browser, http_sink, vapid):
    patient, me, browser, _device = patient_with_browser
    make_result(patient, install_catalogue(patient.clinic)[GLUCOSE], "85")

    [request] = http_sink.requests
    assert request["path"] == "/push/1"
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert f"k={vapid['WEBPUSH_VAPID_PUBLIC_KEY']}" in request["headers"]["authorization"]
    payload = browser.decrypt(request["body"])
    assert payload["title"] == "New lab result at Riverside Clinic"
    assert payload["event"] == "labs.result_ready"
    assert PushMessage.objects.get().status == "sent"


def test_a_gone_subscription_is_removed(patient_with_browser, http_sink):
    patient, me, browser, _device = patient_with_browser
    http_sink.statuses = [410]
    make_result(patient, install_catalogue(patient.clinic)[GLUCOSE], "85")
    assert not Device.objects.exists()


def test_registering_again_refreshes_and_delete_stops(patient_with_browser, api_as, http_sink):
    patient, me, browser, device = patient_with_browser
    again = api_as(me).post(
        DEVICES, {"kind": "webpush", "endpoint": f"{http_sink.url}/push/1", "keys": browser.keys()}
    )
    assert again.json()["id"] == device["id"]
    assert api_as(me).delete(f"{DEVICES}/{device['id']}").status_code == 204
    make_result(patient, install_catalogue(patient.clinic)[GLUCOSE], "85")
    assert http_sink.requests == []


def test_mobile_tokens_are_stored(api_as, clinician):
    response = api_as(clinician).post(DEVICES, {"kind": "fcm", "token": "fcm-token-1"})
    assert response.status_code == 201
    assert Device.objects.get().address == "fcm-token-1"


def test_push_endpoints_follow_the_ssrf_rules(api_as, clinician, settings):
    settings.WEBHOOKS_ALLOW_INSECURE = False
    keys = Browser().keys()
    for endpoint in ("http://93.184.216.34/push", "https://127.0.0.1/push"):
        response = api_as(clinician).post(
            DEVICES, {"kind": "webpush", "endpoint": endpoint, "keys": keys}
        )
        assert response.status_code == 400, endpoint
    missing = api_as(clinician).post(DEVICES, {"kind": "webpush", "endpoint": "https://x.org/"})
    assert missing.status_code == 400


def test_someone_elses_device_is_a_404(patient_with_browser, api_as, clinician):
    _patient, _me, _browser, device = patient_with_browser
    assert api_as(clinician).delete(f"{DEVICES}/{device['id']}").status_code == 404
    assert Device.objects.exists()
