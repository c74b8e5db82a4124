"""Fill every file's search_text and the title word index, in batches of files, each its own
unit, then build the indexes (200,000 files: seconds). Interrupted, a rerun fills them again
from the start."""

from django.db import migrations, models


def index_titles(apps, schema_editor):
    from core.words import fill_index

    StoredFile = apps.get_model("files", "StoredFile")
    FileWord = apps.get_model("files", "FileWord")
    fill_index(StoredFile, FileWord, "title", "file_id", using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("files", "0004_file_words")]

    operations = [
        migrations.RunPython(index_titles, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="storedfile",
            index=models.Index(fields=["clinic", "deleted_at", "-created_at", "-id", "search_text"], name="file_clinic"),
        ),
        migrations.AddIndex(
            model_name="fileword",
            index=models.Index(fields=["clinic", "word", "file"], name="fileword_clinic_word"),
        ),
        migrations.AddIndex(
            model_name="fileword",
            index=models.Index(fields=["file"], name="fileword_file"),
        ),
    ]
