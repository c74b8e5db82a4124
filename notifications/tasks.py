"""Background tasks (Django's Tasks API: the queue is `settings.TASKS`, not code)."""

from django.conf import settings
from django.utils.module_loading import import_string
from django_tasks import task

from notifications import deliveries


@task
def deliver(label: str, pk: str) -> str | None:
    """One attempt at an outbox message, push message or webhook delivery."""
    return deliveries.attempt(label, pk)


@task
def run_periodic(key: str):
    """Run one entry of the schedule (settings.PERIODIC_TASKS) by its key."""
    return import_string(settings.PERIODIC_TASKS[key]["call"])()
