"""A migration operation for a field whose index alone changes.

Django alters a field as a whole even when only `db_index` changed: SQLite copies the table into
a new one (a link's own index dropped from the lab results, 1,000,000 rows, or the notes,
2,000,000, would copy every row, twice the table on disk for minutes), and PostgreSQL drops the
foreign key, then adds it back and checks every row, holding both tables locked. On SQL
backends `AlterFieldIndex` drops or creates that one index (on PostgreSQL with its `_like`
twin) by name, as Django would among its other steps, and nothing else; on MongoDB, which has
neither table copies nor foreign keys, it alters the field as usual.
"""

from django.db import migrations
from django.db.models import Index


class AlterFieldIndex(migrations.AlterField):
    """AlterField for a change of `db_index` and nothing else (anything more is refused)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        from_model = from_state.apps.get_model(app_label, self.model_name)
        to_model = to_state.apps.get_model(app_label, self.model_name)
        old = from_model._meta.get_field(self.name)
        new = to_model._meta.get_field(self.name)
        if _without_index(old) != _without_index(new):
            raise ValueError(f"AlterFieldIndex: {self.model_name}.{self.name} changes more.")
        if schema_editor.connection.vendor == "mongodb":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        own = _own_indexes(schema_editor, from_model, old.column)
        if old.db_index and not new.db_index:
            for name in own:
                schema_editor.execute(schema_editor._delete_index_sql(from_model, name))
        elif new.db_index and not old.db_index and not own:
            for statement in schema_editor._field_indexes_sql(to_model, new):
                schema_editor.execute(statement)

    def describe(self):
        return f"Alter the index of {self.name} on {self.model_name}"


def _own_indexes(schema_editor, model, column: str) -> list[str]:
    """The indexes Django made for the field's `db_index`: on its column alone, not unique, and
    none the model declares by name (an `Index(fields=[...])` on the same column stays)."""
    declared = {item.name for item in [*model._meta.indexes, *model._meta.constraints]}
    return schema_editor._constraint_names(
        model, [column], index=True, unique=False, type_=Index.suffix, exclude=declared
    )


def _without_index(field) -> tuple:
    name, path, args, kwargs = field.deconstruct()
    kwargs.pop("db_index", None)
    return name, path, args, kwargs
