"""A file's search_text (its title's words, lower-case and accent-free, each after a space) and
the title word index (FileWord); 0005 fills them and builds their indexes. The clinic's list
index will hold search_text instead of the title: a search checks it on its entries."""

import core.models
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0006_phone_text"),
        ("files", "0003_clinic_documents_newest_first"),
    ]

    operations = [
        migrations.CreateModel(
            name="FileWord",
            fields=[
                ("id", models.CharField(db_column="_id", default=core.models.new_id, editable=False, max_length=24, primary_key=True, serialize=False)),
                ("word", models.CharField(max_length=40)),
                ("clinic", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="clinics.clinic")),
                ("file", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="files.storedfile")),
            ],
        ),
        migrations.RemoveIndex(model_name="storedfile", name="file_clinic"),
        migrations.AddField(
            model_name="storedfile",
            name="search_text",
            field=models.CharField(default="", editable=False, max_length=300),
        ),
    ]
