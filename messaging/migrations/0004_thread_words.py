"""A thread's search_text (its subject's words, lower-case and accent-free, each after a space)
and the subject word index (ThreadWord); 0005 fills them and builds their indexes. The list
indexes will hold search_text instead of the subject: a search checks it on their entries."""

import core.models
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0006_phone_text"),
        ("messaging", "0003_inbox_search_indexes"),
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
    ]
