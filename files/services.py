"""Writes of stored files: upload, edit, soft delete and restore, scan, previews.

An upload is checked while it streams to storage: its type is decided by its first bytes
(files.types) before anything is written, then every chunk is counted against FILE_MAX_MB,
hashed (SHA-256) and, for text, validated, on its way to storage under a random key. The row is
saved only after the bytes are stored in full; if anything fails on the way (a refusal, the
storage, the database) the bytes written so far are deleted, so no row points at missing bytes
and no bytes outlive a failed upload.

`file_scan` and `file_make_preview` take a file id and no request: the upload runs them now,
and a background task can run the same functions later.
"""

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.access import is_patient_user
from core.audit import CREATE, DELETE, UPDATE, audit
from core.contributions import attachment_targets
from core.errors import ServiceError, TooLarge
from core.events import emit
from core.models import without_direction_overrides
from core.roles import can, require
from core.services import model_update
from core.transactions import unit
from core.words import indexed_words, short_search_text
from files import previews, storage
from files.models import BUILTIN_CATEGORIES, FileCategory, FileWord, StoredFile
from files.scanning import ScannerUnavailable, get_scanner
from files.selectors import may_use_category
from files.types import HEAD_BYTES, TEXT_TYPES, Refused, TextCheck, sanitise_name, type_for_head
from patients.models import Patient

logger = logging.getLogger(__name__)
Scan = StoredFile.Scan
EDITABLE = ("title", "category", "shared_with_patient")


def max_bytes() -> int:
    return settings.FILE_MAX_MB * 1024 * 1024


def too_large() -> TooLarge:
    return TooLarge(
        _("The file is larger than the limit of %(mb)s MB.") % {"mb": settings.FILE_MAX_MB},
        field="file",
        max_mb=settings.FILE_MAX_MB,
    )


MULTIPART_SLACK = 64 * 1024  # form fields and part headers around the file itself


def check_request_size(content_length, *, files: int = 1) -> None:
    """413 before a request body of `files` uploads is read, when it is too large already."""
    try:
        length = int(content_length or 0)
    except (TypeError, ValueError):
        return
    if length > files * max_bytes() + MULTIPART_SLACK:
        raise too_large()


def refused(exc: Refused) -> ServiceError:
    return ServiceError(exc.message, code="type_not_allowed", field="file")


# --- what a file is attached to ------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    type: str
    id: str
    clinic_id: str
    patient_id: str | None
    # The record its access call returned (resolve_target), for a page that names it.
    record: object = field(default=None, compare=False, repr=False)


def resolve_target(*, actor, target_type: str, target_id: str, reading: bool = False) -> Target:
    """The record a file is attached to, through its app's access call (404 / 403 like any
    read of it): for attaching, or with `reading` for listing its files. No target: a
    clinic-level document, for staff only."""
    if not target_type:
        if is_patient_user(actor) or getattr(actor, "clinic_id", None) is None:
            raise PermissionDenied(_("Only clinic staff keep clinic documents."))
        return Target(type="", id="", clinic_id=actor.clinic_id, patient_id=None)
    declared = attachment_targets.get(target_type)
    if declared is None:
        raise ValidationError({"target_type": [_("Files cannot be attached to this.")]})
    access = declared.read if reading and declared.read is not None else declared.get
    record = access(actor=actor, id=target_id)
    patient_id = record.pk if isinstance(record, Patient) else record.patient_id
    return Target(
        type=target_type,
        id=str(record.pk),
        clinic_id=record.clinic_id,
        patient_id=patient_id,
        record=record,
    )


def ensure_may_change_target(*, actor, stored: StoredFile) -> None:
    """Taking a file off a record, or putting it back, changes the record as attaching does:
    the record's app decides through the same access call (404 / 403)."""
    resolve_target(actor=actor, target_type=stored.target_type, target_id=stored.target_id)


def may_attach(actor, *, target_type: str, target_id: str) -> bool:
    """Whether a page offers its upload form or a file's changes: the record's attach call,
    answered as a yes/no."""
    try:
        resolve_target(actor=actor, target_type=target_type, target_id=target_id)
    except (PermissionDenied, Http404):
        return False
    return True


def may_change_target(actor, stored: StoredFile) -> bool:
    """Whether the file page offers its changes (taking it off its record changes the record)."""
    return may_attach(actor, target_type=stored.target_type, target_id=stored.target_id)


def check_category(*, actor, clinic_id: str, category: str) -> None:
    """A known category (built-in, or the clinic's own for staff) the actor may write."""
    known = category in BUILTIN_CATEGORIES or (
        not is_patient_user(actor)
        and FileCategory.objects.filter(clinic_id=clinic_id, slug=category).exists()
    )
    if not known:
        raise ValidationError({"category": [_("Unknown category.")]})
    if not may_use_category(actor, category):
        raise PermissionDenied(_("Your role does not allow files of this category."))


# --- upload --------------------------------------------------------------------------------------
class CheckedUpload:
    """The upload's bytes as they go to storage: typed by their head, limited, hashed, and (for
    text) validated. `content_type`, `size` and `sha256` are final once `chunks()` ran out."""

    def __init__(self, upload, name: str):
        self._source = upload.chunks(storage.CHUNK)
        self.head = b""
        for chunk in self._source:
            self.head += chunk
            if len(self.head) >= HEAD_BYTES:
                break
        if not self.head:
            raise ValidationError({"file": [_("The file is empty.")]})
        if len(self.head) > max_bytes():
            raise too_large()
        try:
            self.content_type = type_for_head(self.head[:HEAD_BYTES], name)
        except Refused as exc:
            raise refused(exc)
        self.size = 0
        self._hash = hashlib.sha256()
        self._text = TextCheck() if self.content_type in TEXT_TYPES else None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def _checked(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > max_bytes():
            raise too_large()
        if self._text is not None:
            try:
                self._text.feed(chunk)
            except Refused as exc:
                raise refused(exc)
        self._hash.update(chunk)
        return chunk

    def chunks(self):
        yield self._checked(self.head)
        for chunk in self._source:
            yield self._checked(chunk)
        if self._text is not None:
            try:
                self._text.feed(b"", final=True)
            except Refused as exc:
                raise refused(exc)


def typed_title(title) -> str:
    """A title as typed, without the invisible characters that would make it display as other
    text in a list (core.models.DIRECTION_OVERRIDES). A title is a label, not a record: they are
    left out, not refused, as Django's upload parser leaves them out of a file's name."""
    return without_direction_overrides(title or "").strip()


def upload_target(*, actor, target_type: str, target_id: str) -> Target:
    """The record `actor` may attach files to: 404 outside their reach, 403 for a role (or a
    patient's record kind) that may not. Checked before anything of the upload is read."""
    target = resolve_target(actor=actor, target_type=target_type, target_id=target_id)
    require(actor, "files.upload")
    if is_patient_user(actor) and not attachment_targets.get(target.type).patients_attach:
        raise PermissionDenied(_("Patients add files to their own record or messages only."))
    return target


@unit
def file_upload(
    *,
    actor,
    upload,
    category: str,
    title: str = "",
    shared_with_patient: bool = False,
    target_type: str = "patient",
    target_id: str = "",
) -> StoredFile:
    """Store an uploaded file attached to a target (a patient by default). 404/403 for the
    target, 403 for the role or category, 400 for a refused type or bad fields, 413 too large."""
    target = upload_target(actor=actor, target_type=target_type, target_id=target_id)
    check_category(actor=actor, clinic_id=target.clinic_id, category=category)
    if upload is None:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    declared_size = getattr(upload, "size", None)
    if declared_size is not None and declared_size > max_bytes():
        raise too_large()
    name = sanitise_name(upload.name)
    title = typed_title(title) or name.rsplit(".", 1)[0][:200] or name
    stored = StoredFile(
        clinic_id=target.clinic_id,
        patient_id=target.patient_id,
        target_type=target.type,
        target_id=target.id,
        category=category,
        title=title,
        search_text=short_search_text(title),
        # A patient's own upload is theirs to read anyway; sharing is staff's decision.
        shared_with_patient=bool(shared_with_patient) and not is_patient_user(actor),
        original_name=name,
        uploaded_by=actor,
        scan_status=Scan.PENDING if get_scanner() else Scan.NOT_SCANNED,
    )
    stored.full_clean(exclude=["content_type", "size", "sha256", "storage_key"])
    checked = CheckedUpload(upload, name)  # refuses a wrong type before a byte is written
    key = storage.new_key(target.clinic_id)
    try:
        stored.storage_key = storage.save_stream(key, checked.chunks())
        stored.content_type = checked.content_type
        stored.size = checked.size
        stored.sha256 = checked.sha256
        stored.save(force_insert=True)
        FileWord.objects.bulk_create(FileWord.rows_for([stored]))
    except BaseException:
        storage.delete_quietly(key)
        raise
    audit(
        actor=actor,
        action=CREATE,
        obj=stored,
        patient_id=stored.patient_id or "",
        detail=f"{stored.category}; {stored.content_type}; {stored.size} bytes",
    )
    file_scan(file_id=stored.pk)
    file_make_preview(file_id=stored.pk)
    stored.refresh_from_db()
    return stored


# --- edit, delete, restore -----------------------------------------------------------------------
@unit
def file_update(*, actor, stored: StoredFile, **fields) -> list[str]:
    """Rename, recategorise, share or unshare; both the old and the new category must be the
    actor's to write, and the record the file is on the actor's to change (a draft note's
    files are its author's)."""
    require(actor, "files.update")
    ensure_may_change_target(actor=actor, stored=stored)
    if "category" in fields:
        check_category(actor=actor, clinic_id=stored.clinic_id, category=fields["category"])
    if "title" in fields:
        fields["title"] = typed_title(fields["title"])
    changed = model_update(
        stored, fields=fields, allowed=EDITABLE, exclude_clean=["storage_key", "thumbnail_key"]
    )
    if "title" in changed:  # a search finds it by its new words
        stored.search_text = short_search_text(stored.title)
        StoredFile.objects.filter(pk=stored.pk).update(search_text=stored.search_text)
        # The new words first, then the old ones go: where a crash stops it between the two (a
        # MongoDB server without transactions), the file is still found by its new title.
        words = FileWord.objects.filter(file_id=stored.pk)
        had = set(words.values_list("word", flat=True))
        FileWord.objects.bulk_create(r for r in FileWord.rows_for([stored]) if r.word not in had)
        words.exclude(word__in=sorted(indexed_words(stored.search_text))).delete()
    if changed:
        audit(
            actor=actor,
            action=UPDATE,
            obj=stored,
            patient_id=stored.patient_id or "",
            detail=", ".join(changed),
        )
    return changed


def may_delete(actor, stored: StoredFile) -> bool:
    """The uploader (staff) or a clinic admin."""
    if can(actor, "files.delete_any"):
        return True
    return can(actor, "files.delete") and stored.uploaded_by_id == actor.pk


def ensure_may_delete(actor, stored: StoredFile) -> None:
    """403 unless the actor uploaded the file or is a clinic admin, and may change the record
    it is attached to (the delete page asks too)."""
    require(actor, "files.delete")
    if not may_delete(actor, stored):
        raise PermissionDenied(_("Only the person who uploaded a file or an admin may delete it."))
    ensure_may_change_target(actor=actor, stored=stored)


@unit
def file_delete(*, actor, stored: StoredFile) -> None:
    """Soft delete: hidden from every list and download; clinic admins can restore it."""
    ensure_may_delete(actor, stored)
    if stored.deleted_at is not None:
        return
    StoredFile.objects.filter(pk=stored.pk).update(deleted_at=timezone.now(), deleted_by=actor)
    stored.refresh_from_db()
    audit(actor=actor, action=DELETE, obj=stored, patient_id=stored.patient_id or "")


@unit
def file_restore(*, actor, stored: StoredFile) -> None:
    require(actor, "files.restore")
    if stored.deleted_at is None:
        return
    ensure_may_change_target(actor=actor, stored=stored)
    StoredFile.objects.filter(pk=stored.pk).update(deleted_at=None, deleted_by=None)
    stored.refresh_from_db()
    audit(
        actor=actor,
        action=UPDATE,
        obj=stored,
        patient_id=stored.patient_id or "",
        detail=gettext_noop("restored"),
    )


@unit
def category_create(*, actor, slug: str, label: str) -> FileCategory:
    """A clinic's own category (clinic admins)."""
    require(actor, "files.categories.manage")
    category = FileCategory(clinic_id=actor.clinic_id, slug=(slug or "").strip(), label=label)
    category.full_clean()
    category.save(force_insert=True)
    audit(actor=actor, action=CREATE, obj=category, detail=category.slug)
    return category


# --- background-ready steps ----------------------------------------------------------------------
def file_scan(*, file_id: str) -> str:
    """Scan one file with the configured scanner; returns its new scan status.

    Clean → downloadable. Malware → quarantined: never served again, its preview removed, and
    listed for the clinic's admins (Documents › Quarantined, the home page's badge). Scanner
    unreachable → stays "pending" (423 on download) until a later scan.
    """
    scanner = get_scanner()
    stored = StoredFile.objects.get(pk=file_id)
    if scanner is None:
        return stored.scan_status
    try:
        result = scanner.scan(storage.iter_chunks(stored.storage_key))
    except ScannerUnavailable as exc:
        logger.warning("File %s not scanned: %s", stored.pk, exc)
        return stored.scan_status
    status = Scan.INFECTED if result.infected else Scan.CLEAN
    StoredFile.objects.filter(pk=stored.pk).update(
        scan_status=status, scan_detail=result.detail[:200], scanned_at=timezone.now()
    )
    if result.infected:
        storage.delete_quietly(stored.thumbnail_key)
        StoredFile.objects.filter(pk=stored.pk).update(thumbnail_key="")
        logger.warning("File %s quarantined: %s", stored.pk, result.detail)
        emit("files.quarantined", obj=stored)
        audit(
            actor=None,
            action=UPDATE,
            obj=stored,
            patient_id=stored.patient_id or "",
            clinic=stored.clinic_id,
            detail=f"quarantined: {result.detail}"[:300],
        )
    else:
        file_make_preview(file_id=stored.pk)
    return status


def file_make_preview(*, file_id: str) -> bool:
    """Make the thumbnail (images) or first-page preview (PDF) of a file that may be served;
    True when one was stored. Files that cannot be rendered simply have none."""
    stored = StoredFile.objects.get(pk=file_id)
    if stored.scan_status in (Scan.PENDING, Scan.INFECTED) or stored.thumbnail_key:
        return False
    image = previews.render(stored)
    if image is None:
        return False
    key = storage.new_key(stored.clinic_id, kind="t")
    saved = storage.save_bytes(key, image)
    if not StoredFile.objects.filter(pk=stored.pk, thumbnail_key="").update(thumbnail_key=saved):
        storage.delete_quietly(saved)  # another run got there first
        return False
    return True
