"""`manage.py verify_audit`: seal pending audit rows, then check every clinic's hash chain."""

from django.core.management.base import BaseCommand, CommandError

from accounts.audit_chain import verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chains; report the first broken link of each chain."

    def handle(self, *args, **options):
        checked, breaks = verify()
        for broken in breaks:
            self.stderr.write(f"BROKEN {broken}")
        if breaks:
            raise CommandError(f"{len(breaks)} audit chain(s) broken ({checked} rows checked).")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {checked} rows checked."))
