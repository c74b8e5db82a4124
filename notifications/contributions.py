"""What the notifications app adds: it listens to every event apps raise (core.events), and
names the patient of notifications from an older backup once restored."""

from accounts.services import STAFF_CHANGED
from core.contributions import Backfill, Service, contribute
from core.events import listen
from notifications.services import alerts_of_departed, channels_for, event_raised


def _staff_changed(event_key: str, obj=None, **payload) -> None:
    if event_key == STAFF_CHANGED:
        alerts_of_departed(obj)


listen("notifications", event_raised)
listen("notifications.staff", _staff_changed)
contribute(
    "notifications",
    Backfill("notifications.0003_notification_patient"),
    Backfill("notifications.0005_reminder_email_switch_on"),
    Service(key="notifications.channels_for", call=channels_for),
)
