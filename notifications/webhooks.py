"""Webhooks: clinic admins' integration endpoints, called the Standard Webhooks way.

Each delivery is a JSON body `{"id", "event", "object": {"type", "id"}, "clinic_id", "time"}`
(ids only: no PHI) POSTed with the headers

    webhook-id: <the delivery's id, the same on every retry>
    webhook-timestamp: <unix seconds of this attempt>
    webhook-signature: v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>">

keyed with the base64-decoded part of the endpoint's secret after "whsec_" (README: "Verifying
webhooks"). Only public https:// URLs are accepted and called (no loopback, private or link-local
addresses), unless settings.WEBHOOKS_ALLOW_INSECURE (development and tests).
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import CREATE, DELETE, UPDATE, audit
from core.contributions import notification_events
from core.roles import require
from core.services import model_update
from notifications import deliveries
from notifications.models import Webhook, WebhookDelivery

SECRET_PREFIX = "whsec_"
USER_AGENT = "HealthPassport-Webhooks/1"


# --- the SSRF rule --------------------------------------------------------------------------------
def _public(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return False
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    return bool(addresses) and all(address.is_global for address in addresses)


def check_public_url(url: str, *, field: str = "url") -> str:
    """The URL if it is https:// to a public address; a 400 on `field` otherwise."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError({field: [_("Enter an https:// URL.")]})
    if settings.WEBHOOKS_ALLOW_INSECURE:
        return url
    if parts.scheme != "https":
        raise ValidationError({field: [_("Only https:// URLs are accepted.")]})
    if not _public(parts.hostname):
        raise ValidationError(
            {field: [_("The address must be public (not loopback, private or local).")]}
        )
    return url


# --- signing --------------------------------------------------------------------------------------
def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, msg_id: str, body: str, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
    }


# --- deliveries -----------------------------------------------------------------------------------
def dispatch(*, event: str, obj, clinic) -> list[WebhookDelivery]:
    """A delivery for every active webhook of the clinic that wants `event`, sent by a worker."""
    hooks = [h for h in Webhook.objects.filter(clinic=clinic, is_active=True) if event in h.events]
    created = []
    for hook in hooks:
        delivery = WebhookDelivery(webhook=hook, clinic=clinic, event=event)
        delivery.body = json.dumps(
            {
                "id": f"msg_{delivery.pk}",
                "event": event,
                "object": {
                    "type": obj._meta.label_lower if obj is not None else "",
                    "id": str(obj.pk) if obj is not None else "",
                },
                "clinic_id": str(clinic.pk),
                "time": timezone.now().isoformat(timespec="milliseconds"),
            },
            separators=(",", ":"),
        )
        delivery.next_attempt_at = timezone.now()
        delivery.save(force_insert=True)
        deliveries.schedule(delivery)
        created.append(delivery)
    return created


def send_stored(delivery: WebhookDelivery) -> None:
    """One attempt; any answer but 2xx (or no answer) is a failure to retry."""
    hook = delivery.webhook
    if not hook.is_active:
        raise deliveries.PermanentFailure("The webhook was turned off.")
    check_public_url(hook.url)  # again: the name may resolve elsewhere now
    response = requests.post(
        hook.url,
        data=delivery.body.encode(),
        headers=signed_headers(hook.secret, f"msg_{delivery.pk}", delivery.body),
        timeout=settings.WEBHOOK_TIMEOUT,
        allow_redirects=False,
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(response_status=response.status_code)
    if not 200 <= response.status_code < 300:
        raise deliveries.DeliveryError(f"HTTP {response.status_code}")


# --- managing webhooks ----------------------------------------------------------------------------
def _clean_events(events) -> list[str]:
    known = {spec.key for spec in notification_events}
    unknown = sorted(set(events) - known)
    if unknown or not events:
        raise ValidationError(
            {"events": [_("Choose events among: %(known)s.") % {"known": ", ".join(sorted(known))}]}
        )
    return sorted(set(events))


def webhook_create(*, actor, url: str, events: list[str], description: str = "") -> Webhook:
    """A new endpoint for the actor's clinic; its `secret` is readable on the returned object
    (show it once: it is never served again)."""
    require(actor, "webhooks.manage")
    hook = Webhook(
        clinic_id=actor.clinic_id,
        url=check_public_url(url),
        events=_clean_events(events),
        description=description,
        secret=new_secret(),
        created_by=actor,
    )
    hook.full_clean()
    hook.save(force_insert=True)
    audit(actor=actor, action=CREATE, obj=hook)
    return hook


def webhook_update(*, actor, webhook: Webhook, **fields) -> Webhook:
    require(actor, "webhooks.manage")
    if "url" in fields:
        fields["url"] = check_public_url(fields["url"])
    if "events" in fields:
        fields["events"] = _clean_events(fields["events"])
    changed = model_update(
        webhook, fields=fields, allowed={"url", "events", "description", "is_active"}
    )
    audit(actor=actor, action=UPDATE, obj=webhook, detail=", ".join(changed))
    return webhook


def webhook_delete(*, actor, webhook: Webhook) -> None:
    require(actor, "webhooks.manage")
    audit(actor=actor, action=DELETE, obj=webhook)
    webhook.delete()


def delivery_resend(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send again, with the same webhook-id (receivers deduplicate on it)."""
    require(actor, "webhooks.manage")
    deliveries.retry(delivery)
    return delivery
