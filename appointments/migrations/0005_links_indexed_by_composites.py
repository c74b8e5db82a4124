"""A link's own index goes where a composite index of the table begins with the link: that index
serves the same lookups, and every insert wrote through both (tests/core/test_indexes.py). On
SQLite the index is dropped by name (core.indexes.AlterFieldIndex), not by copying the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.indexes import AlterFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0004_a_clinics_appointments_of_a_status'),
        ('clinics', '0006_phone_text'),
        ('patients', '0007_every_status_in_every_order_from_an_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AlterFieldIndex(
            model_name='appointment',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='appointment',
            name='patient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='patients.patient', verbose_name='patient'),
        ),
        AlterFieldIndex(
            model_name='appointment',
            name='provider',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='provider'),
        ),
        AlterFieldIndex(
            model_name='appointment',
            name='series',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='appointments', to='appointments.appointmentseries'),
        ),
        AlterFieldIndex(
            model_name='appointmentchange',
            name='appointment',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='appointments.appointment'),
        ),
        AlterFieldIndex(
            model_name='appointmenttype',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='availabilityexception',
            name='provider',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='provider'),
        ),
        AlterFieldIndex(
            model_name='availabilityrule',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
    ]
