"""A link's own index goes where the model declares an index of the link alone (`calfeed_owner`,
`attachment_thread`): two indexes of the same column (tests/core/test_indexes.py). The declared
one stays: core.indexes.AlterFieldIndex drops only the one Django made for `db_index`."""

import django.db.models.deletion
from django.db import migrations, models

from core.indexes import AlterFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0006_links_indexed_by_composites'),
    ]

    operations = [
        AlterFieldIndex(
            model_name='messageattachment',
            name='thread',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='messaging.thread'),
        ),
    ]
