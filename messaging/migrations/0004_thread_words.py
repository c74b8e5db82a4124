"""A thread's search_text (its subject's words, lower-case and accent-free, each after a space)
and the subject word index (ThreadWord), filled from every thread in batches, each its own unit,
before their indexes are built (200,000 threads: seconds). The list indexes hold search_text
instead of the subject: a search checks it on their entries."""

import core.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def index_subjects(apps, schema_editor):
    from core.services import pages
    from core.transactions import unit
    from messaging.models import subject_search_text, subject_words

    Thread = apps.get_model("messaging", "Thread")
    ThreadWord = apps.get_model("messaging", "ThreadWord")
    db = schema_editor.connection.alias
    ThreadWord.objects.using(db).all().delete()  # a rerun after an interruption starts again
    subjects = Thread.objects.using(db).values_list("pk", "clinic_id", "subject")
    for batch in pages(subjects, BATCH):
        with unit(using=db):
            for pk, _clinic_id, subject in batch:
                Thread.objects.using(db).filter(pk=pk).update(
                    search_text=subject_search_text(subject)
                )
            ThreadWord.objects.using(db).bulk_create(
                [
                    ThreadWord(clinic_id=clinic_id, thread_id=pk, word=word)
                    for pk, clinic_id, subject in batch
                    for word in sorted(subject_words(subject))
                ],
                batch_size=5000,
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clinics", "0006_phone_text"),
        ("messaging", "0003_inbox_search_indexes"),
        ("patients", "0007_every_status_in_every_order_from_an_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ThreadWord",
            fields=[
                ("id", models.CharField(db_column="_id", default=core.models.new_id, editable=False, max_length=24, primary_key=True, serialize=False)),
                ("word", models.CharField(max_length=40)),
                ("clinic", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="clinics.clinic")),
                ("thread", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="messaging.thread")),
            ],
        ),
        migrations.RemoveIndex(model_name="thread", name="thread_inbox"),
        migrations.RemoveIndex(model_name="thread", name="thread_clinic"),
        migrations.AddField(
            model_name="thread",
            name="search_text",
            field=models.CharField(default="", editable=False, max_length=300),
        ),
        migrations.RunPython(index_subjects, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(fields=["clinic", "status", "-urgent", "-last_message_at", "-id", "category", "search_text", "patient"], name="thread_inbox"),
        ),
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(fields=["clinic", "-urgent", "-last_message_at", "-id", "category", "search_text", "patient", "assigned_to"], name="thread_clinic"),
        ),
        migrations.AddIndex(
            model_name="threadword",
            index=models.Index(fields=["clinic", "word", "thread"], name="threadword_clinic_word"),
        ),
        migrations.AddIndex(
            model_name="threadword",
            index=models.Index(fields=["thread"], name="threadword_thread"),
        ),
    ]
