# Tokens that end when they should (issue 17): the user's token generation, the refresh-token
# family, and names without text-direction overrides. Written by hand to hold only these changes.
import core.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="token_generation",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="refreshtokenrecord",
            name="family",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="user",
            name="name",
            field=models.CharField(
                max_length=150,
                validators=[core.models.validate_no_bidi_controls],
                verbose_name="name",
            ),
        ),
    ]
