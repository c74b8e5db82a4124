"""Fill every thread's search_text and the subject word index, in batches of threads, each its
own unit, then build the indexes (202,000 threads: seconds). Interrupted, a rerun fills them
again from the start."""

from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def index_subjects(apps, schema_editor):
    from core.services import pages
    from core.transactions import unit
    from core.words import indexed_words, short_search_text

    Thread = apps.get_model("messaging", "Thread")
    ThreadWord = apps.get_model("messaging", "ThreadWord")
    db = schema_editor.connection.alias
    ThreadWord.objects.using(db).all().delete()
    subjects = Thread.objects.using(db).values_list("pk", "clinic_id", "subject")
    for batch in pages(subjects, BATCH):
        with unit(using=db):
            words = []
            for pk, clinic_id, subject in batch:
                text = short_search_text(subject)
                Thread.objects.using(db).filter(pk=pk).update(search_text=text)
                words += [
                    ThreadWord(clinic_id=clinic_id, thread_id=pk, word=word)
                    for word in sorted(indexed_words(text))
                ]
            ThreadWord.objects.using(db).bulk_create(words, batch_size=5000)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("messaging", "0004_thread_words"),
        ("patients", "0007_every_status_in_every_order_from_an_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
