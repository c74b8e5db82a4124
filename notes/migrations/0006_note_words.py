"""The note word index (NoteWord), filled from every note, and search_text rewritten as the
note's words each after a space (a search word now matches the start of a word).

Written in batches of notes, each its own unit, and indexed after it is filled: at 2,000,000
notes (about 60 million words) this takes minutes.
"""

import core.models
import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000


def index_words(apps, schema_editor):
    from core.transactions import unit
    from notes.models import search_text_of
    from core.words import indexed_words

    Note = apps.get_model("notes", "Note")
    NoteWord = apps.get_model("notes", "NoteWord")
    db = schema_editor.connection.alias
    NoteWord.objects.using(db).all().delete()  # a rerun after an interruption starts again
    notes = Note.objects.using(db).order_by("pk")
    last = ""
    while True:
        batch = list(
            notes.filter(pk__gt=last).values_list("pk", "clinic_id", "title", "sections")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1][0]
        with unit(using=db):
            words = []
            for pk, clinic_id, title, sections in batch:
                text = search_text_of(title, sections)
                # A plain queryset: the model's own refuses writes to a signed note, which a
                # restore of an older backup runs this on (core.backup.run_backfills).
                models.QuerySet(Note, using=db).filter(pk=pk).update(search_text=text)
                words += [
                    NoteWord(clinic_id=clinic_id, note_id=pk, word=word)
                    for word in indexed_words(text)
                ]
            NoteWord.objects.using(db).bulk_create(words, batch_size=5000)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clinics", "0005_alter_clinic_address_alter_clinic_name"),
        ("notes", "0005_widget_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="NoteWord",
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
                (
                    "note",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="notes.note",
                    ),
                ),
            ],
        ),
        migrations.RunPython(index_words, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="noteword",
            index=models.Index(fields=["clinic", "word", "note"], name="noteword_clinic_word"),
        ),
        migrations.AddIndex(
            model_name="noteword",
            index=models.Index(fields=["note", "word"], name="noteword_note_word"),
        ),
    ]
