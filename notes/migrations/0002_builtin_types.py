"""Clinics created before the notes app get the built-in note types and templates too (new
clinics get them from the notes.templates ClinicHook)."""

from django.db import migrations


def install(apps, schema_editor):
    from notes import builtins

    Clinic = apps.get_model("clinics", "Clinic")
    NoteType = apps.get_model("notes", "NoteType")
    NoteTemplate = apps.get_model("notes", "NoteTemplate")
    for clinic in Clinic.objects.all():
        have = set(NoteType.objects.filter(clinic=clinic).values_list("code", flat=True))
        for code, name in builtins.NOTE_TYPES:
            if code not in have:
                NoteType.objects.create(clinic=clinic, code=code, name=name, is_loinc=True)
        types = {t.code: t for t in NoteType.objects.filter(clinic=clinic)}
        named = set(NoteTemplate.objects.filter(clinic=clinic).values_list("name", flat=True))
        for name, code, sections in builtins.TEMPLATES:
            if name not in named and code in types:
                NoteTemplate.objects.create(
                    clinic=clinic,
                    note_type=types[code],
                    name=name,
                    sections=[{"name": s, "text": t} for s, t in sections],
                )


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
