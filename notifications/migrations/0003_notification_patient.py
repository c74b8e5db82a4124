"""Notifications keep the patient they are about, for the in-app list to name. Older ones get it
from the record they point at (`object_type`, `object_id`) where that record has a patient; the
others stay unnamed. One update per record, in batches of records."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000


def fill_patients(apps, schema_editor):
    db = schema_editor.connection.alias
    Notification = apps.get_model("notifications", "Notification")
    unnamed = Notification.objects.using(db).filter(patient__isnull=True).exclude(object_type="")
    types = unnamed.order_by().values_list("object_type", flat=True).distinct()
    for object_type in list(types):
        try:
            model = apps.get_model(object_type)
        except LookupError:  # an app since removed
            continue
        if not any(field.name == "patient" for field in model._meta.concrete_fields):
            continue
        rows = unnamed.filter(object_type=object_type)
        ids = list(rows.order_by().values_list("object_id", flat=True).distinct())
        for start in range(0, len(ids), BATCH):
            records = model.objects.using(db).filter(pk__in=ids[start : start + BATCH])
            for pk, patient_id in records.exclude(patient=None).values_list("pk", "patient_id"):
                rows.filter(object_id=str(pk)).update(patient_id=patient_id)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_failed_task"),
        ("patients", "0007_every_status_in_every_order_from_an_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="patients.patient",
            ),
        ),
        migrations.RunPython(fill_patients, migrations.RunPython.noop, elidable=True),
    ]
