"""Web Push (RFC 8030/8291/8292): encrypted to the browser's keys, signed with our VAPID key.

A subscription the push service says is gone (404 or 410) is deleted and the message failed
for good; any other failure is retried like every delivery. FCM and APNs tokens are stored for
a mobile push gateway; this module sends only Web Push.

`python -m notifications.push` prints a new VAPID key pair for the settings.
"""

import base64

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from notifications import deliveries
from notifications.models import Device, PushMessage
from notifications.webhooks import check_public_url


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_vapid_keys() -> dict[str, str]:
    """A key pair as the settings take it: the raw private scalar and the public point."""
    vapid = Vapid02()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "WEBPUSH_VAPID_PRIVATE_KEY": _b64url(private),
        "WEBPUSH_VAPID_PUBLIC_KEY": _b64url(public),
    }


def send_stored(message: PushMessage) -> None:
    device = message.device
    if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
        raise deliveries.PermanentFailure("WEBPUSH_VAPID_PRIVATE_KEY is not set.")
    check_public_url(device.address, field="endpoint")
    try:
        webpush(
            subscription_info={
                "endpoint": device.address,
                "keys": {"p256dh": device.p256dh, "auth": device.auth},
            },
            data=message.payload,
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            timeout=settings.WEBHOOK_TIMEOUT,
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (404, 410):
            Device.objects.filter(pk=device.pk).delete()
            raise deliveries.PermanentFailure(f"Subscription gone (HTTP {status}).") from exc
        raise


if __name__ == "__main__":
    for name, value in new_vapid_keys().items():
        print(f"{name}={value}")
