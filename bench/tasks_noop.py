"""The benchmark's task: does nothing, so the queue's own cost is what is measured."""

from django_tasks import task


@task
def noop(number: int) -> int:
    return number
