"""A link's own index goes where a composite index of the table begins with the link: that index
serves the same lookups, and every insert wrote through both (tests/core/test_indexes.py). On
SQLite the index is dropped by name (core.indexes.AlterFieldIndex), not by copying the table."""

import django.db.models.deletion
from django.db import migrations, models

from core.indexes import AlterFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('clinics', '0006_phone_text'),
        ('files', '0005_fill_file_words'),
    ]

    operations = [
        AlterFieldIndex(
            model_name='filecategory',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='file_categories', to='clinics.clinic', verbose_name='clinic'),
        ),
        AlterFieldIndex(
            model_name='storedfile',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinics.clinic', verbose_name='clinic'),
        ),
    ]
