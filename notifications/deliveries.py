"""Sending what is stored: one claim per attempt, back-off, final failure, retry, the sweep.

The row is the truth, the task queue only a prompt: a task that is lost, run twice or run
before its row was committed does no harm, because every attempt starts with a conditional
write (`claim`) that only one worker can win, and the sweep re-prompts anything due.

Attempts are counted before the send, and a claim holds a lease (`next_attempt_at`) that is
also the time of the next try: a worker that dies mid-send leaves the row `sending`, and once
the lease passes the sweep hands it to another worker. So nothing is dropped; an e-mail may
then go out twice, with the same Message-ID, which receiving mail systems deduplicate.
"""

import logging
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from notifications.models import Attempted, OutboxMessage, PushMessage, WebhookDelivery

logger = logging.getLogger(__name__)
Status = Attempted.Status
OPEN = (Status.PENDING, Status.SENDING)
SWEEP_BATCH = 1000


class DeliveryError(Exception):
    """The receiver refused (its message is the whole explanation): retry later."""


class PermanentFailure(DeliveryError):
    """Retrying cannot help (e.g. the push subscription is gone): fail now."""


def _senders() -> dict:
    from notifications import outbox, push, webhooks

    return {
        OutboxMessage: outbox.send_stored,
        PushMessage: push.send_stored,
        WebhookDelivery: webhooks.send_stored,
    }


def retry_delay(attempts: int) -> timedelta:
    """Back-off after `attempts` tries: OUTBOX_RETRY_SECONDS, then ×4 each time, capped."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 4 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def label_of(row) -> str:
    return row._meta.label_lower


def schedule(row) -> None:
    """Prompt a worker: now when due, else at `next_attempt_at` if the queue can defer
    (otherwise the sweep prompts it when due)."""
    from notifications.tasks import deliver

    when = row.next_attempt_at
    if when is None or when <= timezone.now():
        deliver.enqueue(label_of(row), row.pk)
    elif deliver.get_backend().supports_defer:
        deliver.using(run_after=when).enqueue(label_of(row), row.pk)


def claim(model, pk: str):
    """Take one attempt at the row, or None if it is not due or another worker took it."""
    now = timezone.now()
    seen = (
        model.objects.filter(pk=pk, status__in=OPEN).values("attempts", "next_attempt_at").first()
    )
    if seen is None or (seen["next_attempt_at"] and seen["next_attempt_at"] > now):
        return None
    attempts = seen["attempts"] + 1
    won = model.objects.filter(pk=pk, status__in=OPEN, attempts=seen["attempts"]).update(
        status=Status.SENDING,
        attempts=attempts,
        last_attempt_at=now,
        next_attempt_at=now + retry_delay(attempts),
    )
    return model.objects.get(pk=pk) if won == 1 else None


def _close(row, **fields) -> None:
    """Record the outcome, unless another worker has since taken a newer attempt."""
    type(row).objects.filter(pk=row.pk, attempts=row.attempts).update(**fields)
    for name, value in fields.items():
        setattr(row, name, value)


def attempt(label: str, pk: str) -> str | None:
    """One attempt at sending the row; its status afterwards (None: nothing to do)."""
    model = apps.get_model(label)
    row = claim(model, pk)
    if row is None:
        return None
    try:
        _senders()[model](row)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
        error = error[:500]
        final = isinstance(exc, PermanentFailure) or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        logger.warning("%s %s attempt %s failed: %s", label, pk, row.attempts, error)
        if final:
            _close(row, status=Status.FAILED, last_error=error, next_attempt_at=None)
        else:
            _close(row, status=Status.PENDING, last_error=error)
            schedule(row)
    else:
        _close(row, status=Status.SENT, sent_at=timezone.now(), next_attempt_at=None)
    return row.status


def retry(row) -> None:
    """Send again now (an admin's "retry" or "resend"), with a fresh set of attempts."""
    now = timezone.now()
    type(row).objects.filter(pk=row.pk).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now
    )
    row.status, row.attempts, row.next_attempt_at = Status.PENDING, 0, now
    schedule(row)


def sweep() -> int:
    """Prompt every row that is due (a retry whose task was lost, a crashed send)."""
    from notifications.tasks import deliver

    prompted = 0
    for model in _senders():
        due = model.objects.filter(status__in=OPEN, next_attempt_at__lte=timezone.now())
        for pk in due.values_list("pk", flat=True)[:SWEEP_BATCH]:
            deliver.enqueue(model._meta.label_lower, pk)
            prompted += 1
    return prompted
