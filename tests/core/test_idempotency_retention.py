"""The stored 201 answers of retried API POSTs hold PHI: they are deleted once expired, by a
periodic task, and never copied into a backup (neither its JSON lines nor the SQLite file)."""

import base64
import datetime
import json
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.idempotency import keys_prune
from core.models import IdempotencyKey
from patients.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)
ANSWER = json.dumps({"first_name": "Grace", "last_name": "Hopper"}).encode()


def stored_answer(key: str, *, hours_old: float = 0) -> IdempotencyKey:
    row = IdempotencyKey.objects.create(
        scope="user:x",
        key=key,
        fingerprint="0" * 64,
        state=IdempotencyKey.State.DONE,
        status_code=201,
        body=base64.b64encode(ANSWER).decode("ascii"),
    )
    created = timezone.now() - datetime.timedelta(hours=hours_old)
    IdempotencyKey.objects.filter(pk=row.pk).update(created_at=created)
    return row


def test_expired_answers_are_deleted_by_a_periodic_task(admin_user):
    expired = stored_answer("old", hours_old=settings.IDEMPOTENCY_KEY_HOURS + 0.1)
    fresh = stored_answer("new", hours_old=1)

    schedule = {entry["call"]: entry for entry in settings.PERIODIC_TASKS.values()}
    assert schedule["core.idempotency.keys_prune"]["every"] <= 15 * 60
    assert keys_prune() == 1
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not IdempotencyKey.objects.filter(pk=expired.pk).exists()


def test_a_backup_holds_no_stored_answers(admin_user, tmp_path, capsys):
    Patient.objects.create(
        clinic=admin_user.clinic,
        mrn="00000001",
        first_name="Grace",
        last_name="Hopper",
        date_of_birth=datetime.date(1906, 12, 9),
    )
    stored_answer("retry-1")

    call_command("backup", output=str(tmp_path))
    backup = Path(capsys.readouterr().out.strip())

    data = (backup / "data.jsonl").read_text()
    assert '"clinics.clinic"' in data
    assert "core.idempotencykey" not in data and "Hopper" in data
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(backup / "db.sqlite3")
        try:
            (count,) = copy.execute("select count(*) from core_idempotencykey").fetchone()
            (patients,) = copy.execute("select count(*) from patients_patient").fetchone()
        finally:
            copy.close()
        assert (count, patients) == (0, 1)
        # secure_delete: the deleted answer's bytes are not left in the file's free pages.
        assert base64.b64encode(ANSWER) not in (backup / "db.sqlite3").read_bytes()
    assert IdempotencyKey.objects.count() == 1  # the live database keeps it until it expires
