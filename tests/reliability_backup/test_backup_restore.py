"""Backups that restore: a seeded clinic backed up, the database and storages emptied, the backup
restored — every row and every stored file comes back as it was."""

import hashlib
import json

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.core.serializers import serialize

from clinics.models import Clinic
from core.backup import DATA_STORAGES, ExactJSONEncoder, _storage_files, project_apps
from tests.files.factories import png_bytes, stored_file

pytestmark = pytest.mark.django_db(transaction=True)


def every_row() -> dict[str, list]:
    """Each model's rows as plain data, keyed by model, in a stable order."""
    rows = {}
    for label in project_apps():
        for model in apps.get_app_config(label).get_models():
            objects = model._base_manager.order_by("pk")
            rows[model._meta.label] = json.loads(serialize("json", objects, cls=ExactJSONEncoder))
    return rows


def every_file() -> dict[str, str]:
    files = {}
    for alias in DATA_STORAGES:
        storage = storages[alias]
        for name in _storage_files(alias):
            with storage.open(name, "rb") as handle:
                files[f"{alias}/{name}"] = hashlib.sha256(handle.read()).hexdigest()
    return files


def empty_everything():
    call_command("flush", interactive=False, verbosity=0)
    for alias in DATA_STORAGES:
        for name in list(_storage_files(alias)):
            storages[alias].delete(name)


@pytest.fixture
def seeded_clinic(capsys):
    call_command("seed_demo", program_enrolments=2)  # a short task history keeps it quick
    clinic = Clinic.objects.get(slug="demo-clinic")
    clinic.logo.save("logo.png", ContentFile(png_bytes()))
    admin = clinic.users.get(email="admin@demo.clinic")
    patient = clinic.patients.first()
    stored_file(admin, patient, name="referral.pdf")
    capsys.readouterr()
    return clinic


def test_a_backup_restores_every_row_and_file(seeded_clinic, tmp_path, capsys):
    rows_before, files_before = every_row(), every_file()
    assert sum(map(len, rows_before.values())) > 100
    assert len(files_before) >= 2  # the logo and the referral letter

    call_command("backup", output=str(tmp_path))
    backup_path = capsys.readouterr().out.strip()
    assert backup_path.startswith(str(tmp_path))

    empty_everything()
    assert every_file() == {}
    assert Clinic.objects.count() == 0

    call_command("restore", backup_path)
    assert "Restored" in capsys.readouterr().out
    assert every_row() == rows_before
    assert every_file() == files_before


def test_restore_refuses_a_database_that_holds_data(seeded_clinic, tmp_path, capsys):
    call_command("backup", output=str(tmp_path))
    backup_path = capsys.readouterr().out.strip()
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", backup_path)


def test_a_damaged_backup_is_refused_before_anything_is_written(seeded_clinic, tmp_path, capsys):
    call_command("backup", output=str(tmp_path))
    backup_path = capsys.readouterr().out.strip()
    empty_everything()
    with open(f"{backup_path}/data.jsonl", "a") as data:
        data.write('{"model": "clinics.clinic", "pk": "x", "fields": {}}\n')
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", backup_path)
    assert Clinic.objects.count() == 0


def test_restore_names_what_is_not_a_backup(db, tmp_path):
    with pytest.raises(CommandError, match="is not a backup"):
        call_command("restore", str(tmp_path))


@pytest.mark.sql_only(reason="the online backup API is SQLite's")
def test_on_sqlite_the_backup_holds_a_consistent_database_file(seeded_clinic, tmp_path, capsys):
    import sqlite3

    call_command("backup", output=str(tmp_path))
    backup_path = capsys.readouterr().out.strip()
    with sqlite3.connect(f"{backup_path}/db.sqlite3") as copy:
        (count,) = copy.execute("select count(*) from clinics_clinic").fetchone()
    assert count == Clinic.objects.count() == 1
