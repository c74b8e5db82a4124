"""`manage.py scheduler`: enqueue the periodic tasks of settings.PERIODIC_TASKS when due.

Needed beside workers that do not tick the schedule themselves (`rqworker`, or `db_worker`
without `--with-scheduler`). Running several is safe: each run is enqueued once.
"""

import contextlib

from django.core.management.base import BaseCommand

from notifications.worker import Scheduler


class Command(BaseCommand):
    help = "Enqueue the periodic tasks (settings.PERIODIC_TASKS) when they are due."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--once", action="store_true", help="Tick once and exit.")

    def handle(self, *, interval, once, **options):
        scheduler = Scheduler()
        if once:
            for key in scheduler.tick():
                self.stdout.write(f"enqueued {key}")
            return
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop quietly
            scheduler.run(interval=interval)
