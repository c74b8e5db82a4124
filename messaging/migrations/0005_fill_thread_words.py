"""Fill every thread's search_text and the subject word index, in batches of threads, each its
own unit, then build the indexes (202,000 threads: seconds). Interrupted, a rerun fills them
again from the start."""

from django.conf import settings
from django.db import migrations, models


def index_subjects(apps, schema_editor):
    from core.words import fill_index

    Thread = apps.get_model("messaging", "Thread")
    ThreadWord = apps.get_model("messaging", "ThreadWord")
    fill_index(Thread, ThreadWord, "subject", "thread_id", using=schema_editor.connection.alias)


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
