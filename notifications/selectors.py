"""Reads. A user's notifications and devices are theirs alone (anyone else's id is a 404, like a
record outside reach); webhooks and failed deliveries are the clinic's, through core.access.
A notification names its patient only to a reader who may still see them (patients' reach)."""

from django.core.paginator import Page
from django.db.models import Q
from django.utils.translation import gettext_noop

from core.access import get_in_reach, get_or_404, in_reach
from core.audit import audit_patients_read
from core.lists import PER_PAGE, page_of
from core.roles import require
from notifications.models import (
    Attempted,
    Device,
    FailedTask,
    Notification,
    OutboxMessage,
    Webhook,
    WebhookDelivery,
)
from patients.selectors import patient_list


def notification_list(*, actor, unread_only: bool = False):
    """The actor's notifications, unread first, newest first."""
    require(actor, "notifications.own")
    rows = Notification.objects.filter(recipient_id=actor.pk)
    return rows.filter(unread=True) if unread_only else rows.order_by("-unread", "-created_at")


def notification_page(
    *, actor, number=1, per_page: int = PER_PAGE, strict: bool = False, unread_only: bool = False
) -> Page:
    """One page of the actor's notifications, each with the patient it is about named."""
    rows = notification_list(actor=actor, unread_only=unread_only)
    return page_of(
        rows,
        number=number,
        per_page=per_page,
        strict=strict,
        on_page=lambda shown: with_visible_patients(actor=actor, notifications=shown),
    )


def with_visible_patients(*, actor, notifications: list) -> list:
    """Set `visible_patient` on each: its patient if the actor may still see them (a staff user
    moved to another clinic may not), else None. One read for them all, through the patients'
    own reach, and one audit 'view' row per patient named."""
    ids = {n.patient_id for n in notifications if n.patient_id}
    visible = patient_list(actor=actor, status="all").in_bulk(ids) if ids else {}
    for notification in notifications:
        notification.visible_patient = visible.get(notification.patient_id)
    audit_patients_read(
        actor=actor, patient_ids=list(visible), detail=gettext_noop("notifications")
    )
    return notifications


def notification_get(*, actor, id) -> Notification:
    require(actor, "notifications.own")
    return get_or_404(Notification.objects.filter(recipient_id=actor.pk), id)


def device_get(*, actor, id) -> Device:
    require(actor, "notifications.own")
    return get_or_404(Device.objects.filter(user_id=actor.pk), id)


def webhook_list(*, actor):
    require(actor, "webhooks.manage")
    return in_reach(Webhook.objects.all(), actor=actor, patient=None)


def webhook_get(*, actor, id) -> Webhook:
    return get_in_reach(
        Webhook.objects.all(), actor=actor, id=id, permission="webhooks.manage", patient=None
    )


def webhook_deliveries(*, actor, webhook: Webhook):
    require(actor, "webhooks.manage")
    return WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at")


def delivery_get(*, actor, webhook: Webhook, id) -> WebhookDelivery:
    require(actor, "webhooks.manage")
    return get_or_404(WebhookDelivery.objects.filter(webhook=webhook), id)


def failed_mail(*, actor):
    """The clinic's e-mails that failed for good (its admins may retry them)."""
    require(actor, "deliveries.manage")
    rows = in_reach(OutboxMessage.objects.all(), actor=actor, patient=None)
    return rows.filter(status=Attempted.Status.FAILED).order_by("-created_at")


def failed_webhook_calls(*, actor):
    require(actor, "deliveries.manage")
    rows = in_reach(WebhookDelivery.objects.all(), actor=actor, patient=None)
    return rows.filter(status=Attempted.Status.FAILED).select_related("webhook")


def failed_tasks(*, actor):
    """The clinic's background tasks that failed on their last try (tasks of no clinic: only
    platform admins, in the Django admin)."""
    require(actor, "deliveries.manage")
    rows = in_reach(FailedTask.objects.all(), actor=actor, patient=None)
    return rows.filter(status=FailedTask.Status.FAILED).order_by("-created_at")


FAILED_KINDS = {"mail": OutboxMessage, "webhook": WebhookDelivery, "task": FailedTask}


def failed_delivery_get(*, actor, kind: str, id):
    """One failed e-mail (`kind="mail"`), webhook call (`"webhook"`) or background task
    (`"task"`) of the actor's clinic."""
    model = FAILED_KINDS.get(kind)
    if model is None:
        return get_or_404(OutboxMessage.objects.none(), id)
    rows = model.objects.filter(Q(status=Attempted.Status.FAILED))
    return get_in_reach(rows, actor=actor, id=id, permission="deliveries.manage", patient=None)
