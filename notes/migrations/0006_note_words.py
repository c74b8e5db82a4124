"""The note word index: search_text rewritten as the note's words each after a space (a search
word now matches the start of a word), then the rarer words of every note written to NoteWord
and the common ones (in more than COMMON_FROM of a clinic's notes) to CommonNoteWord.

Two passes over the notes in batches, each batch its own unit (at 2,000,000 notes the first
pass, one update a note, takes minutes); a rerun after an interruption starts again.
"""

from collections import Counter

import django.db.models.deletion
from django.db import migrations, models

import core.models

BATCH = 2000


def _batches(notes, *fields):
    last = ""
    while True:
        batch = list(notes.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:BATCH])
        if not batch:
            return
        last = batch[-1][0]
        yield batch


def index_words(apps, schema_editor):
    from core.transactions import unit
    from notes.models import COMMON_FROM, indexed_words, search_text_of

    db = schema_editor.connection.alias
    notes = apps.get_model("notes", "Note").objects.using(db)
    words = apps.get_model("notes", "NoteWord").objects.using(db)
    common_words = apps.get_model("notes", "CommonNoteWord").objects.using(db)
    words.all().delete()
    common_words.all().delete()
    notes_with = Counter()
    for batch in _batches(notes, "clinic_id", "title", "sections"):
        with unit(using=db):
            for pk, clinic_id, title, sections in batch:
                text = search_text_of(title, sections)
                notes.filter(pk=pk).update(search_text=text)
                notes_with.update((clinic_id, word) for word in indexed_words(text))
    common = {key for key, count in notes_with.items() if count > COMMON_FROM}
    common_words.bulk_create(
        [common_words.model(clinic_id=clinic, word=word) for clinic, word in sorted(common)],
        batch_size=1000,
    )
    for batch in _batches(notes, "clinic_id", "search_text"):
        with unit(using=db):
            words.bulk_create(
                [
                    words.model(clinic_id=clinic_id, note_id=pk, word=word)
                    for pk, clinic_id, text in batch
                    for word in sorted(indexed_words(text))
                    if (clinic_id, word) not in common
                ],
                batch_size=1000,
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clinics", "0005_alter_clinic_address_alter_clinic_name"),
        ("notes", "0005_widget_indexes"),
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
            options={
                "indexes": [
                    models.Index(fields=["clinic", "word", "note"], name="noteword_clinic_word"),
                    models.Index(fields=["note", "word"], name="noteword_note_word"),
                ],
            },
        ),
        migrations.RunPython(index_words, migrations.RunPython.noop, elidable=True),
    ]
