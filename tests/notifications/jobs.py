"""Tasks the worker tests enqueue: each run appends its number to the file RUN_LOG names."""

import os

from django_tasks import task

from notifications.retries import retried_task


@task
def record_run(number: int) -> int:
    with open(os.environ["RUN_LOG"], "a") as log:  # one short append: atomic between processes
        log.write(f"{number}\n")
    return number


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
