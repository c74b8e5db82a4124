from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.reconcile import reconcile


class Command(BaseCommand):
    help = "List half-written units (e.g. a lab order with no tests, a record with no audit row)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=0, help="Only units created in the last N days."
        )

    def handle(self, *args, days, **options):
        since = timezone.now() - timedelta(days=days) if days else None
        found = reconcile(since=since)
        for finding in found:
            self.stdout.write(str(finding))
        self.stdout.write(f"{len(found)} half-written unit(s) found.")
        if found:
            raise SystemExit(1)
