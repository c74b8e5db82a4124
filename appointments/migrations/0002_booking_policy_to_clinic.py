"""The booking policy moves to clinics.Clinic: copy each clinic's values, then drop them here."""

from django.db import migrations

POLICY = ("min_notice_hours", "cancel_cutoff_hours")


def copy_to_clinics(apps, schema_editor):
    Clinic = apps.get_model("clinics", "Clinic")
    Settings = apps.get_model("appointments", "ClinicAppointmentSettings")
    for row in Settings.objects.values("clinic_id", *POLICY):
        Clinic.objects.filter(pk=row.pop("clinic_id")).update(**row)


def copy_back(apps, schema_editor):
    Clinic = apps.get_model("clinics", "Clinic")
    Settings = apps.get_model("appointments", "ClinicAppointmentSettings")
    for row in Clinic.objects.values("pk", *POLICY):
        Settings.objects.filter(clinic_id=row.pop("pk")).update(**row)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("clinics", "0002_clinic_booking_policy"),
    ]

    operations = [
        migrations.RunPython(copy_to_clinics, copy_back),
        migrations.RemoveField(model_name="clinicappointmentsettings", name="cancel_cutoff_hours"),
        migrations.RemoveField(model_name="clinicappointmentsettings", name="min_notice_hours"),
    ]
