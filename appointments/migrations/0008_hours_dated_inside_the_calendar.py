"""Weekly hours entered before their dates were held to 1900-2999 (an API client could send
"valid_until": "9999-12-31" for "no end"): such a bound means no bound, and is stored as none,
so that editing the hours' times or place is not refused for a date nobody touched."""

import datetime

from django.db import migrations

FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)


def unbounded(apps, schema_editor):
    rules = apps.get_model("appointments", "AvailabilityRule").objects.using(
        schema_editor.connection.alias
    )
    rules.filter(valid_from__lt=FIRST_DAY).update(valid_from=None)
    rules.filter(valid_until__gt=LAST_DAY).update(valid_until=None)


class Migration(migrations.Migration):
    dependencies = [("appointments", "0007_links_indexed_by_their_declared_index")]

    operations = [migrations.RunPython(unbounded, migrations.RunPython.noop, elidable=True)]
