"""Model base shared by every app: ids that both database backends store the same way."""

from bson import ObjectId
from django.db import models


def new_id() -> str:
    """A 24-character ObjectId string: opaque, roughly time-ordered, native to MongoDB."""
    return str(ObjectId())


class BaseModel(models.Model):
    """Primary key stored in `_id` as a string, so one migration set serves SQLite and MongoDB."""

    id = models.CharField(
        primary_key=True, max_length=24, default=new_id, editable=False, db_column="_id"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
