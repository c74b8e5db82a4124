"""Fill every file's search_text and the title word index, in batches of files, each its own
unit, then build the indexes (200,000 files: seconds). Interrupted, a rerun fills them again
from the start."""

from django.db import migrations, models

BATCH = 2000


def index_titles(apps, schema_editor):
    from core.services import pages
    from core.transactions import unit
    from core.words import indexed_words, short_search_text

    StoredFile = apps.get_model("files", "StoredFile")
    FileWord = apps.get_model("files", "FileWord")
    db = schema_editor.connection.alias
    FileWord.objects.using(db).all().delete()
    titles = StoredFile.objects.using(db).values_list("pk", "clinic_id", "title")
    for batch in pages(titles, BATCH):
        with unit(using=db):
            words = []
            for pk, clinic_id, title in batch:
                text = short_search_text(title)
                StoredFile.objects.using(db).filter(pk=pk).update(search_text=text)
                words += [
                    FileWord(clinic_id=clinic_id, file_id=pk, word=word)
                    for word in sorted(indexed_words(text))
                ]
            FileWord.objects.using(db).bulk_create(words, batch_size=5000)


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
