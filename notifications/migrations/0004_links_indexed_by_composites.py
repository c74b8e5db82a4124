"""A link's own index goes where a composite index of the table begins with the link: that index
serves the same lookups, and every insert wrote through both (tests/core/test_indexes.py). On
SQLite the index is dropped by name (core.indexes.AlterFieldIndex), not by copying the table.
Push messages and webhook calls get the (clinic, status) index e-mails have: a clinic's failed
ones are listed by it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.indexes import AlterFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('clinics', '0006_phone_text'),
        ('notifications', '0003_notification_patient'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='pushmessage',
            index=models.Index(fields=['clinic', 'status'], name='push_clinic_status'),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(fields=['clinic', 'status'], name='webhook_clinic_status'),
        ),
        AlterFieldIndex(
            model_name='device',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        AlterFieldIndex(
            model_name='failedtask',
            name='clinic',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='notification',
            name='recipient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
        ),
        AlterFieldIndex(
            model_name='outboxmessage',
            name='clinic',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='preference',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL),
        ),
        AlterFieldIndex(
            model_name='pushmessage',
            name='clinic',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='webhook',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='webhookdelivery',
            name='clinic',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='webhookdelivery',
            name='webhook',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notifications.webhook'),
        ),
    ]
