"""Reads of stored files, built on the one access rule (core.access) and audited.

- Reach: a file's reach is its patient's (staff: their clinic's files; a patient user: files of
  their own record that were shared with them or that they uploaded). Clinic-level documents
  (no patient) are staff-only. Soft-deleted files are out of reach except for a restore.
- Categories: staff read only the categories their role's rows in core.roles allow. Lists leave
  the other categories out; opening such a file directly is a 403 (the staff member may see
  the patient, so the file's existence is no secret; its contents are).
- Audit: opening a file's page or metadata is one 'view'; each download one 'view' row with
  detail "download" (range requests that follow a download within DOWNLOAD_WINDOW share its
  row); a page of a list one 'view' row per patient shown (core.lists).
"""

from collections import Counter

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.access import get_in_reach, in_reach, is_patient_user
from core.audit import VIEW, audit, audit_patients_read
from core.contributions import attachment_targets
from core.errors import Conflict, Locked
from core.lists import (
    EXACT_COUNT_UP_TO,
    PER_PAGE,
    Walk,
    audited_by_patient,
    count_up_to,
    page_of,
)
from core.roles import can
from core.words import word_matching, words_of
from files.models import BUILTIN_CATEGORIES, FileCategory, FileWord, StoredFile
from patients.selectors import ids_matching

DOWNLOAD_WINDOW = 10 * 60  # seconds
PANEL_FILES = 10  # the newest files on the patient page and a note's: its files page has all
STATUSES = ("active", "deleted", "quarantined")
Scan = StoredFile.Scan


# --- categories ----------------------------------------------------------------------------------
def category_permission(slug: str) -> str:
    """The row of core.roles deciding who reads and writes files of this category."""
    return f"files.category.{slug}" if slug in BUILTIN_CATEGORIES else "files.category.clinic"


def may_use_category(actor, slug: str) -> bool:
    """Staff: their role's category rows. Patients are not limited by category (their reach is
    what was shared with them or they uploaded)."""
    return is_patient_user(actor) or can(actor, category_permission(slug))


def category_list(*, actor) -> list[dict]:
    """Built-in categories, then the clinic's own (patients: built-in only), with whether the
    actor may read and upload files of each."""
    rows = [
        {"slug": s, "label": str(label), "builtin": True} for s, label in BUILTIN_CATEGORIES.items()
    ]
    if not is_patient_user(actor):
        own = FileCategory.objects.filter(clinic_id=actor.clinic_id).order_by("label", "id")
        rows += [{"slug": c.slug, "label": c.label, "builtin": False} for c in own]
    for row in rows:
        row["allowed"] = may_use_category(actor, row["slug"])
    return rows


def category_labels(*, clinic_id, slugs=None) -> dict[str, str]:
    """Every category's label; given the `slugs` a page shows, the clinic's own categories are
    read only when one of them is not built in (a clinic's slug never is: FileCategory.clean)."""
    labels = {slug: str(label) for slug, label in BUILTIN_CATEGORIES.items()}
    if slugs is not None and set(slugs) <= labels.keys():
        return labels
    own = FileCategory.objects.filter(clinic_id=clinic_id).values_list("slug", "label")
    return {**labels, **dict(own)}


def _readable_filter(actor, queryset, category: str = ""):
    """Staff see only the categories their role reads (all of them for clinical roles); one
    picked `category` only if the role reads it, as a file of it is opened (may_use_category).
    The picked one alone, not also `category IN (the role's)`: with the column named twice
    SQLite sorted a lab technician's lab reports after a cursor (200,000 files: 66.7 ms
    against 14.9)."""
    if category:
        return (
            queryset.filter(category=category)
            if may_use_category(actor, category)
            else queryset.none()
        )
    if is_patient_user(actor) or can(actor, "files.category.clinic"):
        return queryset
    readable = [slug for slug in BUILTIN_CATEGORIES if can(actor, category_permission(slug))]
    return queryset.filter(category__in=readable)


# --- files ---------------------------------------------------------------------------------------
def _files_in_reach(actor, *, include_deleted: bool = False, through_record: bool = False):
    rows = _files_open_to(actor, include_deleted=include_deleted, through_record=through_record)
    return in_reach(rows, actor=actor)


def read_through_types() -> list[str]:
    """Targets whose files a patient reads only through the record (a note: while it is a
    draft, or not shared with them, neither it nor its files reach them)."""
    return [target.key for target in attachment_targets if target.read is not None]


def unread_targets(actor) -> list[str]:
    """Targets whose records the staff member's role may not read (AttachmentTarget.permission):
    their files are not theirs either, wherever they are listed."""
    return [
        target.key
        for target in attachment_targets
        if target.permission and not can(actor, target.permission)
    ]


def _files_open_to(actor, *, include_deleted: bool = False, through_record: bool = False):
    """A patient reads the files shared with them or their own uploads (none once archived:
    `in_reach`), and those of a record they read through only from that record
    (`through_record`: its read call made); staff none of a record their role may not read;
    deleted files only when asked."""
    rows = StoredFile.objects.all()
    if is_patient_user(actor):
        rows = rows.filter(Q(shared_with_patient=True) | Q(uploaded_by_id=actor.pk))
        if not through_record:
            rows = rows.exclude(target_type__in=read_through_types())
    elif not through_record and (hidden := unread_targets(actor)):
        rows = rows.exclude(target_type__in=hidden)  # one file: 403 (file_get)
    if not include_deleted:
        rows = rows.filter(deleted_at__isnull=True)
    return rows


def file_list(
    *,
    actor,
    patient=None,
    target=None,
    clinic_level: bool = False,
    category: str = "",
    search: str = "",
    patient_search: str = "",
    uploaded_from=None,
    uploaded_to=None,
    status: str = "active",
):
    """The files the actor may see, newest first (unaudited; pages go through `file_page`).

    `status`: "active" (default), "deleted" (soft-deleted ones, for a restore) or
    "quarantined" (a scan found malware). `search`: each word the start of a word of the title,
    case and accents ignored. `patient_search` is the patients app's search.
    `target` (files.services.Target, its record's access call already made): only the files
    attached to that record, e.g. a note's.
    """
    files = _files_in_reach(
        actor, include_deleted=status == "deleted", through_record=target is not None
    )
    files = _readable_filter(actor, files, category)
    if status == "deleted":
        files = files.filter(deleted_at__isnull=False)
    elif status == "quarantined":
        files = files.filter(scan_status=Scan.INFECTED)
    if target is not None:
        files = files.filter(target_type=target.type, target_id=target.id)
    if patient is not None:
        files = files.filter(patient_id=patient.pk)
    elif clinic_level:
        files = files.filter(patient__isnull=True)
    text = search.strip()[:100]
    if words_of(text):  # punctuation alone is no search
        # Across the clinic a rare word's files are read from the title index (core.words); one
        # patient's or record's few files are checked on their titles.
        across = patient is None and target is None and not is_patient_user(actor)
        by_words = word_matching(FileWord, actor.clinic_id, text, by_index=across)
        files = files.filter(by_words.condition)
    if patient_search.strip():
        files = files.filter(patient_id__in=ids_matching(actor=actor, search=patient_search))
    if uploaded_from:
        files = files.filter(created_at__gte=uploaded_from)
    if uploaded_to:
        files = files.filter(created_at__lte=uploaded_to)
    return files.order_by("-created_at", "-id")


def mark_duplicates(rows) -> None:
    """Set `duplicates` on each row: how many other live files of the same patient have the
    same SHA-256 (one query for the page)."""
    keyed = [row for row in rows if row.patient_id]
    for row in rows:
        row.duplicates = 0
    if not keyed:
        return
    counts = (
        StoredFile.objects.filter(
            clinic_id=keyed[0].clinic_id,
            patient_id__in={row.patient_id for row in keyed},
            sha256__in={row.sha256 for row in keyed},
            deleted_at__isnull=True,
        )
        .values("patient_id", "sha256")
        .annotate(n=Count("id"))
    )
    by_key = {(c["patient_id"], c["sha256"]): c["n"] for c in counts}
    for row in keyed:
        row.duplicates = max(by_key.get((row.patient_id, row.sha256), 1) - 1, 0)


def file_page(
    *, actor, number=1, per_page: int = PER_PAGE, strict: bool = False, after: str = "",
    before: str = "", **filters
) -> Page:  # fmt: skip
    """One page of `file_list`: one audit 'view' row per patient shown, duplicates marked. A
    page of one patient's or one record's files audits that patient even when it lists none:
    the page still shows who they are. `after` / `before`: the HTML lists' Next / Previous
    cursors (core.lists.Walk). The clinic's documents are counted "about" past 10,000, as
    the other clinic-wide lists (at 200,000 files, an exact count of one category took 143 ms
    and page 4,000 by OFFSET 317 ms)."""
    files = file_list(actor=actor, **filters).select_related("patient", "uploaded_by")

    audit_page = audited_by_patient(actor=actor, detail=gettext_noop("files"))

    def on_page(rows):
        audit_page(rows)
        mark_duplicates(rows)

    patient, target = filters.get("patient"), filters.get("target")
    across_clinic = patient is None and target is None
    page = page_of(
        files,
        number=number,
        per_page=per_page,
        strict=strict,
        on_page=on_page,
        walk=None if strict else Walk(after=after, before=before),
        estimate_count=across_clinic,
        by_id=across_clinic,
    )
    patient_id = patient.pk if patient is not None else getattr(target, "patient_id", None)
    if not page.object_list and patient_id:
        audit_patients_read(actor=actor, patient_ids=[patient_id], detail=gettext_noop("files"))
    return page


def duplicates_of(*, actor, stored: StoredFile) -> list[StoredFile]:
    """Other live files of the same patient with the same bytes (the actor may see)."""
    if not stored.patient_id:
        return []
    same = _readable_filter(actor, _files_in_reach(actor)).filter(
        patient_id=stored.patient_id, sha256=stored.sha256
    )
    return list(same.exclude(pk=stored.pk).select_related("uploaded_by")[:20])


def file_get(
    *,
    actor,
    id: str,
    permission: str | None = "files.view",
    audited: bool = True,
    include_deleted: bool = False,
    detail: str = "",
) -> StoredFile:
    """One file: 404 out of reach, 403 unless the role grants `permission` and the file's
    category, then one audited 'view' (writes pass `audited=False`; their service audits)."""
    stored = get_in_reach(
        _files_open_to(actor, include_deleted=include_deleted, through_record=True).select_related(
            "patient", "uploaded_by", "deleted_by"
        ),
        actor=actor,
        id=id,
        permission=permission,
        patient="patient",
    )
    if is_patient_user(actor) and stored.target_type in read_through_types():
        # Through the record: a note's file only while the note reaches the patient (404).
        attachment_targets.get(stored.target_type).read(actor=actor, id=stored.target_id)
    elif not is_patient_user(actor) and stored.target_type in unread_targets(actor):
        raise PermissionDenied(_("Your role does not allow this action."))
    if not may_use_category(actor, stored.category):
        raise PermissionDenied(_("Your role does not allow access to files of this category."))
    if audited:
        audit(
            actor=actor, action=VIEW, obj=stored, patient_id=stored.patient_id or "", detail=detail
        )
    return stored


def ensure_servable(stored: StoredFile) -> None:
    """Pending scans are a 423 (try again shortly); quarantined files a 409 (never served)."""
    if stored.scan_status == Scan.PENDING:
        raise Locked(
            _("This file is still being checked for viruses. Try again in a moment."),
            code="scan_pending",
        )
    if stored.scan_status == Scan.INFECTED:
        raise Conflict(
            _("This file was quarantined: the virus scan found %(detail)s.")
            % {"detail": stored.scan_detail or _("malware")},
            code="quarantined",
        )


def file_for_download(*, actor, id: str, ranged: bool = False) -> StoredFile:
    """A file whose bytes the actor may have: 404/403 as `file_get`, 423/409 while a scan is
    pending or found malware, then one audit row per download (a range request within
    DOWNLOAD_WINDOW of this actor's last download of the file shares that row)."""
    stored = file_get(actor=actor, id=id, audited=False)
    ensure_servable(stored)
    window_key = f"files:downloaded:{actor.pk}:{stored.pk}"
    if not (ranged and cache.get(window_key)):
        audit(
            actor=actor,
            action=VIEW,
            obj=stored,
            patient_id=stored.patient_id or "",
            detail=gettext_noop("download"),
        )
    cache.set(window_key, True, DOWNLOAD_WINDOW)
    return stored


def file_for_preview(*, actor, id: str) -> StoredFile:
    """A file whose thumbnail or first-page preview the actor may see (audited as a view)."""
    stored = file_get(actor=actor, id=id, audited=False)
    ensure_servable(stored)
    if not stored.thumbnail_key:
        raise Http404(_("This file has no preview."))
    audit(
        actor=actor,
        action=VIEW,
        obj=stored,
        patient_id=stored.patient_id or "",
        detail=gettext_noop("preview"),
    )
    return stored


def patient_panel(*, actor, patient) -> dict:
    """The patient page's Files panel: the newest files and counts by category."""
    files = file_list(actor=actor, patient=patient)
    shown = files.select_related("uploaded_by").only(  # (the ORM spends ~20 µs a column)
        "clinic", "patient", "sha256", "title", "category", "content_type", "size",
        "scan_status", "shared_with_patient", "deleted_at", "created_at", "uploaded_by__name",
    )  # fmt: skip
    latest = list(shown[: PANEL_FILES + 1])
    if len(latest) <= PANEL_FILES:  # all of them: count these (most patients; one query less)
        counts = Counter(stored.category for stored in latest)
    else:
        latest = latest[:PANEL_FILES]
        counts = dict(
            files.order_by().values("category").annotate(n=Count("id")).values_list("category", "n")
        )
    mark_duplicates(latest)
    labels = category_labels(clinic_id=patient.clinic_id, slugs=counts)
    return {
        "files": latest,
        "file_count": sum(counts.values()),
        "file_categories": [
            (slug, labels.get(slug, slug), n) for slug, n in sorted(counts.items())
        ],
        "category_labels": labels,
    }


def attached_box(*, actor, target) -> dict:
    """A record page's Files box (a note's): the newest PANEL_FILES files attached to the record
    the actor may read, part of that page's audited read of the record. With more, how many
    (counted no further than EXACT_COUNT_UP_TO: `file_count_capped`); the record's files page
    lists them all."""
    files = file_list(actor=actor, target=target)
    rows = list(files.select_related("uploaded_by")[: PANEL_FILES + 1])
    count = len(rows)
    if count > PANEL_FILES:
        rows = rows[:PANEL_FILES]
        count = count_up_to(files, EXACT_COUNT_UP_TO)
    return {
        "files": rows,
        "file_count": min(count, EXACT_COUNT_UP_TO),
        "file_count_capped": count > EXACT_COUNT_UP_TO,
        "category_labels": category_labels(
            clinic_id=target.clinic_id, slugs={row.category for row in rows}
        ),
    }


def quarantine_count(*, actor) -> int:
    return StoredFile.objects.filter(
        clinic_id=actor.clinic_id, scan_status=Scan.INFECTED, deleted_at__isnull=True
    ).count()


def quarantine_widget(*, actor) -> dict:
    return {"quarantined": quarantine_count(actor=actor)}
