import core.models
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="IdempotencyKey",
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
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("scope", models.CharField(max_length=80)),
                ("key", models.CharField(max_length=255)),
                ("fingerprint", models.CharField(max_length=64)),
                (
                    "state",
                    models.CharField(
                        choices=[("running", "Running"), ("done", "Done")],
                        default="running",
                        max_length=10,
                    ),
                ),
                ("locked_until", models.DateTimeField(blank=True, null=True)),
                ("status_code", models.IntegerField(blank=True, null=True)),
                ("headers", models.JSONField(blank=True, default=dict)),
                ("body", models.TextField(blank=True)),
            ],
            options={
                "indexes": [models.Index(fields=["created_at"], name="core_idempotency_created")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("scope", "key"), name="core_idempotency_scope_key"
                    )
                ],
            },
        ),
    ]
