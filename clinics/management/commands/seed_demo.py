"""Load a demo clinic with one user of every role, then every app's demo seeder; safe to run
again (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from clinics.models import Clinic
from core.contributions import clinic_created, seeders
from core.reconcile import audit_seeded, seeding_mark
from core.roles import Role

DEMO_PASSWORD = "demo-passport-2026"
DEMO_USERS = [
    ("admin@demo.clinic", "Ada Admin", Role.ADMIN),
    ("clinician@demo.clinic", "Dr Chidi Clinician", Role.CLINICIAN),
    ("nurse@demo.clinic", "Nia Nurse", Role.NURSE),
    ("reception@demo.clinic", "Rafael Reception", Role.RECEPTIONIST),
    ("lab@demo.clinic", "Lena Lab", Role.LAB_TECH),
]
SUPERUSER = ("superuser@demo.clinic", "Platform Superuser")


class Command(BaseCommand):
    help = "Create (or refresh) the demo clinic and its users, and print their logins."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help="Password for every user.")
        for seeder in seeders:
            seeder.add_arguments(parser)

    def handle(self, *args, password, **options):
        users = {}
        with transaction.atomic():
            clinic, created = Clinic.objects.get_or_create(
                slug="demo-clinic",
                defaults={
                    "name": "Demo Clinic",
                    "timezone": "Europe/London",
                    "primary_color": "#0f766e",
                },
            )
            if created:
                clinic_created(clinic)
            for email, name, role in DEMO_USERS:
                users[role] = self._user(email, password, name=name, role=role, clinic=clinic)
            self._user(
                SUPERUSER[0],
                password,
                name=SUPERUSER[1],
                role=Role.ADMIN,
                is_staff=True,
                is_superuser=True,
            )
        mark = seeding_mark()
        for seeder in seeders:
            seeder.seed(clinic=clinic, users=users, options=options, stdout=self.stdout)
        # Seeders insert in bulk, past the services: their records get their create audit rows
        # here, so `manage.py reconcile` does not report demo data as half-written.
        audit_seeded(mark=mark, clinic_id=clinic.pk)
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready: {clinic.name}"))
        site = settings.SITE_URL  # follows `PORT=8402 make run` unless SITE_URL is set
        self.stdout.write(f"Log in at {site}/accounts/login/ (password: {password})")
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role.label:<16} {email}")
        self.stdout.write(f"  Django admin     {SUPERUSER[0]}  ({site}/admin/)")

    def _user(self, email, password, **fields):
        user = User.objects.filter(email=email).first() or User(email=email)
        for name, value in {**fields, "is_active": True, "is_verified": True}.items():
            setattr(user, name, value)
        user.set_password(password)
        user.save()
        return user
