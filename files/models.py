"""Stored files: patient documents and attachments. The bytes live in the "files" storage under
a random key; a row is written only after its bytes are stored in full."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, ClinicWord
from core.words import SEARCH_TEXT_LENGTH
from files.types import INLINE_TYPES

# Built-in categories; a clinic adds its own (FileCategory). Each has a row in core.roles
# ("files.category.<slug>"); the clinic's own share "files.category.clinic".
BUILTIN_CATEGORIES = {
    "referral": _("Referral letter"),
    "lab_report": _("Lab report"),
    "imaging": _("Imaging"),
    "id_insurance": _("ID / insurance"),
    "consent": _("Consent form"),
    "photo": _("Photo"),
    "other": _("Other"),
}
CATEGORY_SLUG = RegexValidator(
    r"^[a-z0-9][a-z0-9_]{0,39}$",
    _("Use lower-case letters, digits and underscores, starting with a letter or digit."),
)


class FileCategory(BaseModel):
    """A clinic's own category, beside the built-in ones."""

    clinic = models.ForeignKey(
        "clinics.Clinic",
        models.CASCADE,
        related_name="file_categories",
        verbose_name=_("clinic"),
        db_index=False,
    )
    slug = models.CharField(_("code"), max_length=40, validators=[CATEGORY_SLUG])
    label = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["label", "id"]
        verbose_name = _("file category")
        verbose_name_plural = _("file categories")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "slug"], name="filecategory_unique_slug")
        ]

    def __str__(self):
        return self.label

    def clean(self):
        if self.slug in BUILTIN_CATEGORIES:
            raise ValidationError({"slug": _("This is already a built-in category.")})


class StoredFile(BaseModel):
    class Scan(models.TextChoices):
        NOT_SCANNED = "not_scanned", _("not scanned")  # no scanner configured
        PENDING = "pending", _("scan pending")
        CLEAN = "clean", _("clean")
        INFECTED = "infected", _("quarantined")

    clinic = models.ForeignKey(
        "clinics.Clinic", models.PROTECT, related_name="+", verbose_name=_("clinic"), db_index=False
    )
    # Empty for clinic-level documents (e.g. consent templates): staff-only.
    patient = models.ForeignKey(
        "patients.Patient",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("patient"),
    )
    # What the file is attached to: a key of core.contributions.attachment_targets and an id.
    target_type = models.CharField(_("attached to"), max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    category = models.CharField(_("category"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    # The title's words, lower-case and accent-free, each after a space (core.words): what a
    # search checks, a word of the search the start of one of them.
    search_text = models.CharField(max_length=SEARCH_TEXT_LENGTH, default="", editable=False)
    shared_with_patient = models.BooleanField(_("shared with the patient"), default=False)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    storage_key = models.CharField(max_length=200, unique=True, editable=False)
    thumbnail_key = models.CharField(max_length=200, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deleted by"),
    )
    scan_status = models.CharField(
        _("scan"), max_length=16, choices=Scan.choices, default=Scan.NOT_SCANNED
    )
    scan_detail = models.CharField(_("scan result"), max_length=200, blank=True)
    scanned_at = models.DateTimeField(_("scanned"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("file")
        verbose_name_plural = _("files")
        indexes = [
            models.Index(
                fields=["clinic", "patient", "deleted_at", "-created_at"], name="file_patient"
            ),
            # The clinic's documents, newest first, whole or of one category: the page, its
            # Next / Previous (core.lists.Walk) and its count read off the index, no sort. The
            # title's words ride along so a search for a common word is checked on the index,
            # only each match's row read (a title no file has: 172 ms a page at 200,000 files
            # -> 38; since the word index, a lookup).
            models.Index(
                fields=["clinic", "deleted_at", "-created_at", "-id", "search_text"],
                name="file_clinic",
            ),
            models.Index(
                fields=["clinic", "deleted_at", "category", "-created_at", "-id"],
                name="file_clinic_category",
            ),
            models.Index(fields=["clinic", "patient", "sha256"], name="file_duplicates"),
            models.Index(fields=["clinic", "scan_status"], name="file_scan"),
            # A record's files (a note's Files box), newest first: read off the index, not
            # every live file of the clinic checked for its target.
            models.Index(
                fields=["target_type", "target_id", "deleted_at", "-created_at", "-id"],
                name="file_target",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def uploaded_at(self):
        return self.created_at

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def opens_in_browser(self) -> bool:
        """Served inline (files.responses): browsers show these; HEIC and TIFF they download."""
        return self.content_type in INLINE_TYPES


class FileWord(ClinicWord):
    """One word of a file's title (core.words): a search of the clinic's documents finds a rare
    word's files here, where checking every title of 200,000 files took 50 ms a page for a
    search that finds few or none. Rewritten with the title."""

    file = models.ForeignKey(StoredFile, models.CASCADE, related_name="+", db_index=False)

    OWNER = "file_id"

    class Meta:
        indexes = [
            # A word's files (a prefix: a range), counted and read from the index alone.
            models.Index(fields=["clinic", "word", "file"], name="fileword_clinic_word"),
            models.Index(fields=["file"], name="fileword_file"),  # rewritten and deleted with it
        ]
