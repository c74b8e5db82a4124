"""The mail outbox: EMAIL_BACKEND stores each message; the worker sends it.

`settings.EMAIL_BACKEND` is `OutboxBackend`, so every `send_mail` / `EmailMessage.send()` in any
app (password reset, invitations, notifications) writes an `OutboxMessage` in the same step as
the action and returns at once: no request waits on SMTP, and no app imports this module.
The worker sends the stored bytes through `settings.OUTBOX_EMAIL_BACKEND` (what EMAIL_URL
configures). The Message-ID is fixed when the message is stored, so a resend after a crash is
recognisably the same message.
"""

import base64
from email import message_from_bytes, policy
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from notifications import deliveries
from notifications.models import OutboxMessage


def message_id_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def store(message: EmailMessage) -> OutboxMessage:
    """Write the message as it will be sent. `message.clinic_id`, when set, files it under that
    clinic (for its admins' list of failed mail); it never becomes a header."""
    if not any(name.lower() == "message-id" for name in message.extra_headers):
        message.extra_headers["Message-ID"] = make_msgid(domain=message_id_domain())
    mime = message.message()
    return OutboxMessage.objects.create(
        clinic_id=getattr(message, "clinic_id", None),
        message_id=str(mime["Message-ID"]),
        sender=message.from_email,
        recipients=list(message.recipients()),
        subject=str(message.subject)[:300],
        mime=base64.b64encode(mime.as_bytes(linesep="\n")).decode("ascii"),
        next_attempt_at=timezone.now(),
    )


class OutboxBackend(BaseEmailBackend):
    """Django e-mail backend that queues instead of sending."""

    def send_messages(self, email_messages):
        rows = [store(message) for message in email_messages if message.recipients()]
        for row in rows:
            deliveries.schedule(row)
        return len(rows)


class _StoredMime:
    """The stored bytes, shaped as the MIME object Django's mail backends serialise."""

    def __init__(self, raw: bytes):
        self.raw = raw

    def as_bytes(self, unixfrom=False, linesep="\n") -> bytes:
        return self.raw.replace(b"\n", linesep.encode())

    def as_string(self, unixfrom=False, linesep="\n") -> str:
        return self.as_bytes(linesep=linesep).decode("utf-8", "replace")

    def get_charset(self):
        return None


class StoredEmail(EmailMessage):
    """An EmailMessage whose `message()` is the stored MIME, byte for byte."""

    def __init__(self, row: OutboxMessage):
        raw = base64.b64decode(row.mime)
        parsed = message_from_bytes(raw, policy=policy.default)
        plain = parsed.get_body(preferencelist=("plain",))
        super().__init__(
            subject=row.subject,
            body=plain.get_content() if plain is not None else "",
            from_email=row.sender,
            to=row.recipients,
            headers={"Message-ID": row.message_id},
        )
        self._stored = _StoredMime(raw)

    def message(self, *, policy=None):
        return self._stored


def send_stored(row: OutboxMessage) -> None:
    """One attempt: hand the stored message to the real backend (raises on failure)."""
    connection = get_connection(settings.OUTBOX_EMAIL_BACKEND, fail_silently=False)
    connection.send_messages([StoredEmail(row)])
