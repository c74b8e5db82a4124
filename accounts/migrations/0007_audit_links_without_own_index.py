"""The audit table's actor and clinic links lose their single-column indexes: the composite
indexes that begin with them (audit_actor_time, audit_clinic_time, audit_clinic_seq) serve the
same lookups, and every audited page writes through each index.

On SQLite, AlterField would copy the whole audit table (once per field) to drop an index; the
indexes are dropped by name there instead. Other backends alter the fields as usual."""

import copy

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LINKS = ("actor", "clinic")


def _fields(apps, name: str):
    """The link as the model had it (indexed), and as it is now."""
    model = apps.get_model("accounts", "AuditEvent")
    indexed = model._meta.get_field(name)
    plain = copy.copy(indexed)
    plain.db_index = False
    return model, indexed, plain


def drop_indexes(apps, schema_editor):
    for name in LINKS:
        model, indexed, plain = _fields(apps, name)
        if schema_editor.connection.vendor != "sqlite":
            schema_editor.alter_field(model, indexed, plain)
            continue
        for index in schema_editor._constraint_names(model, [indexed.column], index=True):
            schema_editor.execute(schema_editor._delete_index_sql(model, index))


def restore_indexes(apps, schema_editor):
    for name in LINKS:
        model, indexed, plain = _fields(apps, name)
        schema_editor.alter_field(model, plain, indexed)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_audit_object_index"),
        ("clinics", "0005_alter_clinic_address_alter_clinic_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, restore_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="actor",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="clinic",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="clinics.clinic",
                        verbose_name="clinic",
                    ),
                ),
            ],
        )
    ]
