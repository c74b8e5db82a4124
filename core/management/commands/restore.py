from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup written by `manage.py backup` into an empty, migrated database."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup folder that `manage.py backup` printed.")

    def handle(self, *args, path, **options):
        try:
            counts = restore(Path(path))
        except BackupError as problem:
            raise CommandError(str(problem)) from problem
        self.stdout.write(f"Restored {counts['rows']} records and {counts['files']} files.")
        if counts["refilled"]:
            self.stdout.write(
                "The backup is from an older version; these data migrations ran again on its "
                "records: " + ", ".join(counts["refilled"]) + "."
            )
