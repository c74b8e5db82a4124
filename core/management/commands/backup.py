from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.backup import backup


class Command(BaseCommand):
    help = "Back up the clinic data (JSON lines), stored files and, on SQLite, the database file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "backups"),
            help="The folder the backup is written under (default: ./backups).",
        )

    def handle(self, *args, output, **options):
        target = backup(Path(output))
        self.stdout.write(str(target))
