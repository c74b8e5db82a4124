"""The database queue with real worker processes: each task runs once on SQLite and MongoDB."""

from collections import Counter

from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.notifications.conftest import finish
from tests.notifications.jobs import record_run

TASKS = 500


def test_two_workers_run_each_of_500_tasks_exactly_once(worker_db, tmp_path):
    for number in range(TASKS):
        record_run.enqueue(number)
    worker_db.push()
    log = tmp_path / "runs.log"
    together = tmp_path / "started"
    together.mkdir()
    workers = [
        worker_db.manage(
            "db_worker",
            "--batch",
            "--no-reload",
            "--interval=0",
            f"--worker-id={name}",
            env=worker_db.env(RUN_LOG=log, RUN_TOGETHER=together, WORKER_NAME=name, WORKERS=2),
        )
        for name in ("w1", "w2")
    ]
    for worker in workers:
        finish(worker)

    runs = Counter(int(line) for line in log.read_text().split())
    assert sorted(runs) == list(range(TASKS))
    assert set(runs.values()) == {1}
    worker_db.pull()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == TASKS
    by_worker = Counter(r.worker_ids[0] for r in DBTaskResult.objects.all())
    assert set(by_worker) == {"w1", "w2"}  # both really worked


def test_a_task_to_run_later_waits(worker_db, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    record_run.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(1)
    record_run.enqueue(2)
    worker_db.push()
    log = tmp_path / "runs.log"
    finish(worker_db.manage("db_worker", "--batch", "--no-reload", env=worker_db.env(RUN_LOG=log)))
    assert log.read_text().split() == ["2"]
