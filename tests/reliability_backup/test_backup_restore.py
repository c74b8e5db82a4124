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
from core.backup import DATA_STORAGES, ExactJSONEncoder, _sha256, _storage_files, project_apps
from core.contributions import Backfill, backfills
from core.registry import Registry
from core.words import words_of
from files.models import StoredFile
from files.selectors import file_list
from messaging.models import Thread
from messaging.selectors import thread_list
from notes.models import Note
from notes.selectors import note_list
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


@pytest.fixture(autouse=True)
def own_storages(settings, tmp_path):
    """This test's own folders for the stored files, the files app's inside the default one as
    in production: these tests empty the storages, which must not take the files of a test
    running beside them (pytest -n), nor count theirs."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media},
        },
        "files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media / "private" / "files"},
        },
    }


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
    said = capsys.readouterr().out
    assert "Restored" in said
    assert "older version" not in said  # its own version's backup: nothing to run again
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


# What the data migrations a restore runs again (core.contributions.Backfill) wrote: each row by
# the fields that say what it is (its id and times are new when written again).
DERIVED = {
    "notes.NoteWord": ("clinic", "word", "note"),
    "notes.CommonNoteWord": ("clinic", "word"),
    "files.FileWord": ("clinic", "word", "file"),
    "messaging.ThreadWord": ("clinic", "word", "thread"),
    "programs.ProgramName": ("clinic", "key", "lineage"),
}
# Fields those migrations wrote on records a backup from before them still holds.
WRITTEN_ON = {
    "notes.note": "search_text",
    "files.storedfile": "search_text",
    "messaging.thread": "search_text",
    "notifications.notification": "patient",
}


def as_restored(rows: dict[str, list]) -> dict[str, list]:
    """`rows` (every_row), with the derived rows by what they say rather than by id."""
    return {
        label: sorted(tuple(row["fields"][name] for name in DERIVED[label]) for row in found)
        if label in DERIVED
        else found
        for label, found in rows.items()
    }


def rewrite_backup(path, change_manifest, keep_line=lambda line: line):
    """Rewrite a backup's data file line by line (`keep_line` returns the line or None) and
    its manifest, with the data file's checksum made right again."""
    data = path / "data.jsonl"
    lines = [keep_line(json.loads(line)) for line in data.read_text().splitlines()]
    data.write_text("".join(json.dumps(line) + "\n" for line in lines if line is not None))
    manifest = json.loads((path / "manifest.json").read_text())
    change_manifest(manifest)
    manifest["data"]["sha256"] = _sha256(data)
    (path / "manifest.json").write_text(json.dumps(manifest))


def searches(clinic) -> dict[str, set]:
    """What the clinic's staff find searching its notes, files and threads for a word of each."""
    clinician = clinic.users.get(email="clinician@demo.clinic")
    admin = clinic.users.get(email="admin@demo.clinic")
    found = {}
    for model, listed, actor, text in (
        (Note, note_list, clinician, "title"),
        (StoredFile, file_list, admin, "title"),
        (Thread, thread_list, clinician, "subject"),
    ):
        for record in model.objects.filter(clinic=clinic).order_by("pk")[:3]:
            word = words_of(getattr(record, text))[0]
            found[f"{model.__name__} {word}"] = {
                str(pk) for pk in listed(actor=actor, search=word).values_list("pk", flat=True)
            }
    return found


def test_a_backup_from_before_the_word_indexes_restores_searchable(seeded_clinic, tmp_path, capsys):
    """A backup written before the data migrations that fill the word indexes (and name a
    notification's patient, claim programme names): restored, its records are found by the
    same searches, and what those migrations wrote is as it was."""
    rows_before, found_before = as_restored(every_row()), searches(seeded_clinic)
    # Each search finds something, and each kind of record is searched (titles may share words).
    assert all(found_before.values())
    assert {key.split()[0] for key in found_before} == {"Note", "StoredFile", "Thread"}
    call_command("backup", output=str(tmp_path))
    backup_path = tmp_path / capsys.readouterr().out.strip()

    def as_written_before(line):
        if line["model"] in {label.lower() for label in DERIVED}:
            return None
        if line["model"] in WRITTEN_ON:
            line["fields"][WRITTEN_ON[line["model"]]] = (
                None if line["model"].startswith("notifications") else ""
            )
        return line

    rewrite_backup(backup_path, lambda manifest: manifest.pop("migrations"), as_written_before)
    empty_everything()

    call_command("restore", str(backup_path))
    said = capsys.readouterr().out
    assert "older version" in said
    for fill in backfills:
        assert fill.migration in said
    assert as_restored(every_row()) == rows_before
    assert searches(Clinic.objects.get(slug="demo-clinic")) == found_before


def test_only_the_data_migrations_a_backup_was_taken_before_run_again(
    seeded_clinic, tmp_path, capsys
):
    call_command("backup", output=str(tmp_path))
    backup_path = tmp_path / capsys.readouterr().out.strip()

    def before_the_file_words(manifest):
        manifest["migrations"].remove("files.0005_fill_file_words")
        manifest["migrations"].remove("files.0006_links_indexed_by_composites")

    rewrite_backup(
        backup_path,
        before_the_file_words,
        lambda line: None if line["model"] == "files.fileword" else line,
    )
    empty_everything()
    call_command("restore", str(backup_path))
    said = capsys.readouterr().out
    assert "ran again on its records: files.0005_fill_file_words." in said
    clinic = Clinic.objects.get(slug="demo-clinic")
    referral = StoredFile.objects.get(clinic=clinic, title__icontains="referral")
    admin = clinic.users.get(email="admin@demo.clinic")
    assert list(file_list(actor=admin, search="referral")) == [referral]


def test_a_backup_from_a_newer_version_is_refused_before_anything_is_written(
    seeded_clinic, tmp_path, capsys
):
    call_command("backup", output=str(tmp_path))
    backup_path = tmp_path / capsys.readouterr().out.strip()
    rewrite_backup(
        backup_path, lambda manifest: manifest["migrations"].append("notes.9999_from_the_future")
    )
    empty_everything()
    with pytest.raises(CommandError, match="newer version.*notes.9999_from_the_future"):
        call_command("restore", str(backup_path))
    assert Clinic.objects.count() == 0


def test_records_this_version_cannot_read_are_refused_with_what_to_do(
    seeded_clinic, tmp_path, capsys
):
    """A backup holding a model that no longer exists (a version before a change of shape)."""
    call_command("backup", output=str(tmp_path))
    backup_path = tmp_path / capsys.readouterr().out.strip()
    gone = {"model": "appointments.bookingpolicy", "pk": "x", "fields": {"lead_hours": 2}}
    data = backup_path / "data.jsonl"
    data.write_text(json.dumps(gone) + "\n" + data.read_text())
    rewrite_backup(backup_path, lambda manifest: None)
    empty_everything()
    with pytest.raises(
        CommandError, match="cannot read or store the backup's records.*version that wrote"
    ):
        call_command("restore", str(backup_path))
    assert Clinic.objects.count() == 0


def test_a_backup_that_does_not_list_its_migrations_restores_as_it_was(
    seeded_clinic, tmp_path, capsys
):
    """Backups written before they listed their migrations already hold what the data
    migrations wrote: run again on them, each leaves it as it is (no programme name claimed
    twice, no word listed twice)."""
    rows_before, found_before = as_restored(every_row()), searches(seeded_clinic)
    call_command("backup", output=str(tmp_path))
    backup_path = tmp_path / capsys.readouterr().out.strip()
    rewrite_backup(backup_path, lambda manifest: manifest.pop("migrations"))
    empty_everything()

    call_command("restore", str(backup_path))

    assert "older version" in capsys.readouterr().out
    assert as_restored(every_row()) == rows_before
    assert searches(Clinic.objects.get(slug="demo-clinic")) == found_before


def test_a_data_migration_failing_again_stops_the_restore_naming_it(
    seeded_clinic, tmp_path, capsys, monkeypatch
):
    """One whose code no longer runs on the current models (its model is gone): the restore
    says which, and what to do; the files are back beside the loaded rows."""
    files_before = every_file()
    call_command("backup", output=str(tmp_path))
    backup_path = tmp_path / capsys.readouterr().out.strip()
    rewrite_backup(backup_path, lambda manifest: manifest.pop("migrations"))
    empty_everything()
    broken = Registry("data migrations a restore runs again")
    broken.register("gone", Backfill("appointments.0002_booking_policy_to_clinic"))
    monkeypatch.setattr("core.backup.backfills", broken)

    with pytest.raises(
        CommandError,
        match="running appointments.0002_booking_policy_to_clinic again on them failed.*Empty",
    ):
        call_command("restore", str(backup_path))
    assert every_file() == files_before
