"""A link's own index goes where a composite index of the table begins with the link: that index
serves the same lookups, and every insert wrote through both (tests/core/test_indexes.py). On
SQLite the index is dropped by name (core.indexes.AlterFieldIndex), not by copying the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.indexes import AlterFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('clinics', '0006_phone_text'),
        ('messaging', '0005_fill_thread_words'),
        ('patients', '0007_every_status_in_every_order_from_an_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AlterFieldIndex(
            model_name='message',
            name='thread',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='messaging.thread'),
        ),
        AlterFieldIndex(
            model_name='messageattachment',
            name='message',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='messaging.message'),
        ),
        AlterFieldIndex(
            model_name='readstate',
            name='thread',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='messaging.thread'),
        ),
        AlterFieldIndex(
            model_name='readstate',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        AlterFieldIndex(
            model_name='savedreply',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='thread',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='thread',
            name='patient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='patients.patient', verbose_name='patient'),
        ),
    ]
