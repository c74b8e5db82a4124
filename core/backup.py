"""Backups that restore: the project's own data as JSON lines (any backend), its stored files, a
manifest with a checksum of each, and on SQLite a consistent copy of the database file.

JSON lines are what make a backup portable: ids of the project's records are explicit strings,
so a SQLite backup restores into MongoDB and back. Contrib and third-party tables (sessions,
the task queue, lockouts) are not the clinic's data and are left out, and so are the stored
answers of retried API POSTs (NOT_BACKED_UP), even from the SQLite file's copy.

The manifest lists the migrations the database had: a restore refuses a backup from a newer
version, and after loading one from an older version runs again the data migrations it was
taken before (core.contributions.Backfill: the word indexes, for one).
"""

import hashlib
import json
import shutil
import sqlite3
from contextlib import nullcontext
from datetime import UTC, datetime, time
from pathlib import Path
from types import SimpleNamespace

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunPython
from django.db.migrations.recorder import MigrationRecorder

from core.contributions import backfills
from core.transactions import unit

FORMAT_VERSION = 1
# Rows that are no clinic's data and must not outlive their short life in a backup: the stored
# 201 answers of retried API POSTs carry PHI and are deleted after IDEMPOTENCY_KEY_HOURS.
NOT_BACKED_UP = ("core.IdempotencyKey",)
DATA_FILE = "data.jsonl"
MANIFEST = "manifest.json"
# Storages holding uploaded data (never the collected static files).
DATA_STORAGES = ("default", "files")


class BackupError(Exception):
    """A backup that cannot be trusted: the message says why."""


class ExactJSONEncoder(DjangoJSONEncoder):
    """Times with their microseconds (Django's encoder keeps milliseconds): a restore is exact."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def project_apps() -> list[str]:
    """The labels of the apps whose code lives in this project (their rows are the clinic's)."""
    base = Path(settings.BASE_DIR).resolve()
    labels = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts and config.get_models():
            labels.append(config.label)
    return labels


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(storage, directory: str = ""):
    folders, names = storage.listdir(directory)
    for name in names:
        yield f"{directory}{name}"
    for folder in folders:
        yield from _walk(storage, f"{directory}{folder}/")


def _storage_files(alias: str):
    """Names in one storage; a filesystem storage skips folders that are another storage's."""
    storage = storages[alias]
    nested = []
    if isinstance(storage, FileSystemStorage):
        root = Path(storage.location).resolve()
        for other in DATA_STORAGES:
            other_storage = storages[other]
            if other != alias and isinstance(other_storage, FileSystemStorage):
                location = Path(other_storage.location).resolve()
                if location != root and location.is_relative_to(root):
                    nested.append(location.relative_to(root).as_posix() + "/")
        if not root.exists():
            return
    for name in _walk(storage):
        if not any(name.startswith(prefix) for prefix in nested):
            yield name


def backup(output: Path) -> Path:
    """Write a backup folder under `output` and return its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = Path(output) / f"health-passport-{stamp}"
    suffix = 1
    while target.exists():
        suffix += 1
        target = Path(output) / f"health-passport-{stamp}-{suffix}"
    target.mkdir(parents=True)

    labels = project_apps()
    write_rows(labels, target / DATA_FILE)
    files = {}
    for alias in DATA_STORAGES:
        storage = storages[alias]
        for name in _storage_files(alias):
            copy = target / "storage" / alias / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(name, "rb") as source, copy.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            files[f"{alias}/{name}"] = _sha256(copy)

    database = None
    if connection.vendor == "sqlite":
        # The online backup API copies a consistent snapshot while the site keeps writing.
        connection.ensure_connection()
        database = "db.sqlite3"
        copy = sqlite3.connect(target / database)
        try:
            connection.connection.backup(copy)
            _forget_not_backed_up(copy)
        finally:
            copy.close()

    (target / MANIFEST).write_text(
        json.dumps(
            {
                "format": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(),
                "backend": connection.vendor,
                "apps": labels,
                "migrations": sorted(applied_migrations(labels)),
                "data": {"file": DATA_FILE, "sha256": _sha256(target / DATA_FILE)},
                "database_file": database,
                "files": files,
            },
            indent=1,
        )
    )
    return target


def _forget_not_backed_up(copy: sqlite3.Connection) -> None:
    """Empty the NOT_BACKED_UP tables of the database file's copy, overwriting what they held."""
    copy.execute("PRAGMA secure_delete = ON")
    for label in NOT_BACKED_UP:
        copy.execute(f'DELETE FROM "{apps.get_model(label)._meta.db_table}"')  # noqa: S608
    copy.commit()


def write_rows(labels, path: Path) -> None:
    """Every row of these apps, models ordered so each one's references load before it."""
    models = serializers.sort_dependencies(
        [(apps.get_app_config(label), None) for label in labels], allow_cycles=True
    )
    with path.open("w") as stream:
        for model in models:
            if model._meta.label in NOT_BACKED_UP:
                continue
            serializers.serialize(
                "jsonl",
                model._base_manager.order_by("pk").iterator(),
                stream=stream,
                cls=ExactJSONEncoder,
                use_natural_foreign_keys=True,
            )


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except FileNotFoundError as missing:
        raise BackupError(f"{path} is not a backup: it has no {MANIFEST}.") from missing
    except ValueError as broken:
        raise BackupError(f"{path / MANIFEST} is not valid JSON.") from broken
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    if _sha256(path / manifest["data"]["file"]) != manifest["data"]["sha256"]:
        raise BackupError("The data file does not match its checksum: the backup is damaged.")
    for name, digest in manifest["files"].items():
        copy = path / "storage" / name
        if not copy.is_file() or _sha256(copy) != digest:
            raise BackupError(f"The stored file {name} is missing or damaged.")
    return manifest


def applied_migrations(labels) -> set[str]:
    """The migrations of these apps this database has, as "app_label.name"."""
    applied = MigrationRecorder(connection).applied_migrations()
    return {f"{app}.{name}" for app, name in applied if app in labels}


def run_backfills(written_with: set[str] | None) -> list[str]:
    """Run again, in the order `migrate` ran them, the data migrations (Backfill) a backup was
    taken before: those not in `written_with`, every one when None (a backup that does not
    list its migrations, written before backups did, which may hold what they wrote: each must
    leave that as it is). Returns their labels.

    Each runs as `migrate` runs it, in one unit when the migration is atomic, with what its
    code reads of the schema editor: the connection (a real editor would check every foreign
    key of the database on leaving, and hide a failure behind a broken transaction)."""
    wanted = {fill.migration for fill in backfills}
    if written_with is not None:
        wanted -= written_with
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    editor = SimpleNamespace(connection=connection)
    run = []
    for migration, _backwards in plan:
        label = f"{migration.app_label}.{migration.name}"
        if label not in wanted:
            continue
        try:
            with unit() if migration.atomic else nullcontext():
                for operation in migration.operations:
                    if isinstance(operation, RunPython):
                        operation.code(apps, editor)
        except Exception as failed:
            raise BackupError(
                f"The records are loaded, but running {label} again on them failed "
                f"({type(failed).__name__}: {failed}). Empty the database and the storages, "
                "then restore again with a version that mends it."
            ) from failed
        run.append(label)
    return run


def database_is_empty(labels) -> bool:
    return not any(
        model._base_manager.exists()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    )


def restore(path: Path) -> dict:
    """Load a backup into an empty database and its files into the storages; return counts."""
    path = Path(path)
    manifest = _read_manifest(path)
    labels = [
        label for label in manifest["apps"] if label in {c.label for c in apps.get_app_configs()}
    ]
    if not database_is_empty(labels):
        raise BackupError(
            "The database already holds data: restore only into an empty database "
            "(run `manage.py migrate` on a new one first)."
        )
    written_with = manifest.get("migrations")
    if written_with is not None:
        written_with = set(written_with)
        ours = {name for name in written_with if name.partition(".")[0] in labels}
        newer = sorted(ours - applied_migrations(labels))
        if newer:
            more = f" and {len(newer) - 3} more" if len(newer) > 3 else ""
            raise BackupError(
                "The backup was written by a newer version of Health Passport: this database "
                f"lacks its migrations {', '.join(newer[:3])}{more}. Upgrade and run "
                "`manage.py migrate`, then restore."
            )
    try:
        call_command("loaddata", str(path / manifest["data"]["file"]), verbosity=0)
    except (DeserializationError, DatabaseError) as unreadable:
        raise BackupError(
            "This version cannot read or store the backup's records (an older version's, from "
            "before a change of their shape?): restore it with the version that wrote it, then "
            "upgrade and run `manage.py migrate`. On SQLite nothing was kept; on MongoDB empty "
            f"the database before retrying. {unreadable}"
        ) from unreadable
    _restore_files(path, manifest)
    refilled = run_backfills(written_with)
    with (path / manifest["data"]["file"]).open() as data:
        rows = sum(1 for line in data if line.strip())
    return {"rows": rows, "files": len(manifest["files"]), "refilled": refilled}


def _restore_files(path: Path, manifest: dict) -> None:
    """Each stored file back under its own name."""
    for name in manifest["files"]:
        alias, _, stored_name = name.partition("/")
        storage = storages[alias]
        if storage.exists(stored_name):
            storage.delete(stored_name)
        with (path / "storage" / name).open("rb") as source:
            saved = storage.save(stored_name, source)
        if saved != stored_name:
            raise BackupError(f"The storage renamed {stored_name} to {saved}.")
