"""`manage.py db_worker`: django-tasks-db's command with a claim that is safe on MongoDB.

This app is listed before django_tasks_db, so this command replaces its namesake: an operator
following django-tasks-db's documentation still gets the safe claim. `--with-scheduler` also
ticks the periodic schedule (settings.PERIODIC_TASKS) between tasks.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from notifications.worker import ClaimingWorker, Scheduler

WORKER_OPTIONS = ("interval", "batch", "backend_name", "startup_delay", "max_tasks", "worker_id")


class Command(db_worker.Command):
    help = "Run a database queue worker (claims each task with one conditional write)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--with-scheduler",
            action="store_true",
            help="Also enqueue the periodic tasks of settings.PERIODIC_TASKS when they are due.",
        )

    def handle(self, *, verbosity, queue_name, exclude_queues, reload, with_scheduler, **options):
        self.configure_logging(verbosity)
        reload = reload and not options["batch"]
        worker = ClaimingWorker(
            queue_names=queue_name.split(","),
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
            scheduler=Scheduler() if with_scheduler else None,
            **{name: options[name] for name in WORKER_OPTIONS},
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
