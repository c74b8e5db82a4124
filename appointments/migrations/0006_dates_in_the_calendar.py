"""Dates of weekly hours and time off between 1900 and 2999, as every other date (validators
only: no change to the tables)."""

import core.forms
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0005_links_indexed_by_composites'),
    ]

    operations = [
        migrations.AlterField(
            model_name='availabilityexception',
            name='date',
            field=models.DateField(validators=[core.forms.validate_in_calendar], verbose_name='date'),
        ),
        migrations.AlterField(
            model_name='availabilityrule',
            name='valid_from',
            field=models.DateField(blank=True, null=True, validators=[core.forms.validate_in_calendar], verbose_name='valid from'),
        ),
        migrations.AlterField(
            model_name='availabilityrule',
            name='valid_until',
            field=models.DateField(blank=True, null=True, validators=[core.forms.validate_in_calendar], verbose_name='valid until'),
        ),
    ]
