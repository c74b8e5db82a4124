"""Common words leave the word index: a word in more than COMMON_FROM of a clinic's notes gets
a CommonNoteWord and its NoteWord rows go (0006 indexed every word of every note: 58 million
rows at 2,000,000 notes). One unit per word; a rerun after an interruption carries on.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count

import core.models


def mark_common_words(apps, schema_editor):
    from core.transactions import unit
    from notes.models import COMMON_FROM

    db = schema_editor.connection.alias
    words = apps.get_model("notes", "NoteWord").objects.using(db)
    common_words = apps.get_model("notes", "CommonNoteWord").objects.using(db)
    counted = words.values("clinic_id", "word").annotate(notes=Count("pk"))
    for row in list(counted.filter(notes__gt=COMMON_FROM).order_by()):
        with unit(using=db):
            common_words.get_or_create(clinic_id=row["clinic_id"], word=row["word"])
            words.filter(clinic_id=row["clinic_id"], word=row["word"]).delete()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clinics", "0005_alter_clinic_address_alter_clinic_name"),
        ("notes", "0006_note_words"),
    ]

    operations = [
        migrations.CreateModel(
            name="CommonNoteWord",
            fields=[
                (
                    "id",
                    models.CharField(
                        db_column="_id",
                        default=core.models.new_id,
                        editable=False,
                        max_length=24,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("word", models.CharField(max_length=40)),
                (
                    "clinic",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="clinics.clinic",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("clinic", "word"), name="commonnoteword_unique")
                ],
            },
        ),
        migrations.RunPython(mark_common_words, migrations.RunPython.noop, elidable=True),
    ]
