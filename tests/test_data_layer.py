"""The same application on every backend: ids, indexes, unique constraints, migrations."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from clinics import services as clinic_services
from clinics.models import Clinic
from tests.accounts.signup import CONFIRM_LINK
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
PROJECT_APPS = ["accounts", "clinics"]


def project_models():
    return [model for label in PROJECT_APPS for model in apps.get_app_config(label).get_models()]


def test_duplicate_email_racing_past_the_check_is_a_clean_400(api_client, db, mailbox, monkeypatch):
    """Two sign-up links for one address followed at once: the database's unique index decides,
    not a 500, and no orphan clinic is left behind."""
    body = {
        "name": "Racer",
        "email": "racer@example.org",
        "password": "Unusual-pass-8812",
        "clinic_name": "Race Clinic",
    }
    for _ in range(2):
        assert api_client.post("/api/v1/auth/signup", body, format="json").status_code == 202
    first, second = [CONFIRM_LINK.search(mailbox.body(m))[1] for m in mailbox.messages]
    confirm = "/api/v1/auth/signup/confirm"
    assert api_client.post(confirm, {"token": first}, format="json").status_code == 201
    monkeypatch.setattr(clinic_services, "email_check_available", lambda email, **kw: email)
    clinics_before = Clinic.objects.count()

    response = api_client.post(confirm, {"token": second}, format="json")

    assert response.status_code == 400
    assert "already exists" in response.json()["errors"]["email"][0]
    assert Clinic.objects.count() == clinics_before  # no orphan clinic left behind


def test_unique_email_is_enforced_by_the_database(clinician):
    with pytest.raises(IntegrityError):
        User.objects.create(email=clinician.email, name="Copy", clinic=clinician.clinic)


def test_primary_keys_are_the_same_strings_on_every_backend(clinician):
    assert isinstance(clinician.pk, str) and len(clinician.pk) == 24
    assert User.objects.get(pk=clinician.pk) == clinician
    if settings.USES_MONGODB:
        document = connection.database[User._meta.db_table].find_one({"_id": clinician.pk})
        assert document["email"] == clinician.email
        assert document["clinic_id"] == clinician.clinic_id


@pytest.mark.django_db
def test_every_declared_index_and_unique_constraint_exists_in_the_database():
    with connection.cursor() as cursor:
        for model in project_models():
            table = model._meta.db_table
            constraints = connection.introspection.get_constraints(cursor, table)
            names = set(constraints)
            for index in model._meta.indexes:
                assert index.name in names, (table, index.name)
            for field in model._meta.local_fields:
                if field.unique and not field.primary_key:
                    assert any(
                        info["unique"] and info["columns"] == [field.column]
                        for info in constraints.values()
                    ), (table, field.column)


@pytest.mark.parametrize(
    "extra_env",
    [
        {},
        {"DATABASE_URL": "mongodb://offline/health_passport", "MONGODB_OFFLINE": "True"},
    ],
    ids=["project-migrations", "mongo-migrations"],
)
def test_migrations_are_up_to_date_for_both_sets(extra_env):
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "",
        "DEBUG": "True",
        "DJANGO_SETTINGS_MODULE": "health_passport.settings",
        **extra_env,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_admin_login_and_changelist_work_on_this_backend(client, db):
    root = UserFactory(email="root@example.org", clinic=None, is_staff=True, is_superuser=True)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    # Superusers enrol a second factor before the admin opens (accounts.mfa).
    client.get("/accounts/mfa/setup/")
    device = TOTPDevice.objects.get(user=root)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    client.post("/accounts/mfa/setup/", {"code": f"{totp.token():06d}"})
    page = client.get("/admin/accounts/user/?q=root")
    assert page.status_code == 200
    assert "root@example.org" in page.content.decode()
