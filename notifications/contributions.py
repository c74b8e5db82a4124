"""What the notifications app adds: it listens to every event apps raise (core.events), and
names the patient of notifications from an older backup once restored."""

from core.contributions import Backfill, contribute
from core.events import listen
from notifications.services import event_raised

listen("notifications", event_raised)
contribute("notifications", Backfill("notifications.0003_notification_patient"))
