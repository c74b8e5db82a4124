"""The Redis queue (TASKS_URL=redis://…) with real rqworker processes: each task runs once."""

from collections import Counter

from tests.notifications.conftest import finish
from tests.notifications.jobs import record_run

TASKS = 100


def test_two_rq_workers_run_each_task_exactly_once(worker_db, rq_queue, tmp_path):
    for number in range(TASKS):
        record_run.enqueue(number)
    log = tmp_path / "runs.log"
    env = worker_db.env(TASKS_URL=rq_queue, RUN_LOG=log)
    worker_db.push()
    workers = [
        worker_db.manage(
            "rqworker", "default", "--burst", "--worker-class=rq.worker.SimpleWorker", env=env
        )
        for _ in range(2)
    ]
    for worker in workers:
        finish(worker)

    runs = Counter(int(line) for line in log.read_text().split())
    assert sorted(runs) == list(range(TASKS))
    assert set(runs.values()) == {1}
