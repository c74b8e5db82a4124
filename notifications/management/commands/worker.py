"""`manage.py worker`: the worker for whichever queue settings.TASKS names, with the schedule.

What `make run` starts beside gunicorn. In production run the queue's own command instead
(README: `db_worker --with-scheduler`, or `rqworker --with-scheduler` plus `scheduler`).
"""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from notifications.worker import Scheduler


class Command(BaseCommand):
    help = "Run the configured queue's worker and the periodic schedule."

    def handle(self, **options):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if isinstance(backend, DatabaseBackend):
            call_command("db_worker", with_scheduler=True, reload=False)
        elif type(backend).__name__ == "RQBackend":
            threading.Thread(target=Scheduler().run, daemon=True).start()
            call_command("rqworker", "default", with_scheduler=True)
        else:  # tasks run in-process as they are enqueued: only the schedule needs a loop
            Scheduler().run()
