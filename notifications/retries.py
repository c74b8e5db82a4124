"""Retry with back-off for background tasks, on every queue backend.

A task declared with `@retried_task` instead of `@task` runs again when it raises: enqueued
anew with `run_after` = now + back-off (TASK_RETRY_SECONDS, then ×4, capped at
TASK_RETRY_MAX_SECONDS), carrying its attempt number in the `_attempt` keyword. The exception is
still raised, so the queue records that attempt as failed (with its traceback). After
TASK_RETRY_ATTEMPTS tries it becomes a `FailedTask` row: platform admins see every one in the
Django admin, a clinic's admins those whose task had a `clinic_id` argument of their clinic; both
may run it again (a fresh set of attempts).

This lives in the task itself rather than in a worker, so it works the same for the database
queue, RQ and the immediate backend (which cannot defer: there the retry runs at once).
"""

import functools
import logging
import traceback
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.utils import get_module_path

from notifications.models import FailedTask

logger = logging.getLogger(__name__)
ATTEMPT = "_attempt"


def retry_delay(attempts: int) -> timedelta:
    """Wait after `attempts` failed tries: TASK_RETRY_SECONDS, then ×4 each time, capped."""
    seconds = settings.TASK_RETRY_SECONDS * 4 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.TASK_RETRY_MAX_SECONDS))


def enqueue_attempt(task_path: str, args, kwargs, *, attempt: int, delay: timedelta | None = None):
    """Enqueue attempt number `attempt` of the task at `task_path`, after `delay` if the queue
    can defer (otherwise now)."""
    found = import_string(task_path)
    if delay and found.get_backend().supports_defer:
        found = found.using(run_after=timezone.now() + delay)
    return found.enqueue(*args, **{**kwargs, ATTEMPT: attempt})


def _clinic_id(kwargs) -> str | None:
    from clinics.models import Clinic

    clinic_id = kwargs.get("clinic_id")
    if isinstance(clinic_id, str) and Clinic.objects.filter(pk=clinic_id).exists():
        return clinic_id
    return None


def after_failure(task_path: str, args, kwargs, *, attempt: int, exc: BaseException) -> None:
    """Schedule the next try, or after the last one record the task as failed."""
    error = f"{type(exc).__name__}: {exc}"[:500]
    logger.warning("Task %s attempt %s failed: %s", task_path, attempt, error)
    if attempt < settings.TASK_RETRY_ATTEMPTS:
        enqueue_attempt(task_path, args, kwargs, attempt=attempt + 1, delay=retry_delay(attempt))
        return
    FailedTask.objects.create(
        task_path=task_path,
        args=list(args),
        kwargs=kwargs,
        clinic_id=_clinic_id(kwargs),
        attempts=attempt,
        last_error=error,
        traceback="".join(traceback.format_exception(exc))[-20000:],
    )


def retried_task(function=None, **task_options):
    """`@task` (same options) whose failures are retried with back-off, then listed as failed."""

    def decorate(func):
        task_path = get_module_path(func)
        # A task that takes the context gets it first; it is not one of the arguments to keep.
        own_args = slice(1, None) if task_options.get("takes_context") else slice(None)

        @functools.wraps(func)
        def run(*args, _attempt: int = 1, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                after_failure(task_path, args[own_args], kwargs, attempt=_attempt, exc=exc)
                raise

        return task(**task_options)(run)

    return decorate(function) if function is not None else decorate


def failed_task_retry(row: FailedTask) -> bool:
    """Run a failed task again with fresh attempts; False if someone already did."""
    won = FailedTask.objects.filter(pk=row.pk, status=FailedTask.Status.FAILED).update(
        status=FailedTask.Status.RETRIED, retried_at=timezone.now()
    )
    if won != 1:
        return False
    enqueue_attempt(row.task_path, row.args, row.kwargs, attempt=1)
    row.status = FailedTask.Status.RETRIED
    return True
