"""Notifying people: events in, in-app rows, e-mails, push messages and webhook calls out.

Apps raise events with `core.events.emit(key, obj=record)`; the event's declaration (a
`NotificationEvent` in the owning app's contributions.py) says whether the record is an instance
of it, who is told and where the notification links. Each recipient's preferences choose the
channels. Everything is written in the caller's step; sending is the worker's (see deliveries).

No PHI leaves the system: titles are the event's label and the clinic's name ("New lab result
at Riverside Clinic"), bodies add only a link, webhook bodies only ids. The in-app row keeps the
record's patient too, which only the in-app list names (notifications.selectors).

Staff e-mails and push messages link to the web page. Patients have only the mobile app: theirs
link to the app (notifications.targets), or say to open it while PATIENT_APP_LINK is unset.
"""

import json
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.emails import absolute_url, branded_message, written_for
from core.access import open_record
from core.contributions import notification_events
from core.roles import Role, require
from core.transactions import savepoint, unit
from notifications import deliveries, retries, targets, webhooks
from notifications.models import (
    CHANNELS,
    Channel,
    Device,
    FailedTask,
    Notification,
    Preference,
    PushMessage,
    UnreadCount,
)

ESCALATION_BATCH = 500


# --- events and preferences ----------------------------------------------------------------------
def event_spec(key: str):
    spec = notification_events.get(key)
    if spec is None:
        raise ValueError(f"Unknown notification event {key!r}: declare it in a contributions.py.")
    return spec


def events_for(user) -> list:
    """The events this user may be notified of (their rows of the preferences)."""
    return [
        e
        for e in notification_events
        if e.recipients is not None and (not e.audience or user.role in e.audience)
    ]


def _receives(spec, user) -> bool:
    """Active, and of a role the event is for: a colleague deactivated or given another role
    since they were chosen (who ordered the test, a thread's assignee) is not told of what they
    can no longer open, nor does their reading it stop an escalation; a patient, while their
    record is open to them."""
    if not user.is_active or (spec.audience and user.role not in spec.audience):
        return False
    # An archived record is closed to its patient, alerts too.
    return user.role != Role.PATIENT or open_record(user) is not None


def _escalation_recipients(spec, clinic_id):
    """The clinic's active users of the event's escalation role; its admins when it has none
    (a critical value must reach someone)."""
    users = get_user_model().objects.filter(clinic_id=clinic_id, is_active=True)
    of_role = users.filter(role=spec.escalate_to_role)
    return of_role if of_role.exists() else users.filter(role=Role.ADMIN)


def channels_for(*, user, event: str) -> dict[str, bool]:
    """The channels this user has on for `event` (their preference, else its defaults)."""
    spec = event_spec(event)
    return _channels(spec, Preference.objects.filter(user=user, event=event).first())


def _channels(spec, row: Preference | None) -> dict[str, bool]:
    chosen = {c: c in spec.default_channels for c in CHANNELS}
    if row is not None:
        chosen = {c: getattr(row, c) for c in CHANNELS}
    return {c: chosen[c] or c in spec.mandatory_channels for c in CHANNELS}


def preferences_get(*, actor) -> list[dict]:
    """`[{"event", "label", "channels": {...}, "mandatory": [...]}]` for the actor's events."""
    rows = {p.event: p for p in Preference.objects.filter(user=actor)}
    return [
        {
            "event": spec.key,
            "label": str(spec.label),
            "channels": _channels(spec, rows.get(spec.key)),
            "mandatory": list(spec.mandatory_channels),
        }
        for spec in events_for(actor)
    ]


@unit
def preferences_set(*, actor, items: list[dict]) -> list[dict]:
    """Save the actor's choices; turning off a channel that may not be turned off is a 400."""
    allowed = {spec.key: spec for spec in events_for(actor)}
    errors = []
    for item in items:
        spec = allowed.get(item["event"])
        if spec is None:
            errors.append(_("Unknown event: %(event)s.") % {"event": item["event"]})
            continue
        for channel in spec.mandatory_channels:
            if item["channels"].get(channel) is False:
                errors.append(
                    _("%(event)s cannot be turned off for %(channel)s.")
                    % {"event": spec.label, "channel": Channel(channel).label}
                )
    if errors:
        raise ValidationError({"preferences": errors})
    for item in items:
        spec = allowed[item["event"]]
        current = _channels(spec, Preference.objects.filter(user=actor, event=spec.key).first())
        values = {c: bool(item["channels"].get(c, current[c])) for c in CHANNELS}
        Preference.objects.update_or_create(user=actor, event=spec.key, defaults=values)
    return preferences_get(actor=actor)


# --- the unread count -----------------------------------------------------------------------------
def _count_add(user_id, amount: int) -> None:
    """Move a user's unread count by `amount` with one conditional write (created if missing)."""
    if UnreadCount.objects.filter(pk=user_id).update(unread=F("unread") + amount):
        return
    try:
        with savepoint():
            UnreadCount.objects.create(user_id=user_id, unread=max(amount, 0))
    except IntegrityError:  # created meanwhile by another writer
        UnreadCount.objects.filter(pk=user_id).update(unread=F("unread") + amount)


def unread_count(*, actor) -> int:
    """One primary-key read, however many notifications the user has (`get`: unordered, as
    core.access.get_or_404 says why)."""
    try:
        return max(UnreadCount.objects.values_list("unread", flat=True).get(pk=actor.pk), 0)
    except UnreadCount.DoesNotExist:
        return 0


def unread_recount() -> int:
    """Set every counter from the rows (nightly): repairs drift a crash between writes left."""
    counts = dict(
        Notification.objects.filter(unread=True)
        .values_list("recipient")
        .annotate(n=Count("pk"))
        .values_list("recipient", "n")
    )
    fixed = 0
    for user_id, stored in UnreadCount.objects.values_list("pk", "unread"):
        actual = counts.pop(user_id, 0)
        if actual != stored:
            UnreadCount.objects.filter(pk=user_id).update(unread=actual)
            fixed += 1
    for user_id, actual in counts.items():
        _count_add(user_id, actual)
        fixed += 1
    return fixed


# --- reading --------------------------------------------------------------------------------------
@unit
def notification_read(*, actor, notification: Notification) -> Notification:
    """Mark one read; the count moves only if this call is the one that changed it."""
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, unread=True).update(
        unread=False, read_at=now, escalate_at=None
    )
    if changed:
        _count_add(actor.pk, -1)
        notification.unread, notification.read_at, notification.escalate_at = False, now, None
    return notification


@unit
def notifications_read_all(*, actor, before=None) -> int:
    """Mark the actor's unread notifications read (only those created before `before`, if set)."""
    rows = Notification.objects.filter(recipient=actor, unread=True)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    changed = rows.update(unread=False, read_at=timezone.now(), escalate_at=None)
    if changed:
        _count_add(actor.pk, -changed)
    return changed


# --- notifying ------------------------------------------------------------------------------------
def _clinic_of(obj, clinic):
    if clinic is not None:
        return clinic
    return getattr(obj, "clinic", None) if obj is not None else None


def _title(spec, clinic) -> str:
    if clinic is None:
        return str(spec.label)
    return _("%(event)s at %(clinic)s") % {"event": spec.label, "clinic": clinic.name}


def _link(spec, obj, user) -> str:
    if spec.link is not None and obj is not None:
        return spec.link(obj, user) or ""
    return reverse("notifications:list") if user.role != Role.PATIENT else ""


def _outside_link(user, link: str) -> str:
    """The address a notification e-mail gives: staff the web page; a patient the app's own link
    to the same thing (an API path means nothing to a phone's browser), if there is one."""
    if user.role == Role.PATIENT:
        return targets.app_link(link)
    return absolute_url(link) if link else ""


def _email(user, spec, clinic, title: str, link: str) -> None:
    """The notification by e-mail; `notify` calls it inside `written_for(user, clinic)`."""
    where = clinic.name if clinic is not None else settings.APP_NAME
    text = _("You have a new notification from %(where)s: %(event)s.") % {
        "where": where,
        "event": spec.label,
    }
    if spec.sentence:
        text = str(spec.sentence) % {"clinic": where}
    url = _outside_link(user, link)
    if url:
        text += "\n\n" + _("Open it here: %(url)s") % {"url": url}
    elif user.role == Role.PATIENT:
        text += "\n\n" + _("Open the %(app)s app to see it.") % {"app": settings.APP_NAME}
    reason = _(
        "You got this e-mail because e-mail is on for “%(event)s” in your notification "
        "preferences at %(where)s. Change them in the app."
    ) % {"event": spec.label, "where": where}
    branded_message(
        to=[user.email],
        subject=title,
        text=text,
        clinic=clinic,
        reason=reason,
        action_url=url,
        action_label=_("Open"),
    ).send()


def _push(user, spec, clinic, title: str, link: str) -> None:
    """Staff get the web page's `url`; a patient's app gets the `target` to open, and `url` only
    as the app's own link."""
    body = {"title": title, "event": spec.key}
    if user.role == Role.PATIENT:
        body["target"] = targets.target_of(link)
        if url := targets.app_link(link):
            body["url"] = url
    else:
        body["url"] = absolute_url(link or "/")
    if spec.sentence:
        where = clinic.name if clinic is not None else settings.APP_NAME
        body["body"] = str(spec.sentence) % {"clinic": where}
    payload = json.dumps(body)
    for device in Device.objects.filter(user=user, kind=Device.Kind.WEBPUSH):
        message = PushMessage.objects.create(
            device=device,
            clinic=clinic,
            payload=payload,
            next_attempt_at=timezone.now(),
        )
        deliveries.schedule(message)


@unit
def notify(*, event: str, recipients, obj=None, clinic=None, escalate: bool = True) -> list:
    """Tell each active recipient about `obj` on the channels their preferences choose.

    Returns the in-app notifications created. `escalate=False` for the escalation's own alerts.
    """
    spec = event_spec(event)
    clinic = _clinic_of(obj, clinic)
    users = list({u.pk: u for u in recipients if u is not None and _receives(spec, u)}.values())
    if not users:
        if escalate and spec.escalate_to_role and clinic is not None:
            # Whoever it was for has left or changed role: the escalation's people now, not an
            # alert no one will read for 30 minutes.
            return notify(
                event=event,
                recipients=_escalation_recipients(spec, clinic.pk),
                obj=obj,
                clinic=clinic,
                escalate=False,
            )
        return []
    prefs = {
        p.user_id: p for p in Preference.objects.filter(user__in=[u.pk for u in users], event=event)
    }
    escalate_at = None
    if escalate and spec.escalate_to_role:
        escalate_at = timezone.now() + timedelta(minutes=settings.CRITICAL_ESCALATION_MINUTES)
    created = []
    for user in users:
        channels = _channels(spec, prefs.get(user.pk))
        link = _link(spec, obj, user)
        # Written as each recipient reads it (their language, the clinic's formats), not in the
        # sender's request language or the worker's default.
        with written_for(user, clinic):
            title = _title(spec, clinic)
            if channels[Channel.IN_APP]:
                created.append(
                    Notification.objects.create(
                        recipient=user,
                        clinic=clinic,
                        event=event,
                        title=title[:200],
                        link=link[:500],
                        object_type=obj._meta.label_lower if obj is not None else "",
                        object_id=str(obj.pk) if obj is not None else "",
                        patient_id=getattr(obj, "patient_id", None),
                        escalate_at=escalate_at,
                    )
                )
                _count_add(user.pk, 1)
            if channels[Channel.EMAIL] and user.email and not spec.own_email:
                _email(user, spec, clinic, title, link)
            if channels[Channel.PUSH]:
                _push(user, spec, clinic, title, link)
    return created


def event_raised(event_key: str, obj=None, clinic=None, **payload) -> None:
    """The core.events listener: a declared event notifies its recipients and webhooks."""
    spec = notification_events.get(event_key)
    if spec is None or (spec.applies is not None and not spec.applies(obj)):
        return
    clinic = _clinic_of(obj, clinic)
    if spec.recipients is not None:
        notify(event=event_key, recipients=spec.recipients(obj), obj=obj, clinic=clinic)
    if clinic is not None:
        webhooks.dispatch(event=event_key, obj=obj, clinic=clinic)


# --- escalation -----------------------------------------------------------------------------------
def alerts_of_departed(user) -> int:
    """A colleague deactivated or given another role: their unread alerts that escalate and that
    they may no longer receive are handed on now, as if their 30 minutes were up (an alert no
    one who may act will read is not left waiting, nor read away by its old recipient)."""
    waiting = Notification.objects.filter(recipient=user, unread=True, escalate_at__isnull=False)
    specs = {key: notification_events.get(key) for key in waiting.values_list("event", flat=True)}
    gone = [key for key, spec in specs.items() if spec is not None and not _receives(spec, user)]
    if not gone:
        return 0
    return sum(_escalate(n) for n in waiting.filter(event__in=gone).select_related("clinic"))


def escalations_run() -> int:
    """Alerts still unread at their `escalate_at`: every user of the event's escalation role in
    the clinic is told (once per record, however many first recipients left it unread)."""
    due = Notification.objects.filter(escalate_at__lte=timezone.now(), unread=True).select_related(
        "clinic"
    )[:ESCALATION_BATCH]
    return sum(_escalate(notification) for notification in due)


def _escalate(notification: Notification) -> bool:
    """Tell the escalation's people of this alert, once: the alert is claimed by clearing its
    `escalate_at` (another run or a reader got there first: nothing)."""
    claimed = Notification.objects.filter(
        pk=notification.pk, unread=True, escalate_at__isnull=False
    ).update(escalate_at=None)
    if not claimed:
        return False
    spec = notification_events.get(notification.event)
    if spec is None or not spec.escalate_to_role or notification.clinic is None:
        return False
    told = Notification.objects.filter(
        event=notification.event,
        object_id=notification.object_id,
        object_type=notification.object_type,
    ).values_list("recipient_id", flat=True)
    users = _escalation_recipients(spec, notification.clinic_id).exclude(pk__in=list(told))
    notify(
        event=notification.event,
        recipients=users,
        obj=_object_of(notification),
        clinic=notification.clinic,
        escalate=False,
    )
    return True


def _object_of(notification: Notification):
    if not notification.object_type:
        return None
    model = apps.get_model(notification.object_type)
    return model.objects.filter(pk=notification.object_id).first()


# --- devices --------------------------------------------------------------------------------------
@unit
def device_register(*, actor, kind: str, address: str, p256dh: str = "", auth: str = "") -> Device:
    """Register (or refresh) a push target of the actor's; Web Push endpoints must be public."""
    require(actor, "notifications.own")
    if kind == Device.Kind.WEBPUSH:
        webhooks.check_public_url(address, field="endpoint")
        if not (p256dh and auth):
            raise ValidationError({"keys": [_("Web Push needs the p256dh and auth keys.")]})
    device, _created = Device.objects.update_or_create(
        user=actor,
        kind=kind,
        address=address,
        defaults={"p256dh": p256dh, "auth": auth, "last_used_at": timezone.now()},
    )
    return device


@unit
def device_delete(*, actor, device: Device) -> None:
    require(actor, "notifications.own")
    device.delete()


# --- failed deliveries ----------------------------------------------------------------------------
def delivery_retry(*, actor, row) -> None:
    """A clinic admin sends a failed e-mail or webhook call, or runs a failed task, again
    (fresh attempts)."""
    require(actor, "deliveries.manage")
    if isinstance(row, FailedTask):
        retries.failed_task_retry(row)
    else:
        deliveries.retry(row)
