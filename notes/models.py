"""Clinical notes: types (LOINC document codes), clinic templates, notes, draft revisions, addenda.

The lock lives here, below every door: once a note is signed, its content and signature can no
longer be written by `save()`, `QuerySet.update()`, `bulk_update()` or `delete()` — from a
service, the API, an HTML form, the admin or a shell alike. Each write that touches a locked
field is sent to the database with "and the row is still a draft" in its filter, so a note
signed a moment before a late autosave arrives is not overwritten either (one conditional
write, which MongoDB enforces without transactions). Sharing and the co-signature are the only
fields that change after signing, through their own services; a co-signature, once given, is
locked the same way.
"""

import operator
from functools import reduce

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict
from core.models import BaseModel, BoundedTextField, ClinicWord
from core.words import RARE_UP_TO, spaced_words

LOCKED_ON_SIGNING = frozenset(
    {
        "clinic",
        "patient",
        "note_type",
        "template",
        "author",
        "appointment_id",
        "title",
        "sections",
        "search_text",
        "status",
        "signed_by",
        "signed_at",
        "version",
        "ai_generated",
        "ai_citations",
    }
)
LOCKED_ON_COSIGNING = frozenset({"cosigner", "cosign_requested_at", "cosigned_by", "cosigned_at"})


class NoteLocked(Conflict):
    """A write to a signed note's content (or a given co-signature): 409 at every door."""

    code = "note_locked"

    def __init__(self, message=None, **extra):
        super().__init__(
            message
            or _("This note is signed and can no longer be changed. Add an addendum instead."),
            **extra,
        )


class NoteType(BaseModel):
    """A kind of note; built-in ones carry their LOINC document code, clinics may add their own."""

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    code = models.CharField(
        _("code"), max_length=32, help_text=_("A LOINC document code, or the clinic's own code.")
    )
    name = models.CharField(_("name"), max_length=100)
    is_loinc = models.BooleanField(_("LOINC code"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("note type")
        verbose_name_plural = _("note types")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="notetype_unique_code"),
            models.UniqueConstraint(fields=["clinic", "name"], name="notetype_unique_name"),
        ]

    def __str__(self):
        return self.name


class NoteTemplate(BaseModel):
    """A clinic's starting point for a note: a type and its named sections with starter text."""

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    note_type = models.ForeignKey(NoteType, models.PROTECT, related_name="templates")
    name = models.CharField(_("name"), max_length=100)
    # [{"name": "Subjective", "text": "starter text"}, ...] in order
    sections = models.JSONField(_("sections"), default=list)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("note template")
        verbose_name_plural = _("note templates")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="notetemplate_unique_name")
        ]

    def __str__(self):
        return self.name

    @property
    def section_names(self) -> list[str]:
        return [section["name"] for section in self.sections]


class NoteQuerySet(models.QuerySet):
    """Every write path of the ORM, guarded: locked fields are written to drafts only."""

    def _locked(self, names):
        """The rows of this queryset that a write of `names` must not touch."""
        conditions = []
        if names & LOCKED_ON_SIGNING:
            conditions.append(Q(status=Note.Status.SIGNED))
        if names & LOCKED_ON_COSIGNING:
            conditions.append(Q(cosigned_at__isnull=False))
        return self.filter(reduce(operator.or_, conditions))

    def _writable(self, names):
        rows = self
        if names & LOCKED_ON_SIGNING:
            rows = rows.filter(status=Note.Status.DRAFT)
        if names & LOCKED_ON_COSIGNING:
            rows = rows.filter(cosigned_at__isnull=True)
        return rows

    def update(self, **kwargs):
        names = set(kwargs)
        if names & (LOCKED_ON_SIGNING | LOCKED_ON_COSIGNING) and self._locked(names).exists():
            raise NoteLocked()
        # The filter goes with the write, so a row signed since the check is still left alone.
        return super(NoteQuerySet, self._writable(names)).update(**kwargs)

    update.alters_data = True

    def _update(self, values):
        """Model.save()'s path: one row, refused (not silently skipped) when it is locked."""
        names = {field.name for field, _model, _value in values}
        if not names & (LOCKED_ON_SIGNING | LOCKED_ON_COSIGNING):
            return super()._update(values)
        rows = super(NoteQuerySet, self._writable(names))._update(values)
        if rows == 0 and self.exists():
            raise NoteLocked()
        return rows

    _update.alters_data = True
    _update.queryset_only = False

    def bulk_update(self, objs, fields, batch_size=None):
        objs = list(objs)
        names = set(fields)
        # Checked before Django opens its transaction, so a refusal leaves none broken.
        locked_fields = names & (LOCKED_ON_SIGNING | LOCKED_ON_COSIGNING)
        if locked_fields and self.filter(pk__in=[o.pk for o in objs])._locked(names).exists():
            raise NoteLocked()
        return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True

    def delete(self):
        if self.filter(status=Note.Status.SIGNED).exists():
            raise NoteLocked(_("A signed note is part of the record and cannot be deleted."))
        return super(NoteQuerySet, self.filter(status=Note.Status.DRAFT)).delete()

    delete.alters_data = True


class Note(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    clinic = models.ForeignKey("clinics.Clinic", models.PROTECT, related_name="+", db_index=False)
    # PROTECT everywhere: a cascade (or SET_NULL) would rewrite or remove a legal record
    # behind the lock's back; patients and users with notes are archived or deactivated.
    patient = models.ForeignKey(
        "patients.Patient", models.PROTECT, related_name="notes", db_index=False
    )
    note_type = models.ForeignKey(
        NoteType, models.PROTECT, related_name="notes", verbose_name=_("type")
    )
    template = models.ForeignKey(
        NoteTemplate, models.PROTECT, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
        db_index=False,
    )
    # An appointment of the appointments app, checked through its contributed lookup (see
    # notes.services); a plain id, so notes import nothing from a sibling domain app.
    appointment_id = models.CharField(_("appointment"), max_length=24, blank=True, default="")
    title = models.CharField(_("title"), max_length=200)
    # [{"name": "Subjective", "text": "Markdown"}, ...] in order
    sections = models.JSONField(_("sections"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    cosigner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("co-signer"),
        db_index=False,
    )
    cosign_requested_at = models.DateTimeField(
        _("co-signature requested at"), null=True, blank=True
    )
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    cosigned_at = models.DateTimeField(_("co-signed at"), null=True, blank=True)
    shared_with_patient = models.BooleanField(_("shared with the patient"), default=False)
    # Each saved draft adds one; an edit must name the version it started from (autosave from
    # two tabs, or a save after signing, is a 409 rather than a lost edit).
    version = models.PositiveIntegerField(default=1, editable=False)
    # The words of the title and sections, lower-case and accent-free, each after a space (a
    # search word matches where " word" appears: the start of a word), for the text search.
    search_text = models.TextField(default="", editable=False)
    # Drafted by AI assist (ai_assist): the label and what it rests on ({"generated_by",
    # "generated_at", "sources": [{"n", "type", "id", "url"}]}), locked with the note once signed.
    ai_generated = models.BooleanField(_("AI-drafted"), default=False, editable=False)
    ai_citations = models.JSONField(_("AI citations"), default=list, blank=True, editable=False)

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        base_manager_name = "objects"  # Model.save() writes through the guarded queryset
        verbose_name = _("clinical note")
        verbose_name_plural = _("clinical notes")
        indexes = [
            # -id too: the lists' tie-break, so a page is read in index order with no sort.
            models.Index(fields=["patient", "-created_at", "-id"], name="note_patient_time"),
            models.Index(fields=["clinic", "-created_at", "-id"], name="note_clinic_time"),
            # A list across patients with one filter walks that filter's notes in order: on
            # note_clinic_time a type, author or status few notes have read every note to fill
            # a page and to count (0.7-6 s at 2,000,000).
            models.Index(
                fields=["clinic", "author", "-created_at", "-id"], name="note_clinic_author"
            ),
            models.Index(
                fields=["clinic", "note_type", "-created_at", "-id"], name="note_clinic_type"
            ),
            models.Index(
                fields=["clinic", "status", "-created_at", "-id"], name="note_clinic_status"
            ),
            # The home widget's two lists, each read in its order: a clinician with 10,000
            # drafts or notes to co-sign had them all sorted on every home page (20 ms). The
            # clinic last: "My notes" counts them from the index alone (9,959 drafts: 101 ms
            # reading each row for its clinic).
            models.Index(
                fields=["author", "status", "-updated_at", "-id", "clinic"], name="note_drafts"
            ),
            models.Index(
                fields=["cosigner", "cosigned_at", "cosign_requested_at", "id", "clinic"],
                name="note_cosign",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def section_prompts(self) -> dict[str, str]:
        """Each section's prompt (its template's starter text): a hint, never content."""
        if self.template is None:
            return {}
        return {s["name"]: (s.get("text") or "").strip() for s in self.template.sections}

    @property
    def awaits_cosignature(self) -> bool:
        return self.cosigner_id is not None and self.cosigned_at is None

    def save(self, *args, update_fields=None, **kwargs):
        """Refused up front for a locked row (so no transaction is left broken); the write
        itself still carries the draft condition (NoteQuerySet._update) against a race."""
        if not self._state.adding and self.pk:
            names = (
                set(update_fields)
                if update_fields is not None
                else {field.name for field in self._meta.concrete_fields}
            )
            if Note.objects.filter(pk=self.pk)._locked(names).exists():
                raise NoteLocked()
        super().save(*args, update_fields=update_fields, **kwargs)

    def delete(self, *args, **kwargs):
        """Through the guarded queryset: a signed note is never deleted."""
        return Note.objects.filter(pk=self.pk).delete()


class NoteRevision(BaseModel):
    """A draft as one save left it: who, when, and the content.

    Autosaves by the same person within a minute fold into their latest revision (the writer
    saves every few seconds); every other save adds one.
    """

    note = models.ForeignKey(Note, models.CASCADE, related_name="revisions", db_index=False)
    clinic = models.ForeignKey("clinics.Clinic", models.PROTECT, related_name="+")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    sections = models.JSONField(default=list)
    autosave = models.BooleanField(default=False)

    class Meta:
        ordering = ["note", "-created_at", "-id"]
        verbose_name = _("note revision")
        verbose_name_plural = _("note revisions")
        indexes = [models.Index(fields=["note", "-created_at"], name="revision_note_time")]

    def __str__(self):
        return f"{self.note_id} v{self.version}"


class AddendumQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise NoteLocked(_("An addendum cannot be changed once added."))

    def delete(self):
        raise NoteLocked(_("An addendum cannot be deleted."))


class Addendum(BaseModel):
    """A later correction or addition to a signed note; append-only, shown in order."""

    note = models.ForeignKey(Note, models.PROTECT, related_name="addenda", db_index=False)
    clinic = models.ForeignKey("clinics.Clinic", models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("author")
    )
    text = BoundedTextField(_("text"), max_length=50_000)

    objects = AddendumQuerySet.as_manager()

    class Meta:
        ordering = ["note", "created_at", "id"]
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        indexes = [models.Index(fields=["note", "created_at"], name="addendum_note_time")]

    def __str__(self):
        return f"{self.note_id}: {self.text[:40]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise NoteLocked(_("An addendum cannot be changed once added."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise NoteLocked(_("An addendum cannot be deleted."))


# A word in more than this many of a clinic's notes is common: its notes leave the word index
# (a CommonNoteWord says so) and a search for it reads the clinic's notes newest first, which
# meets a page of them soon. The index then holds a clinic's rarer words only, at most this many
# notes each, not every word of every note (58 million rows at the benchmark's 2,000,000 notes).
# It is where a search stops reading a word's records from an index (core.words.word_matching).
COMMON_FROM = RARE_UP_TO


def search_text_of(title: str, sections: list[dict]) -> str:
    """The note's words, each after a space: " cough for days ..." (see Note.search_text)."""
    parts = [title, *(f"{s['name']} {s['text']}" for s in sections)]
    return spaced_words("\n".join(parts))


class NoteWord(ClinicWord):
    """One rarer word of a note's title or sections: the index a search across the clinic
    reads to find a rare word's few notes instead of reading every note for it. Written with
    the note (notes.services), never edited; it goes when a draft is deleted."""

    note = models.ForeignKey(Note, models.CASCADE, related_name="+", db_index=False)

    OWNER = "note_id"

    class Meta:
        indexes = [
            # A word's notes (a prefix: a range), counted and read from the index alone.
            models.Index(fields=["clinic", "word", "note"], name="noteword_clinic_word"),
            # A note's words: removed with a deleted draft.
            models.Index(fields=["note", "word"], name="noteword_note_word"),
        ]


class CommonNoteWord(ClinicWord):
    """A word in more than COMMON_FROM of the clinic's notes: not in the word index any more.
    Never removed, so a word without one has every note that holds it in the index."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "word"], name="commonnoteword_unique")
        ]
