"""What the notifications app adds: it listens to every event apps raise (core.events)."""

from core.events import listen
from notifications.services import event_raised

listen("notifications", event_raised)
