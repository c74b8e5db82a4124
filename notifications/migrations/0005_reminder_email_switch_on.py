"""The "Appointment reminder" e-mail switch now decides the reminder e-mail itself (it used to
decide only a second, generic one, and was off by default while the reminder went to everyone
with an address). A preference row saved before holds the old default, off, which no one chose
for this meaning: it is turned on, so nobody stops getting reminders by the upgrade."""

from django.db import migrations

EVENT = "appointments.reminder"


def switch_on(apps, schema_editor):
    Preference = apps.get_model("notifications", "Preference")
    Preference.objects.using(schema_editor.connection.alias).filter(event=EVENT).update(email=True)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_links_indexed_by_composites")]

    operations = [migrations.RunPython(switch_on, migrations.RunPython.noop)]
