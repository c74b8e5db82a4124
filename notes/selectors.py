"""Reads of clinical notes, built on the one access rule (core.access) and audited.

Reach: staff reach their clinic's notes (the role table then decides: clinicians, nurses and
clinic admins read them; receptionists and lab technicians get a 403). A patient user reaches
only their own notes that are signed AND shared with them (under `own_record.view`) — drafts
and unshared notes do not exist for them (404).

- `note_list`: the notes in reach, filtered and searched (unaudited; building block).
- `note_page`: one page of it; a list across patients writes one 'view' row per patient shown,
  a list of one patient's notes one 'view' row for that patient. `note_keyset_page`: the same,
  walked by cursor.
- `note_get`: one note, 404 out of reach, then 403 if the role may not, then one audited view.
"""

import datetime
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from django.core.paginator import Page
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import AuditEvent, User
from core.access import get_in_reach, in_reach, is_patient_user
from core.audit import audit, audit_patients_read
from core.contributions import attachment_targets
from core.lists import (
    ESTIMATE_SECONDS,
    PER_PAGE,
    audited_by_patient,
    cached_for,
    keyset_page,
    page_of,
    showing,
)
from core.roles import Role, can, require
from core.words import word_matching, words_of
from notes.models import (
    Addendum,
    CommonNoteWord,
    Note,
    NoteRevision,
    NoteTemplate,
    NoteType,
    NoteWord,
)
from patients.selectors import patient_get

Action = AuditEvent.Action
PANEL_SIZE = 10
WIDGET_SIZE = 8
STATUSES = tuple(Note.Status.values)
# A list across patients searched for common words, or with two or more of author, status and
# type, looks through the clinic's newest WINDOW notes in its dates, no more; a search counts
# its matches among the newest SAMPLE of them.
SAMPLE = 5_000
WINDOW = 100_000


def permission_for(actor, permission: str | None) -> str | None:
    """A patient user reads their own notes under `own_record.view`; anything else as asked."""
    if permission == "notes.view" and is_patient_user(actor):
        return "own_record.view"
    return permission


def _notes_in_reach(actor):
    return in_reach(_notes_open_to(actor), actor=actor)


def _notes_open_to(actor):
    """A patient reads only signed notes shared with them (`in_reach` closes an archived record
    to its patient)."""
    notes = Note.objects.all()
    if is_patient_user(actor):
        notes = notes.filter(status=Note.Status.SIGNED, shared_with_patient__in=[True])
    return notes


def _newest_edge(newest, nth: int) -> datetime.datetime | None:
    """When the `nth` newest of `newest` was written; None when there are fewer (cached)."""
    edge = newest.values_list("created_at", flat=True)[nth - 1 : nth]
    return cached_for("edge", edge.query, lambda: next(iter(edge), None), ESTIMATE_SECONDS)


def _sampled_count(searched, window, window_full: bool) -> int:
    """About how many notes of `window` (the notes a search looks through, newest first)
    `searched` has: its matches among the newest SAMPLE of them, scaled to all of them
    (counting every match of a common word reads every note)."""
    edge = _newest_edge(window, SAMPLE)
    if edge is None:  # fewer notes than the sample: they are all counted
        return searched.count()
    matches = searched.filter(created_at__gte=edge).count()
    total = (
        WINDOW if window_full else cached_for("count", window.query, window.count, ESTIMATE_SECONDS)
    )
    return round(matches * total / SAMPLE)


def _filtered_across_clinic(notes, dated, clinic_id, search: str):
    """(the list's notes; an estimate of how many, or None to count them; when the oldest note
    looked through was written, or None when none of `dated` was left out). `notes`: the
    clinic's notes in the list's dates and its other filters, before the search; `dated`: in
    its dates only.

    A rare word's notes come from the word index, however old (else a word no note has would
    read every note to say so: 6 s at 2,000,000). (One of author, status or type alone walks its
    own index, exact at any size, and does not come here.) Otherwise the list walks the clinic's
    notes newest first, which meets a page soon when many notes match, but reads every note when
    few do: two common words seldom in one note, an author's notes of a type they never wrote
    (7.7 s warm, 75 s from a cold disk at 2,000,480, past the worker's timeout). So it looks
    through the clinic's newest WINDOW notes in its dates, found from `note_clinic_time` alone
    (0.3 s warm to read them all), and a search is counted "about" from a sample.
    """
    searching = bool(words_of(search))
    if searching:
        matching = word_matching(NoteWord, clinic_id, search, common=CommonNoteWord)
        notes = notes.filter(matching.condition)
        if matching.from_index:
            return notes, None, None
    window = dated.order_by("-created_at", "-id")
    since = _newest_edge(window, WINDOW)
    if since is not None:
        notes = notes.filter(created_at__gte=since)
        window = window.filter(created_at__gte=since)
    if not searching:  # filters alone: counted exactly, as the window bounds the count
        return notes, None, since

    def estimate():
        count = partial(_sampled_count, notes, window, since is not None)
        return cached_for("sampled", notes.query, count, ESTIMATE_SECONDS)

    return notes, estimate, since


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of `day` in the current (the clinic's) timezone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def note_list(*, actor, patient=None, **filters):
    """The notes in the actor's reach, newest first, filtered (unaudited: see note_page)."""
    return _note_list(actor=actor, patient=patient, **filters).notes


def _note_list(
    *,
    actor,
    patient=None,
    author: str = "",
    status: str = "",
    note_type: str = "",
    search: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
):
    """note_list's notes, newest first, with an estimate of how many (None: count them) and
    when the oldest note a filtered list across patients looked through was written (None:
    none was left out)."""
    notes = _notes_in_reach(actor)
    if patient is not None:
        notes = notes.filter(patient_id=patient.pk)
    if date_from:
        notes = notes.filter(created_at__gte=_day_start(date_from))
    if date_to:
        notes = notes.filter(created_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    dated = notes
    if author:
        notes = notes.filter(author_id=author)
    if status:
        notes = notes.filter(status=status)
    if note_type:
        types = in_reach(NoteType.objects.all(), actor=actor, patient=None)
        ids = types.filter(Q(pk=note_type[:64]) | Q(code=note_type[:64])).values_list("pk")
        notes = notes.filter(note_type_id__in=[pk for (pk,) in ids])
    across_clinic = patient is None and actor.clinic_id and not is_patient_user(actor)
    unindexed = words_of(search) or sum(map(bool, (author, status, note_type))) > 1
    estimate = searched_from = None
    if across_clinic and unindexed:
        notes, estimate, searched_from = _filtered_across_clinic(
            notes, dated, actor.clinic_id, search
        )
    else:
        notes = notes.filter(
            word_matching(NoteWord, actor.clinic_id, search, by_index=False).condition
        )
    return Found(notes.order_by("-created_at", "-id"), estimate, searched_from)


class Found(NamedTuple):
    notes: QuerySet
    estimate: Callable[[], int] | None = None
    searched_from: datetime.datetime | None = None


class NotePage(NamedTuple):
    page: Page
    patient: object  # the patient of `patient_id`, or None
    searched_from: datetime.datetime | None  # when the oldest note looked through was written


def _with_people(notes):
    return notes.select_related("note_type", "author", "signed_by", "cosigner", "cosigned_by")


def note_page(
    *,
    actor,
    patient_id: str = "",
    number=1,
    per_page: int = PER_PAGE,
    strict: bool = False,
    **filters,
) -> NotePage:
    """One page of notes, the patient or None, and where a filtered list across patients
    stopped looking (see _filtered_across_clinic)."""
    patient, on_page = _reach_and_audit(actor, patient_id)
    notes, estimate, searched_from = _note_list(actor=actor, patient=patient, **filters)
    # Across patients the list can hold a clinic's millions (an exact count of 2,000,000 was
    # most of a 120 ms page): counted as the patient list is, "about" past 10,000.
    page = page_of(
        _shown(notes, patient),
        number=number,
        per_page=per_page,
        on_page=on_page,
        strict=strict,
        estimate_count=patient is None,
        estimate=estimate,
        by_id=patient is None,
    )
    return NotePage(page, patient, searched_from)


def note_keyset_page(
    *, actor, patient_id: str = "", cursor: str = "", per_page: int = PER_PAGE, **filters
) -> tuple[list, str | None, datetime.datetime | None]:
    """`note_page` walked by cursor (the API's `?cursor=`): the page's notes, the next page's
    cursor (None on the last) and where the list stopped looking. No count, no OFFSET (page
    4,000 of a clinic's 200,000 notes: 198 ms by OFFSET). A cursor may name any note in reach
    (of the one patient): a note that left the list mid-walk still leads on."""
    patient, on_page = _reach_and_audit(actor, patient_id)
    notes, _estimate, searched_from = _note_list(actor=actor, patient=patient, **filters)
    edges = _notes_in_reach(actor)
    rows, next_cursor = keyset_page(
        _shown(notes, patient),
        cursor=cursor,
        per_page=per_page,
        by_id=True,
        on_page=on_page,
        edges=edges if patient is None else edges.filter(patient_id=patient.pk),
    )
    return rows, next_cursor, searched_from


def _reach_and_audit(actor, patient_id: str):
    """(the patient of `patient_id` or None, the page's audit or None). With `patient_id`: one
    audited read of the patient (404 out of reach, 403 for a role that may not read notes).
    Without: a 403 for such a role, then one 'view' row per patient on the page."""
    if patient_id:
        patient = patient_get(
            actor=actor, id=patient_id, permission=permission_for(actor, "notes.view"),
            detail=gettext_noop("notes list"),
        )  # fmt: skip
        return patient, None
    require(actor, permission_for(actor, "notes.view"))
    return None, audited_by_patient(actor=actor, detail=gettext_noop("notes list"))


def _shown(notes, patient):
    """The list with what its rows show: their people, and their patients across patients."""
    notes = _with_people(notes)
    return notes if patient is not None else notes.select_related("patient")


def note_get(
    *,
    actor,
    id: str,
    permission: str | None = "notes.view",
    audited: bool = True,
    detail: str = "",
) -> Note:
    """One note with its people: 404 out of reach, then 403 unless the role grants
    `permission`, then one audited 'view' (writes pass `audited=False`: they audit themselves)."""
    note = get_in_reach(
        _with_people(_notes_open_to(actor)).select_related("patient", "template"),
        actor=actor,
        id=id,
        permission=permission_for(actor, permission),
    )
    if audited:
        audit(actor=actor, action=Action.VIEW, obj=note, patient_id=note.patient_id, detail=detail)
    return note


def note_export(*, actor, id: str, detail: str = "FHIR DocumentReference") -> Note:
    """A note read in order to leave the system: audited as an export."""
    note = note_get(actor=actor, id=id, audited=False)
    audit(actor=actor, action=Action.EXPORT, obj=note, patient_id=note.patient_id, detail=detail)
    return note


# The lookup through which a note's appointment is checked and linked (the appointments app
# contributes it; without that app a note names no appointment).
APPOINTMENT_TARGET = "appointment"


def appointment_url(note: Note) -> str:
    """The staff page of the note's visit, "" without one (or without the appointments app)."""
    target = attachment_targets.get(APPOINTMENT_TARGET) if note.appointment_id else None
    if target is None or target.url is None:
        return ""
    return target.url(note.appointment_id)


# What an AI-drafted note's [n] markers may cite (ai_assist's chart facts, by their `type`).
CITED_KINDS = {
    "patients.condition": gettext_lazy("Problem"),
    "patients.medication": gettext_lazy("Medication"),
    "patients.allergy": gettext_lazy("Allergy"),
    "labs.result": gettext_lazy("Lab result"),
    "appointments.appointment": gettext_lazy("Appointment"),
    "programs.enrollment": gettext_lazy("Care programme"),
    "messaging.thread": gettext_lazy("Message thread"),
    "notes.note": gettext_lazy("Clinical note"),
}


def ai_sources(note: Note) -> list[dict]:
    """The records an AI-drafted note's [n] markers cite, in order: {"n", "kind", "url"}, the
    url only when it is a page of this site."""
    citations = note.ai_citations if isinstance(note.ai_citations, dict) else {}
    sources = [s for s in citations.get("sources") or [] if isinstance(s, dict)]
    return [
        {
            "n": source.get("n"),
            "kind": CITED_KINDS.get(source.get("type"), _("Record")),
            "url": url if url.startswith("/") and not url.startswith("//") else "",
        }
        for source in sources
        for url in [str(source.get("url") or "")]
    ]


def _addenda():
    return Addendum.objects.select_related("author").order_by("created_at", "id")


def addenda_of(note: Note) -> list[Addendum]:
    """The note's addenda in the order they were added (read as part of the note)."""
    return list(_addenda().filter(note=note))


def with_addenda(notes: QuerySet) -> QuerySet:
    """`notes`, each with `addenda_in_order` (as addenda_of) read in one more query for all
    of them: the record export asked once a note (a patient of 500 notes: 499 queries)."""
    return notes.prefetch_related(
        Prefetch("addenda", queryset=_addenda(), to_attr="addenda_in_order")
    )


def note_history(*, actor, id: str) -> tuple[Note, list[NoteRevision]]:
    """(the note, its draft revisions oldest first): staff only; the read itself is audited."""
    note = note_get(actor=actor, id=id, permission="notes.history", detail=gettext_noop("history"))
    revisions = list(note.revisions.select_related("editor").order_by("created_at", "id"))
    return note, revisions


def revisions_with_changes(revisions: list[NoteRevision]) -> list[dict]:
    """Revisions newest first, each with the names of the sections (and title) it changed."""
    rows, previous = [], None
    for revision in revisions:
        before = {} if previous is None else {s["name"]: s["text"] for s in previous.sections}
        changed = [s["name"] for s in revision.sections if before.get(s["name"]) != s["text"]]
        if previous is not None and previous.title != revision.title:
            changed.insert(0, str(_("Title")))
        rows.append({"revision": revision, "changed": changed, "first": previous is None})
        previous = revision
    return rows[::-1]


def note_types(*, actor, active_only: bool = False):
    require(actor, "notes.view")
    types = in_reach(NoteType.objects.all(), actor=actor, patient=None)
    if active_only:
        types = types.filter(is_active=True)
    return types.order_by("name", "id")


def note_type_get(*, actor, id_or_code: str) -> NoteType | None:
    """A type of the actor's clinic by its id or its code (e.g. "11506-3"), or None."""
    value = (id_or_code or "").strip()[:64]
    if not value:
        return None
    return note_types(actor=actor).filter(Q(pk=value) | Q(code=value)).first()


def template_list(*, actor, active_only: bool = False):
    require(actor, "notes.view")
    templates = in_reach(NoteTemplate.objects.all(), actor=actor, patient=None)
    if active_only:
        templates = templates.filter(is_active=True, note_type__is_active=True)
    return templates.select_related("note_type").order_by("name", "id")


def template_get(*, actor, id: str, permission: str = "notes.view") -> NoteTemplate:
    return get_in_reach(
        NoteTemplate.objects.select_related("note_type"),
        actor=actor,
        id=id,
        permission=permission,
        patient=None,
    )


def cosigner_candidates(*, note):
    """The clinicians who may be asked to co-sign the note: active clinicians of its clinic
    other than its author and the one already asked (asking them again would only notify them
    twice)."""
    users = User.objects.filter(clinic_id=note.clinic_id, role=Role.CLINICIAN, is_active=True)
    users = users.exclude(pk__in=[pk for pk in (note.author_id, note.cosigner_id) if pk])
    return users.order_by("name", "email")


def note_authors(*, actor):
    """Who may write notes in the actor's clinic (the list's author filter)."""
    require(actor, "notes.view")
    return User.objects.filter(
        clinic_id=actor.clinic_id, role__in=[Role.CLINICIAN, Role.NURSE]
    ).order_by("name", "email")


# --- contributed to other pages ------------------------------------------------------------------
def patient_panel(*, actor, patient) -> dict:
    """The patient page's Notes panel: the latest notes (part of the page's audited view)."""
    notes = note_list(actor=actor, patient=patient).select_related("note_type", "author")
    notes = notes.only(  # the columns the panel shows (the ORM spends ~20 µs on each)
        "created_at", "title", "status", "signed_at", "cosigner", "cosigned_at",
        "note_type__name", "author__name", "author__email",
    )  # fmt: skip
    latest = list(notes[: PANEL_SIZE + 1])  # (only the people the panel names are joined)
    return {
        "notes": latest[:PANEL_SIZE],
        "more": len(latest) > PANEL_SIZE,
        "can_write": can(actor, "notes.write"),
    }


# What the home widget shows of a note (not its body, nor the patient's other fields).
WIDGET_COLUMNS = ("title", "updated_at", "patient", "patient__first_name", "patient__last_name")


def widget_lists(*, actor) -> tuple:
    """The actor's drafts, newest first, and the notes waiting for their co-signature, oldest
    request first: each read in the order of its index (note_drafts, note_cosign)."""
    base = in_reach(Note.objects.all(), actor=actor)
    drafts = base.filter(author_id=actor.pk, status=Note.Status.DRAFT)
    awaiting = base.filter(cosigner_id=actor.pk, cosigned_at__isnull=True)
    awaiting_columns = (*WIDGET_COLUMNS, "author", "author__name", "author__email")
    return (
        showing(drafts, WIDGET_COLUMNS).order_by("-updated_at", "-id"),
        showing(awaiting, awaiting_columns).order_by("cosign_requested_at", "id"),
    )


# The lists of "My notes" (the home widget shows the first WIDGET_SIZE of each).
MY_LISTS = ("drafts", "awaiting")


def my_notes_page(*, actor, which: str, number=1) -> Page:
    """One page of the actor's drafts or of the notes awaiting their co-signature (in the
    widget's order), one 'view' row per patient shown: the widget's "more" leads here."""
    require(actor, "notes.write")
    drafts, awaiting = widget_lists(actor=actor)
    rows = awaiting if which == "awaiting" else drafts
    on_page = audited_by_patient(actor=actor, detail=gettext_noop("my notes"))
    return page_of(rows, number=number, on_page=on_page)


def home_widget(*, actor) -> dict:
    """The clinician's home: my drafts, and signed notes waiting for my co-signature."""
    drafts, awaiting = (list(rows[: WIDGET_SIZE + 1]) for rows in widget_lists(actor=actor))
    shown = drafts[:WIDGET_SIZE] + awaiting[:WIDGET_SIZE]
    audit_patients_read(
        actor=actor, patient_ids=[n.patient_id for n in shown], detail=gettext_noop("notes")
    )
    return {
        "drafts": drafts[:WIDGET_SIZE],
        "more_drafts": len(drafts) > WIDGET_SIZE,
        "awaiting": awaiting[:WIDGET_SIZE],
        "more_awaiting": len(awaiting) > WIDGET_SIZE,
    }
