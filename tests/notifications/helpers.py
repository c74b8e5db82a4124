"""Helpers for tests that see mail or deliveries through the outbox."""

from django.utils import timezone

from notifications import deliveries
from notifications.models import OutboxMessage, PushMessage, WebhookDelivery


def retry_due_now() -> int:
    """As if the back-off had passed and the scheduler's sweep ran: every waiting row is tried."""
    for model in (OutboxMessage, PushMessage, WebhookDelivery):
        model.objects.filter(status__in=deliveries.OPEN).update(next_attempt_at=timezone.now())
    return deliveries.sweep()
