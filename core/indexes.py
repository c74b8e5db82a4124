"""A migration operation for a field whose index alone changes.

Django's SQLite backend alters a field by copying its whole table into a new one, even when only
`db_index` changed: a link's own index dropped from the lab results (1,000,000 rows) or the notes
(2,000,000) would copy every row, twice the file's size on disk for minutes. `AlterFieldIndex`
drops or creates that one index by name there; other backends alter the field as usual (an
index dropped or created, no copy).
"""

from django.db import migrations


class AlterFieldIndex(migrations.AlterField):
    """AlterField for a change of `db_index` and nothing else (anything more is refused)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        from_model = from_state.apps.get_model(app_label, self.model_name)
        to_model = to_state.apps.get_model(app_label, self.model_name)
        old = from_model._meta.get_field(self.name)
        new = to_model._meta.get_field(self.name)
        if _without_index(old) != _without_index(new):
            raise ValueError(f"AlterFieldIndex: {self.model_name}.{self.name} changes more.")
        if schema_editor.connection.vendor != "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        elif old.db_index and not new.db_index:
            names = schema_editor._constraint_names(
                from_model, [old.column], index=True, unique=False, primary_key=False
            )
            for name in names:
                schema_editor.execute(schema_editor._delete_index_sql(from_model, name))
        elif new.db_index and not old.db_index:
            schema_editor.execute(schema_editor._create_index_sql(to_model, fields=[new]))

    def describe(self):
        return f"Alter the index of {self.name} on {self.model_name}"


def _without_index(field) -> tuple:
    name, path, args, kwargs = field.deconstruct()
    kwargs.pop("db_index", None)
    return name, path, args, kwargs
