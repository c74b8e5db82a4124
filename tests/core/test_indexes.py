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


def _indexes(model) -> list[tuple[str, ...]]:
    """The column lists of the table's indexes and unique constraints (partial ones, which hold
    only some rows, left out), without the primary key's; one entry per index."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        tuple(column.split()[0] for column in constraint["columns"])  # ("created_at DESC",)
        for name, constraint in found.items()
        if (constraint["index"] or constraint["unique"])
        and not constraint["primary_key"]
        and constraint["columns"] not in ([], ["_id"], [model._meta.pk.column])
        and not _partial(model, name)
    ]


def _partial(model, name: str) -> bool:
    declared = [*model._meta.indexes, *model._meta.constraints]
    return any(item.name == name and getattr(item, "condition", None) for item in declared)


def _project_models():
    for label in project_apps():
        for model in apps.get_app_config(label).get_models():
            if not model._meta.proxy and model._meta.managed:
                yield model


def test_no_index_begins_with_the_columns_of_another():
    """Nor has the same columns as another (a link's own index beside `Index(fields=[link])`)."""
    repeated = []
    for model in _project_models():
        indexes = _indexes(model)
        repeated += [
            (model._meta.db_table, indexes[i], indexes[j])
            for i in range(len(indexes))
            for j in range(len(indexes))
            if i != j and indexes[j][: len(indexes[i])] == indexes[i]
        ]
    assert sorted(repeated) == []


def test_every_link_without_its_own_index_leads_another():
    """A link left without its own index is still found by one that begins with it (its
    record's lists, and the cascade or protection of a delete, look it up)."""
    unindexed = []
    for model in _project_models():
        leading = {columns[0] for columns in _indexes(model)}
        unindexed += [
            (model._meta.db_table, field.column)
            for field in model._meta.local_fields
            if field.is_relation and not field.db_index and field.column not in leading
        ]
    assert unindexed == []


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


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own path")
@pytest.mark.django_db(transaction=True)
def test_an_index_the_model_declares_on_the_link_stays():
    """The feeds' `calfeed_owner` indexes the owner alone, as Django's own index of the link
    did: dropping the link's index leaves the declared one, and a second run drops nothing."""
    loader = MigrationExecutor(connection).loader
    target = ("appointments", "0007_links_indexed_by_their_declared_index")
    [operation] = loader.get_migration(*target).operations
    before = loader.project_state(("appointments", "0006_dates_in_the_calendar"))
    after = loader.project_state(target)

    with connection.schema_editor() as editor:
        operation.database_backwards("appointments", editor, after, before)
    both = _own_indexes("appointments_calendarfeed", "owner_id")
    with CaptureQueriesContext(connection) as forth, connection.schema_editor() as editor:
        operation.database_forwards("appointments", editor, before, after)
        operation.database_forwards("appointments", editor, before, after)

    drops = [q["sql"] for q in forth.captured_queries if q["sql"].startswith("DROP")]
    assert sorted(both) == sorted(["calfeed_owner", drops[0].split('"')[1]])
    assert len(drops) == 1
    assert _own_indexes("appointments_calendarfeed", "owner_id") == ["calfeed_owner"]


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
