"""Delete expired refresh-token records (run daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from accounts.services import refresh_tokens_prune


class Command(BaseCommand):
    help = "Delete refresh-token records whose tokens have expired."

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {refresh_tokens_prune()} expired refresh-token records.")
