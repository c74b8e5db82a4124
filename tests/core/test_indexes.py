"""Every write to a table goes through each of its indexes: no index of the project's tables may
begin with the same columns as another, since a lookup by those columns is served by the longer
one (a foreign key's own index beside a composite index that starts with it cost each insert a
write to a random page, and the file its size)."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from core.backup import project_apps
from core.indexes import AlterFieldIndex

pytestmark = pytest.mark.django_db


def _indexes(model) -> set[tuple[str, ...]]:
    """The column lists of the table's indexes and unique constraints (partial ones, which hold
    only some rows, left out), without the primary key's."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        tuple(column.split()[0] for column in constraint["columns"])  # ("created_at DESC",)
        for name, constraint in found.items()
        if (constraint["index"] or constraint["unique"])
        and not constraint["primary_key"]
        and constraint["columns"] not in ([], ["_id"], [model._meta.pk.column])
        and not _partial(model, name)
    }


def _partial(model, name: str) -> bool:
    declared = [*model._meta.indexes, *model._meta.constraints]
    return any(item.name == name and getattr(item, "condition", None) for item in declared)


def test_no_index_begins_with_the_columns_of_another():
    repeated = []
    for label in project_apps():
        for model in apps.get_app_config(label).get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            indexes = _indexes(model)
            repeated += [
                (model._meta.db_table, short, long)
                for short in indexes
                for long in indexes
                if short != long and long[: len(short)] == short
            ]
    assert sorted(repeated) == []


def _own_indexes(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [name for name, c in found.items() if c["index"] and c["columns"] == [column]]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own path")
@pytest.mark.django_db(transaction=True)
def test_a_links_index_is_made_and_dropped_by_name_without_copying_the_table():
    """Django's SQLite backend would copy all of the notes to change a link's index: the
    operation writes one CREATE INDEX back, one DROP INDEX forth, and nothing else."""
    loader = MigrationExecutor(connection).loader
    migration = loader.get_migration("notes", "0010_links_indexed_by_composites")
    before = loader.project_state(("notes", "0009_my_notes_counted_from_the_index"))
    after = loader.project_state(("notes", "0010_links_indexed_by_composites"))
    operation = next(
        op for op in migration.operations if (op.model_name, op.name) == ("note", "patient")
    )
    assert not _own_indexes("notes_note", "patient_id")

    with CaptureQueriesContext(connection) as back, connection.schema_editor() as editor:
        operation.database_backwards("notes", editor, after, before)
    made = _own_indexes("notes_note", "patient_id")
    with CaptureQueriesContext(connection) as forth, connection.schema_editor() as editor:
        operation.database_forwards("notes", editor, before, after)

    writes = [q["sql"] for q in back.captured_queries + forth.captured_queries]
    writes = [sql for sql in writes if sql.split()[0] in ("CREATE", "DROP", "ALTER", "INSERT")]
    assert len(made) == 1
    assert writes == [
        f'CREATE INDEX "{made[0]}" ON "notes_note" ("patient_id")',
        f'DROP INDEX "{made[0]}"',
    ]
    assert not _own_indexes("notes_note", "patient_id")


def test_it_refuses_a_change_beyond_the_index():
    """Before it touches the database."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    state = loader.project_state(("notes", "0010_links_indexed_by_composites"))
    field = state.apps.get_model("notes", "Note")._meta.get_field("patient").clone()
    field.null = True
    operation = AlterFieldIndex(model_name="note", name="patient", field=field)
    changed = state.clone()
    operation.state_forwards("notes", changed)

    with pytest.raises(ValueError, match="changes more"):
        operation.database_forwards("notes", None, state, changed)
