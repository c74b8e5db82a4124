"""Model base shared by every app: ids that both database backends store the same way."""

import copy
import functools
import re
import unicodedata

from bson import ObjectId
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DatabaseError, models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict
from core.words import LONGEST_INDEXED, indexed_words

# Characters that reorder how text displays (bidirectional embeddings, overrides and isolates):
# in a signed note or an addendum they make the text read otherwise than it is stored ("Trojan
# source"). Free text refuses them; the marks LRM/RLM/ALM, which Arabic and Hebrew writers use to
# place punctuation, stay allowed there.
DIRECTION_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A name has no use for even the marks: "Smith" could display as another string.
BIDI_CONTROLS = DIRECTION_OVERRIDES | frozenset("\u200e\u200f\u061c")


def validate_no_bidi_controls(value: str) -> None:
    if any(char in BIDI_CONTROLS for char in value or ""):
        raise ValidationError(
            _("Remove the invisible text-direction characters from this name."), code="bidi"
        )


def without_direction_overrides(text: str) -> str:
    """Machine-made text (an AI draft quoting the chart) with the overrides left out: no one
    typed them there to be told to remove them."""
    return "".join(char for char in text if char not in DIRECTION_OVERRIDES)


def validate_no_direction_overrides(value: str) -> None:
    """For free text (notes, addenda): the overrides are refused, the marks kept."""
    if any(char in DIRECTION_OVERRIDES for char in value or ""):
        raise ValidationError(
            _(
                "Remove the invisible text-direction characters (pasted from another program) "
                "and save again."
            ),
            code="bidi_control",
        )


# A phone number as people write one: digits with spaces, dots, dashes, slashes, brackets, a
# leading + and an optional extension. Patients' numbers are kept even when odd
# (patients/phones.py); a clinic's and a colleague's number is typed by staff and shown to others.
PHONE_TEXT = re.compile(r"\+?[\d\s().\-/]+(?:\s*(?:ext\.?|x|#)\s*\d{1,6})?", re.IGNORECASE)
PHONE_MIN_DIGITS = 5


def validate_phone_text(value: str) -> None:
    if value and (
        not PHONE_TEXT.fullmatch(value.strip())
        or sum(char.isdigit() for char in value) < PHONE_MIN_DIGITS
    ):
        raise ValidationError(
            _(
                "Enter a phone number: digits with spaces and + ( ) . - /, and an extension if "
                "any (ext. 12), e.g. +44 20 7946 0000."
            ),
            code="phone",
        )


class BoundedTextField(models.TextField):
    """Free text with a maximum length the model enforces (full_clean), as CharField does;
    DRF serializers and model forms pick the limit up from `max_length`."""

    def __init__(self, *args, max_length: int = 10_000, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(self.max_length))


def new_id() -> str:
    """A 24-character ObjectId string: opaque, roughly time-ordered, native to MongoDB."""
    return str(ObjectId())


_CHOICE_LABELS: dict = {}  # field -> {stored value: lazy label}


class ChoiceLabels:
    """`get_FOO_display()` from a prepared table: Django's rebuilds the field's choices on each
    call and, hashing them, translates every label (~40 µs a call; a list page makes dozens).
    The labels stay lazy, so each is translated into the reader's language when shown."""

    def _get_FIELD_display(self, field):
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = {make_hashable(value): label for value, label in field.flatchoices}
            _CHOICE_LABELS[field] = labels
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class BaseModel(ChoiceLabels, models.Model):
    """Primary key stored in `_id` as a string, so one migration set serves SQLite and MongoDB.

    A saved row writes only the fields changed since it was read (Django's `from_db` hook keeps
    what was read). A record is read by the view before the service's unit begins, so a whole-row
    save would put back every field a colleague changed meanwhile: an edit of the staff notes
    undid a cancellation committed a moment before, a profile save a deactivation. A row deleted
    meanwhile is a Conflict, not written again.
    """

    id = models.CharField(
        primary_key=True, max_length=24, default=new_id, editable=False, db_column="_id"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is None and not kwargs.get("force_insert"):
            update_fields = changed = self.changed_fields()
        else:
            changed = None
        try:
            super().save(*args, update_fields=update_fields, **kwargs)
        except DatabaseError as exc:
            if changed is None or "did not affect any rows" not in str(exc):
                raise
            raise Conflict(
                _("This record was removed while you were changing it."), code="removed"
            ) from None
        if update_fields is None:
            update_fields = [f.attname for f in self._meta.concrete_fields]
        self._read = {**self._read_values(), **self._values_of(update_fields)}

    @classmethod
    def from_db(cls, db, field_names, values):
        """The row as read is kept as Django hands it over (names, values): made into a dict
        only by a save. A list of 100 rows pays ~20 µs, not the ~250 µs a dict a row took."""
        instance = super().from_db(db, field_names, values)
        held = _held_by_value(cls)
        if held:
            values = [
                held[name](value) if name in held else value
                for name, value in zip(field_names, values, strict=True)
            ]
        instance._read = (field_names, values)
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        refreshed = fields or [f.attname for f in self._meta.concrete_fields]
        self._read = {**self._read_values(), **self._values_of(refreshed)}

    def clean_fields(self, exclude=None):
        """Text is stored in Unicode NFC, so "é" typed two ways is one string (search, dedupe)."""
        for field in self._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and not (
                exclude and field.name in exclude
            ):
                value = getattr(self, field.attname)
                if isinstance(value, str) and not value.isascii():
                    setattr(self, field.attname, unicodedata.normalize("NFC", value))
        super().clean_fields(exclude=exclude)

    def changed_fields(self) -> list[str] | None:
        """The fields to write: those changed since the row was read, and `updated_at`. None for
        a row not read from the database (all of it is written)."""
        if getattr(self, "_read", None) is None or self._state.adding:
            return None
        read = self._read_values()
        now = self._values_of([field.attname for field in self._meta.concrete_fields])
        return [
            field.attname
            for field in self._meta.concrete_fields
            if field.attname in now
            and not field.primary_key
            and (
                field.attname not in read
                or read[field.attname] != now[field.attname]
                or getattr(field, "auto_now", False)
            )
        ]

    def _read_values(self) -> dict:
        """The fields' values as read (or last saved), by attname."""
        read = getattr(self, "_read", None)
        if isinstance(read, tuple):
            self._read = read = dict(zip(*read, strict=True))
        return read or {}

    def _values_of(self, names) -> dict:
        """The loaded fields' values (`names`: "patient" or "patient_id"), as `_read` holds them."""
        held = _held_by_value(type(self))
        values = {}
        for name in names:
            attname = self._meta.get_field(name).attname
            if attname in self.__dict__:
                value = self.__dict__[attname]
                values[attname] = held[attname](value) if attname in held else value
        return values


@functools.cache
def _held_by_value(model) -> dict:
    """How `_read` keeps the fields whose value can change in place: JSON by copy, a file by
    its name (FieldFile.save() renames the same object)."""
    held = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.JSONField):
            held[field.attname] = copy.deepcopy
        elif isinstance(field, models.FileField):
            held[field.attname] = _file_name
    return held


def _file_name(value):
    return getattr(value, "name", value) or ""


class IdempotencyKey(BaseModel):
    """One `Idempotency-Key` a caller sent with an API POST, and the 201 answer it got
    (core.idempotency): a retry with the same key is answered from here, not written twice."""

    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"

    scope = models.CharField(max_length=80)  # "user:<id>" or "anon:<ip>"
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 of method, path and body
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    locked_until = models.DateTimeField(null=True, blank=True)
    status_code = models.IntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)  # base64 of the response bytes

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="core_idempotency_scope_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="core_idempotency_created")]

    def __str__(self):
        return f"{self.scope} {self.key}"


class ClinicWord(models.Model):
    """A word of one record of one clinic, in a word index (core.words): a subclass adds the
    record's foreign key. A string id as every model (one migration set for SQLite and MongoDB);
    no timestamps, which a row per word would not use."""

    id = models.CharField(
        primary_key=True, max_length=24, default=new_id, editable=False, db_column="_id"
    )
    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    word = models.CharField(max_length=LONGEST_INDEXED)

    OWNER = ""  # the column of the record the word is of ("thread_id")

    class Meta:
        abstract = True

    def __str__(self):
        return self.word

    @classmethod
    def rows_for(cls, records) -> list["ClinicWord"]:
        """The word rows of records (of their search_text), to be written with them."""
        return [
            cls(clinic_id=record.clinic_id, word=word, **{cls.OWNER: record.pk})
            for record in records
            for word in sorted(indexed_words(record.search_text))
        ]
