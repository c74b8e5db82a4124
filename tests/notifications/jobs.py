"""Tasks the worker tests enqueue: each run appends its number to the file RUN_LOG names."""

import os
import time
from pathlib import Path

from django_tasks import task

from notifications.retries import retried_task


@task
def record_run(number: int) -> int:
    with open(os.environ["RUN_LOG"], "a") as log:  # one short append: atomic between processes
        log.write(f"{number}\n")
    _wait_for_every_worker()
    return number


_waited = False


def _wait_for_every_worker() -> None:
    """With RUN_TOGETHER (a folder) set, a worker's first run holds until each of the WORKERS
    processes has started one: on a loaded machine a worker can start after the other has
    emptied the queue, and a test that several workers share the work would then fail by
    chance. Once per process: a worker that died early costs one wait, not one a task."""
    global _waited
    folder = os.environ.get("RUN_TOGETHER")
    if not folder or _waited:
        return
    _waited = True
    Path(folder, os.environ["WORKER_NAME"]).touch()
    deadline = time.monotonic() + 60
    while len(os.listdir(folder)) < int(os.environ["WORKERS"]) and time.monotonic() < deadline:
        time.sleep(0.01)


@retried_task
def flaky(key: str, fail_times: int, clinic_id: str | None = None) -> int:
    """Logs each run as `key`; raises on the first `fail_times` runs of that key."""
    log_path = os.environ["RUN_LOG"]
    with open(log_path, "a") as log:
        log.write(f"{key}\n")
    with open(log_path) as log:
        runs = log.read().split().count(key)
    if runs <= fail_times:
        raise ConnectionError(f"run {runs} of {key} failed")
    return runs
