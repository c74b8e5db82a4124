"""Messaging test data, written through the services (numbering, read state, counts, audit)."""

from messaging import services
from messaging.models import Thread


def make_thread(
    actor, patient, *, subject="Rash getting worse", category="clinical", text="Hello", **kw
) -> Thread:
    return services.thread_create(
        actor=actor, patient=patient, subject=subject, category=category, text=text, **kw
    )


def write(actor, thread, text="A message", **kw):
    return services.message_post(actor=actor, thread=thread, text=text, **kw)
