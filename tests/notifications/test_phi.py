"""No PHI outside: the check tests/conftest.py runs on every outgoing payload of the suite,
shown here to catch a leak, and passed by every channel with a patient rich in PHI."""

from django.core.mail import send_mail

from notifications.models import OutboxMessage, PushMessage, WebhookDelivery
from tests.conftest import LEAKS
from tests.labs.factories import GLUCOSE, install_catalogue, make_order, make_patient, make_result
from tests.notifications.phi import phi_found
from tests.notifications.test_push import Browser
from tests.patients.factories import ConditionFactory, portal_user


def test_the_check_catches_a_name_a_condition_and_a_value(clinic, clinician):
    patient = make_patient(clinic, first_name="Grace", last_name="Hopperfield")
    ConditionFactory(patient=patient, name="Type 2 diabetes")
    install_catalogue(clinic)
    send_mail("Results", "Grace Hopperfield: type 2 diabetes", None, ["x@example.org"])
    found = phi_found(OutboxMessage.objects.get())
    assert found == ["Grace Hopperfield", "Hopperfield", "Type 2 diabetes"]
    assert [f"OutboxMessage {OutboxMessage.objects.get().pk}: {', '.join(found)}"] == LEAKS
    LEAKS.clear()  # planted here: not a leak of the suite


def test_every_channel_carries_no_phi(clinic, staff, admin_api, api_as, http_sink, settings):
    settings.WEBHOOKS_ALLOW_INSECURE = True
    from notifications.push import new_vapid_keys

    settings.WEBPUSH_VAPID_PRIVATE_KEY = new_vapid_keys()["WEBPUSH_VAPID_PRIVATE_KEY"]
    admin_api.post(
        "/api/v1/webhooks/",
        {"url": f"{http_sink.url}/h", "events": ["labs.critical_result", "labs.result_ready"]},
    )
    patient = make_patient(clinic, first_name="Grace", last_name="Hopperfield")
    ConditionFactory(patient=patient, name="Type 2 diabetes")
    me = portal_user(patient)
    api_as(me).post(
        "/api/v1/notifications/devices",
        {"kind": "webpush", "endpoint": f"{http_sink.url}/p", "keys": Browser().keys()},
    )
    clinician = staff["clinician"]
    glucose = install_catalogue(clinic)[GLUCOSE]
    make_result(
        patient, glucose, "520", order=make_order(patient, actor=clinician, tests=[glucose])
    )
    invited = make_patient(clinic, first_name="Alan", last_name="Turingham", email="al@example.org")
    assert admin_api.post(f"/api/v1/patients/{invited.pk}/invite", {}).status_code == 202

    assert OutboxMessage.objects.count() == 3  # the alert, the new result, the invitation
    assert PushMessage.objects.exists() and WebhookDelivery.objects.count() == 2
    for row in [
        *OutboxMessage.objects.all(),
        *PushMessage.objects.all(),
        *WebhookDelivery.objects.all(),
    ]:
        assert phi_found(row) == [], row
