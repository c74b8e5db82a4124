"""Notifications, the mail outbox, push devices, webhooks and the schedule's state.

Everything that leaves the system (an e-mail, a push message, a webhook call) is a row first,
written in the same step as the action that causes it; a worker sends it. Each such row is an
`Attempted`: claimed by one conditional write, its attempts counted before each try, retried
with back-off, and finally `failed` where admins see it and may retry.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    PUSH = "push", _("Push")


CHANNELS = tuple(Channel.values)


class Notification(BaseModel):
    """One in-app notification for one user: a title without PHI and a link to the thing.

    `patient` is who the thing is about, named only on the in-app list (drawn when shown, if the
    reader may still see them): the title goes out in e-mails and push messages too.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications", db_index=False
    )
    clinic = models.ForeignKey(
        "clinics.Clinic", models.CASCADE, null=True, blank=True, related_name="+"
    )
    event = models.CharField(_("event"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    link = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # SET_NULL: a notification never keeps a (mistaken, deletable) patient record alive.
    patient = models.ForeignKey(
        "patients.Patient", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unread = models.BooleanField(_("unread"), default=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set for alerts that escalate when still unread then; cleared when escalated (the claim).
    escalate_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-unread", "-created_at"]
        indexes = [
            models.Index(fields=["recipient", "-unread", "-created_at"], name="notif_inbox"),
            models.Index(fields=["escalate_at"], name="notif_escalate"),
        ]

    def __str__(self):
        return f"{self.event} → {self.recipient_id}"


class UnreadCount(models.Model):
    """A user's unread notifications, kept by conditional writes so the bell reads one row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        primary_key=True,
        db_column="_id",
        related_name="+",
    )
    unread = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.user_id}: {self.unread}"


class Preference(BaseModel):
    """Which channels a user wants for one event (no row: the event's defaults)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notification_preferences",
        db_index=False,
    )
    event = models.CharField(_("event"), max_length=64)
    in_app = models.BooleanField(_("in the app"))
    email = models.BooleanField(_("e-mail"))
    push = models.BooleanField(_("push"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notif_pref_user_event")
        ]


class Device(BaseModel):
    """A push target: a browser's Web Push subscription, or a token for a mobile gateway."""

    class Kind(models.TextChoices):
        WEBPUSH = "webpush", _("Web Push")
        FCM = "fcm", _("Firebase Cloud Messaging")
        APNS = "apns", _("Apple Push Notification service")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Web Push: the subscription endpoint URL; FCM/APNs: the device token.
    address = models.CharField(_("endpoint or token"), max_length=2000)
    p256dh = models.CharField(max_length=200, blank=True)
    auth = models.CharField(max_length=100, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "address"], name="device_unique")
        ]


class Attempted(BaseModel):
    """Something to send: claimed, attempted, retried with back-off, then sent or failed. Each
    kind is indexed by (clinic, status): a clinic's failed ones are listed for its admins."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    clinic = models.ForeignKey(
        "clinics.Clinic", models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When pending: the next try. When sending: the lease; past it, a crashed send is retried.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class OutboxMessage(Attempted):
    """One e-mail exactly as it will go out (MIME, base64), with its fixed Message-ID."""

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    sender = models.CharField(_("from"), max_length=320)
    recipients = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    mime = models.TextField()

    class Meta(Attempted.Meta):
        verbose_name = _("outgoing e-mail")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["clinic", "status"], name="outbox_clinic_status"),
        ]

    def __str__(self):
        return self.subject


class PushMessage(Attempted):
    """One push message to one device (the payload carries no PHI)."""

    device = models.ForeignKey(Device, models.CASCADE, related_name="+")
    payload = models.TextField()

    class Meta(Attempted.Meta):
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="push_due"),
            models.Index(fields=["clinic", "status"], name="push_clinic_status"),
        ]


class Webhook(BaseModel):
    """A clinic's integration endpoint: the events it wants, signed with its own secret."""

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # "whsec_" + base64 key, as Standard Webhooks libraries expect it; shown once, on create.
    secret = models.CharField(max_length=100, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "is_active"], name="webhook_clinic")]

    def __str__(self):
        return self.url


class WebhookDelivery(Attempted):
    """One event sent to one webhook: the exact signed body, its log and outcome."""

    webhook = models.ForeignKey(Webhook, models.CASCADE, related_name="deliveries", db_index=False)
    event = models.CharField(_("event"), max_length=64)
    body = models.TextField()
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)

    class Meta(Attempted.Meta):
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
            models.Index(fields=["webhook", "-created_at"], name="webhook_log"),
            # A clinic's failed calls (notifications.selectors.failed_webhook_calls).
            models.Index(fields=["clinic", "status"], name="webhook_clinic_status"),
        ]


class PeriodicRun(models.Model):
    """The last slot each entry of the schedule (settings.PERIODIC_TASKS) was enqueued for.

    Moving `slot` forward is a conditional write, so of many schedulers one enqueues each run.
    """

    key = models.CharField(max_length=100, primary_key=True, db_column="_id")
    slot = models.BigIntegerField()
    enqueued_at = models.DateTimeField()

    def __str__(self):
        return self.key


class FailedTask(BaseModel):
    """A background task that raised on its last try: kept for admins to see and run again.

    `clinic` is the task's `clinic_id` argument, if it had one: that clinic's admins see it too.
    """

    class Status(models.TextChoices):
        FAILED = "failed", _("Failed")
        RETRIED = "retried", _("Run again")

    task_path = models.CharField(_("task"), max_length=255)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    clinic = models.ForeignKey(
        "clinics.Clinic", models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.FAILED
    )
    attempts = models.PositiveIntegerField(_("attempts"))
    last_error = models.CharField(_("last error"), max_length=500)
    traceback = models.TextField(blank=True)
    retried_at = models.DateTimeField(_("run again at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "status"], name="failed_task_clinic")]

    def __str__(self):
        return self.task_path
