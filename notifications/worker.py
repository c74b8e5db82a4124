"""The database queue's worker, with a claim MongoDB honours, and the periodic schedule.

django-tasks-db claims a task with `select_for_update(skip_locked=True)` inside a transaction;
on MongoDB both are silent no-ops, so two workers can run the same task (measured: 2 workers ×
40 tasks → 48 runs). Here the claim is one conditional write, `READY → RUNNING` on that row,
which exactly one worker can win on every backend.

The schedule (settings.PERIODIC_TASKS) is ticked by `manage.py scheduler` or by a worker
started `--with-scheduler`. Each entry runs once per slot of `every` seconds (shifted by `at`)
however many schedulers tick: moving its `PeriodicRun.slot` forward is a conditional write too.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from notifications.models import PeriodicRun

logger = logging.getLogger("notifications.worker")
# How many of the next ready tasks a worker tries to claim before looking again.
CLAIM_CANDIDATES = 8


def claim_next(tasks, worker_id: str) -> DBTaskResult | None:
    """Claim the first of the ready `tasks` no other worker has claimed: one conditional write."""
    for candidate in tasks.values("id", "worker_ids")[:CLAIM_CANDIDATES]:
        claimed = DBTaskResult.objects.filter(
            pk=candidate["id"], status=TaskResultStatus.READY
        ).update(
            status=TaskResultStatus.RUNNING,
            started_at=timezone.now(),
            worker_ids=[*candidate["worker_ids"], worker_id],
        )
        if claimed == 1:
            return DBTaskResult.objects.get(pk=candidate["id"])
    return None


class ClaimingWorker(Worker):
    """django-tasks-db's worker with the conditional-write claim (and, optionally, the schedule)."""

    def __init__(self, *, scheduler: "Scheduler | None" = None, **options):
        super().__init__(**options)
        self.scheduler = scheduler

    def ready_tasks(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def run(self) -> None:
        logger.info("Worker %s on queues %s", self.worker_id, ",".join(self.queue_names))
        while self.running:
            close_old_connections()
            if self.scheduler is not None:
                self.scheduler.tick()
            task_result = claim_next(self.ready_tasks(), self.worker_id)
            if task_result is not None:
                self.run_task(task_result)
            elif self.batch:
                logger.info("No more tasks for worker %s: exiting.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran %d tasks on worker %s: exiting.", self._run_tasks, self.worker_id)
                return
            if self.running and task_result is None:
                time.sleep(self.interval)


@dataclass(frozen=True)
class Entry:
    key: str
    call: str
    every: int  # seconds
    at: int = 0  # offset in seconds within each period (e.g. 03:00 UTC for a daily job)

    def slot(self, now) -> int:
        return int((now.timestamp() - self.at) // self.every)


def entries() -> list[Entry]:
    return [Entry(key=key, **spec) for key, spec in settings.PERIODIC_TASKS.items()]


def claim_slot(entry: Entry, slot: int) -> bool:
    """True for exactly one of the schedulers asking to run `entry` in `slot`."""
    now = timezone.now()
    moved = PeriodicRun.objects.filter(key=entry.key, slot__lt=slot).update(
        slot=slot, enqueued_at=now
    )
    if moved == 1:
        return True
    if PeriodicRun.objects.filter(key=entry.key).exists():
        return False
    try:
        PeriodicRun.objects.create(key=entry.key, slot=slot, enqueued_at=now)
    except IntegrityError:
        return False
    return True


class Scheduler:
    """Enqueues each due entry of the schedule once per slot (safe to run in many processes)."""

    def __init__(self):
        self.entries = entries()
        self.seen: dict[str, int] = {}

    def tick(self, now=None) -> list[str]:
        from notifications.tasks import run_periodic

        now = now or timezone.now()
        enqueued = []
        for entry in self.entries:
            slot = entry.slot(now)
            if self.seen.get(entry.key) == slot:
                continue
            if claim_slot(entry, slot):
                run_periodic.enqueue(entry.key)
                enqueued.append(entry.key)
            self.seen[entry.key] = slot
        return enqueued

    def run(self, interval: float = 1.0) -> None:
        logger.info("Scheduler: %s", ", ".join(e.key for e in self.entries))
        while True:
            close_old_connections()
            self.tick()
            time.sleep(interval)


def stale_tasks_fail(*, older_than: timedelta = timedelta(hours=6)) -> int:
    """Tasks left RUNNING by a worker that died: mark them failed, so admins see and retry them."""
    cutoff = timezone.now() - older_than
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="notifications.worker.WorkerLost",
        traceback="The worker running this task stopped before it finished.",
    )


def task_results_prune(*, keep: timedelta = timedelta(days=14)) -> int:
    """Forget successful task results older than `keep` (failed ones stay for the admins)."""
    cutoff = timezone.now() - keep
    deleted, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=cutoff
    ).delete()
    return deleted


def database_maintenance() -> dict:
    """The nightly housekeeping of the database queue (a no-op for tasks kept elsewhere)."""
    return {"stale_failed": stale_tasks_fail(), "pruned": task_results_prune()}
