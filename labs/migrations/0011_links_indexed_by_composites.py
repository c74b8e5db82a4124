"""A link's own index goes where a composite index of the table begins with the link: that index
serves the same lookups, and every insert wrote through both (tests/core/test_indexes.py). On
SQLite the index is dropped by name (core.indexes.AlterFieldIndex), not by copying the table."""

import django.db.models.deletion
from django.db import migrations, models

from core.indexes import AlterFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('clinics', '0006_phone_text'),
        ('labs', '0010_results_indexes_end_in_the_id'),
        ('patients', '0007_every_status_in_every_order_from_an_index'),
    ]

    operations = [
        AlterFieldIndex(
            model_name='labimport',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='laborder',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='laborder',
            name='patient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lab_orders', to='patients.patient'),
        ),
        AlterFieldIndex(
            model_name='laborderitem',
            name='order',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='labs.laborder'),
        ),
        AlterFieldIndex(
            model_name='labpanel',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='labresult',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='labresult',
            name='patient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lab_results', to='patients.patient'),
        ),
        AlterFieldIndex(
            model_name='labtest',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinics.clinic'),
        ),
        AlterFieldIndex(
            model_name='panelitem',
            name='panel',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='labs.labpanel'),
        ),
        AlterFieldIndex(
            model_name='referencerange',
            name='test',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='ranges', to='labs.labtest'),
        ),
    ]
