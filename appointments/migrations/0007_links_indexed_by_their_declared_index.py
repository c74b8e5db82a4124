"""A link's own index goes where the model declares an index of the link alone (`calfeed_owner`,
`attachment_thread`): two indexes of the same column (tests/core/test_indexes.py). The declared
one stays: core.indexes.AlterFieldIndex drops only the one Django made for `db_index`."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.indexes import AlterFieldIndex


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0006_dates_in_the_calendar'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AlterFieldIndex(
            model_name='calendarfeed',
            name='owner',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]
