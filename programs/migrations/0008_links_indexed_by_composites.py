"""A link's own index goes where a composite index of the table begins with the link: that index
serves the same lookups, and every insert wrote through both (tests/core/test_indexes.py). On
SQLite the index is dropped by name (core.indexes.AlterFieldIndex), not by copying the table."""

import django.db.models.deletion
from django.db import migrations, models

from core.indexes import AlterFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('clinics', '0006_phone_text'),
        ('patients', '0008_links_indexed_by_composites'),
        ('programs', '0007_task_appointment_id_task_booked_for'),
    ]

    operations = [
        AlterFieldIndex(
            model_name='enrollment',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='enrollment',
            name='patient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='patients.patient'),
        ),
        AlterFieldIndex(
            model_name='measurement',
            name='enrollment',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='measurements', to='programs.enrollment'),
        ),
        AlterFieldIndex(
            model_name='programname',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='programtemplate',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='task',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='task',
            name='enrollment',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='programs.enrollment'),
        ),
        AlterFieldIndex(
            model_name='task',
            name='patient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='patients.patient'),
        ),
    ]
