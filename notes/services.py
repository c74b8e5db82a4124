"""Writes to clinical notes: create, save a draft, sign, co-sign, share, addenda; types and
templates. Each checks the role, validates, writes with one conditional update, and audits.

The lock itself is in notes.models (every door goes through it); the services turn the rules
into the errors users see: 409 for a change to a signed note, 403 for a draft that is not
yours, 400 for bad input.
"""

from contextlib import suppress

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import AuditEvent
from core.audit import audit
from core.contributions import attachment_targets
from core.errors import Conflict
from core.events import emit
from core.models import validate_no_direction_overrides
from core.roles import require
from core.services import model_update
from core.transactions import savepoint, unit
from core.words import indexed_words
from notes import builtins
from notes.models import (
    COMMON_FROM,
    Addendum,
    CommonNoteWord,
    Note,
    NoteLocked,
    NoteRevision,
    NoteTemplate,
    NoteType,
    NoteWord,
    search_text_of,
)
from notes.selectors import APPOINTMENT_TARGET, cosigner_candidates, note_get

Action = AuditEvent.Action
MAX_SECTIONS = 40
MAX_SECTION_NAME = 100
MAX_SECTION_TEXT = 100_000
MAX_ADDENDUM = 20_000
# Autosaves by the same person within this many seconds fold into their latest revision.
AUTOSAVE_WINDOW = 60
# Notification events (declared in notes/contributions.py).
EVENT_COSIGN_REQUESTED = "notes.cosign_requested"
EVENT_SHARED = "notes.shared_with_patient"


# --- new clinics ---------------------------------------------------------------------------------
@unit
def clinic_setup(*, clinic) -> None:
    """The built-in note types and the SOAP, H&P and telephone templates; idempotent."""
    have = set(NoteType.objects.filter(clinic=clinic).values_list("code", flat=True))
    NoteType.objects.bulk_create(
        NoteType(clinic=clinic, code=code, name=name, is_loinc=True)
        for code, name in builtins.NOTE_TYPES
        if code not in have
    )
    types = {t.code: t for t in NoteType.objects.filter(clinic=clinic)}
    named = set(NoteTemplate.objects.filter(clinic=clinic).values_list("name", flat=True))
    NoteTemplate.objects.bulk_create(
        NoteTemplate(
            clinic=clinic,
            note_type=types[code],
            name=name,
            sections=[{"name": section, "text": text} for section, text in sections],
        )
        for name, code, sections in builtins.TEMPLATES
        if name not in named and code in types
    )


# --- sections ------------------------------------------------------------------------------------
def clean_sections(sections, *, allowed: list[str] | None = None) -> list[dict]:
    """Ordered `[{"name", "text"}]`, names unique and (with a template) among its sections."""
    if not isinstance(sections, list | tuple):
        raise ValidationError({"sections": _("A list of sections, each with a name and a text.")})
    if len(sections) > MAX_SECTIONS:
        raise ValidationError({"sections": _("At most %d sections.") % MAX_SECTIONS})
    cleaned, seen = [], set()
    for section in sections:
        if not isinstance(section, dict) or not isinstance(section.get("name"), str):
            raise ValidationError({"sections": _("Each section has a name and a text.")})
        name = section["name"].strip()
        text = section.get("text", "")
        if not isinstance(text, str):
            raise ValidationError({"sections": _("The text of %s is not text.") % name})
        if not name or len(name) > MAX_SECTION_NAME:
            raise ValidationError(
                {"sections": _("A section name is 1 to %d characters.") % MAX_SECTION_NAME}
            )
        if len(text) > MAX_SECTION_TEXT:
            too_long = _(
                "The section %(name)s is %(length)s characters long: a section holds at most "
                "%(limit)s. Move some of it to another section or an addendum."
            )
            raise ValidationError(
                {
                    "sections": too_long
                    % {
                        "name": name,
                        "length": number_format(len(text), force_grouping=True),
                        "limit": number_format(MAX_SECTION_TEXT, force_grouping=True),
                    }
                }
            )
        _refuse_bidi_controls(name, text)
        if allowed is not None and name not in allowed:
            raise ValidationError(
                {
                    "sections": _("Unknown section: %(name)s. This template has: %(allowed)s.")
                    % {"name": name, "allowed": ", ".join(allowed)}
                }
            )
        if name in seen:
            raise ValidationError({"sections": _("The section %s appears twice.") % name})
        seen.add(name)
        cleaned.append({"name": name, "text": text})
    return cleaned


def _refuse_bidi_controls(name: str, text: str) -> None:
    """A section whose text would display in another order than it is stored (and signed)."""
    try:
        validate_no_direction_overrides(name + text)
    except ValidationError:
        raise ValidationError(
            {
                "sections": _(
                    "The section %s holds invisible text-direction characters (pasted from "
                    "another program). Remove them and save again."
                )
                % name
            }
        ) from None


def _clean_title(title: str) -> str:
    """The title as shown in every list: refused if it would display reordered."""
    try:
        validate_no_direction_overrides(title)
    except ValidationError as exc:
        raise ValidationError({"title": exc.messages}) from None
    return title[:200]


def _index_words(note: Note, *, before: str = "") -> None:
    """Bring the word index from the words of `before` (the note's old search_text) to its
    current ones, writing only the words that came or went. A word now in more than
    COMMON_FROM of the clinic's notes becomes common and leaves the index."""
    old, new = indexed_words(before), indexed_words(note.search_text)
    clinic_words = NoteWord.objects.filter(clinic_id=note.clinic_id)
    if old - new:
        clinic_words.filter(word__in=sorted(old - new), note_id=note.pk).delete()
    added = new - old
    if not added:
        return
    common = CommonNoteWord.objects.filter(clinic_id=note.clinic_id, word__in=sorted(added))
    rare = sorted(added - set(common.values_list("word", flat=True)))
    NoteWord.objects.bulk_create(
        NoteWord(clinic_id=note.clinic_id, note_id=note.pk, word=word) for word in rare
    )
    # Each rare word is in at most COMMON_FROM (and this) notes: a count bounded by that.
    counted = clinic_words.filter(word__in=rare).values("word").annotate(notes=Count("pk"))
    for word in counted.filter(notes__gt=COMMON_FROM).values_list("word", flat=True):
        word_made_common(clinic_id=note.clinic_id, word=word)


def word_made_common(*, clinic_id, word: str) -> None:
    """`word` is in more than COMMON_FROM of the clinic's notes: marked common (for good), its
    notes leave the word index."""
    with suppress(IntegrityError), savepoint():  # or another save made it common first
        CommonNoteWord.objects.create(clinic_id=clinic_id, word=word)
    NoteWord.objects.filter(clinic_id=clinic_id, word=word).delete()


def _starter_sections(template: NoteTemplate | None) -> list[dict]:
    if template is None:
        return [{"name": _("Note"), "text": ""}]
    return [{"name": s["name"], "text": s.get("text", "")} for s in template.sections]


def _allowed_sections(note_or_template) -> list[str] | None:
    template = getattr(note_or_template, "template", note_or_template)
    return template.section_names if template is not None else None


# --- appointments (an optional app, reached through its contributed lookup) ----------------------
def _appointment_check(*, actor, patient, appointment_id: str) -> str:
    """The appointment id if it is one of this patient's, in the actor's reach; else a 400."""
    appointment_id = (appointment_id or "").strip()
    if not appointment_id:
        return ""
    lookup = attachment_targets.get(APPOINTMENT_TARGET)
    if lookup is None:
        raise ValidationError({"appointment": _("Appointments are not available.")})
    try:
        appointment = lookup.get(actor=actor, id=appointment_id)
    except (Http404, PermissionDenied):
        raise ValidationError({"appointment": _("Unknown appointment.")}) from None
    if str(appointment.patient_id) != str(patient.pk):
        raise ValidationError({"appointment": _("That appointment is for another patient.")})
    return str(appointment.pk)


# --- notes ---------------------------------------------------------------------------------------
def _same_clinic(actor, *records) -> None:
    """Records named by the caller (already read through selectors) belong to the actor's clinic."""
    for record in records:
        if record is not None and record.clinic_id != actor.clinic_id:
            raise ValidationError(_("That record belongs to another clinic."))


@unit
def note_create(
    *,
    actor,
    patient,
    note_type: NoteType,
    template: NoteTemplate | None = None,
    title: str = "",
    sections: list | None = None,
    appointment_id: str = "",
    shared_with_patient: bool = False,
) -> Note:
    """A new draft by `actor`: the template's sections (with their starter text) unless given."""
    require(actor, "notes.write")
    _same_clinic(actor, patient, note_type, template)
    if template is not None and template.note_type_id != note_type.pk:
        raise ValidationError({"template": _("That template is for another type of note.")})
    if not note_type.is_active or (template is not None and not template.is_active):
        raise ValidationError(_("That type or template is no longer in use."))
    sections = (
        _starter_sections(template)
        if sections is None
        else clean_sections(sections, allowed=_allowed_sections(template))
    )
    title = (title or "").strip() or (template.name if template else note_type.name)
    note = Note(
        clinic_id=patient.clinic_id,
        patient=patient,
        note_type=note_type,
        template=template,
        author=actor,
        appointment_id=_appointment_check(
            actor=actor, patient=patient, appointment_id=appointment_id
        ),
        title=_clean_title(title),
        sections=sections,
        shared_with_patient=bool(shared_with_patient),
        search_text=search_text_of(title, sections),
    )
    note.full_clean()
    note.save(force_insert=True)
    _index_words(note)
    _revision(note, editor=actor, autosave=False)
    audit(actor=actor, action=Action.CREATE, obj=note, patient_id=note.patient_id)
    return note


class NotTheAuthor(PermissionDenied):
    """A 403 about whose note it is, not about the role: pages say so instead of the role text."""


def _require_author(actor, note: Note, doing: str = "", *, refusal: str = "") -> None:
    if note.author_id != actor.pk:
        raise NotTheAuthor(
            refusal or _("Only the author of a note %(doing)s it.") % {"doing": doing}
        )


def note_for_attachment(*, actor, id: str) -> Note:
    """The files app's access call for a note's files: a draft's files are its author's to add
    or remove, like its text; once signed, anyone who may read the note adds files beside it."""
    note = note_get(actor=actor, id=id, audited=False)
    if not note.is_signed:
        _require_author(
            actor,
            note,
            refusal=_("Only the author of a draft note may attach files to it or remove them."),
        )
    return note


def note_for_file_list(*, actor, id: str) -> Note:
    """The files app's read call for a note's files: whoever may read the note sees them."""
    return note_get(actor=actor, id=id, audited=False)


def may_share(actor, note: Note) -> bool:
    """Whether a draft will reach the patient is its author's call, like its text; once signed,
    the note belongs to the clinic's record and any writer may share it or stop."""
    return note.is_signed or note.author_id == actor.pk


def _require_draft(note: Note) -> None:
    if note.is_signed:
        raise NoteLocked()


@unit
def note_update(
    *,
    actor,
    note: Note,
    version: int | None = None,
    autosave: bool = False,
    **fields,
) -> Note:
    """Save the author's draft (title, sections, appointment, sharing); one revision per save.

    `version` is the version the editor started from: when the draft has moved on since (a save
    from another tab), nothing is written and the answer is a 409 with the current version.
    """
    require(actor, "notes.write")
    _require_draft(note)
    _require_author(actor, note, _("edits"))
    allowed = {"title", "sections", "appointment_id", "shared_with_patient"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    if version is not None and version != note.version:
        raise _changed_elsewhere(note)
    title = note.title
    if "title" in fields:
        title = (fields["title"] or "").strip()
        if not title:
            raise ValidationError({"title": _("Give the note a title.")})
        title = _clean_title(title)
    sections = note.sections
    if "sections" in fields:
        sections = clean_sections(fields["sections"], allowed=_allowed_sections(note))
    appointment_id = note.appointment_id
    if "appointment_id" in fields:
        appointment_id = _appointment_check(
            actor=actor, patient=note.patient, appointment_id=fields["appointment_id"]
        )
    content_changed = (title, sections, appointment_id) != (
        note.title,
        note.sections,
        note.appointment_id,
    )
    if content_changed:
        now = timezone.now()
        before, search_text = note.search_text, search_text_of(title, sections)
        written = Note.objects.filter(pk=note.pk, version=note.version).update(
            title=title,
            sections=sections,
            appointment_id=appointment_id,
            search_text=search_text,
            version=note.version + 1,
            updated_at=now,
        )
        if not written:
            raise _changed_elsewhere(note)
        note.title, note.sections, note.appointment_id = title, sections, appointment_id
        note.search_text = search_text
        _index_words(note, before=before)
        note.version += 1
        note.updated_at = now
        _revision(note, editor=actor, autosave=autosave)
        audit(
            actor=actor,
            action=Action.UPDATE,
            obj=note,
            patient_id=note.patient_id,
            detail=gettext_noop("autosave") if autosave else gettext_noop("draft saved"),
        )
    if "shared_with_patient" in fields:
        note = note_share(actor=actor, note=note, shared=bool(fields["shared_with_patient"]))
    return note


def _changed_elsewhere(note: Note) -> Conflict:
    current = Note.objects.filter(pk=note.pk).values("status", "version").first() or {}
    if current.get("status") == Note.Status.SIGNED:
        return NoteLocked()
    return Conflict(
        _("This draft was saved elsewhere since you opened it. Reload it to see the latest text."),
        code="version_conflict",
        current_version=current.get("version"),
    )


def _revision(note: Note, *, editor, autosave: bool) -> None:
    """Keep the draft as this save left it (autosaves fold into the editor's last minute)."""
    latest = note.revisions.order_by("-created_at", "-id").first()
    recent = (
        latest is not None
        and (timezone.now() - latest.updated_at).total_seconds() < AUTOSAVE_WINDOW
    )
    if autosave and recent and latest.autosave and latest.editor_id == editor.pk:
        NoteRevision.objects.filter(pk=latest.pk).update(
            version=note.version,
            title=note.title,
            sections=note.sections,
            updated_at=timezone.now(),
        )
        return
    NoteRevision.objects.create(
        note=note,
        clinic_id=note.clinic_id,
        editor=editor,
        version=note.version,
        title=note.title,
        sections=note.sections,
        autosave=autosave,
    )


def is_empty(note: Note) -> bool:
    """Nothing written: every section blank, or exactly the template's starter text."""
    texts = [s["text"].strip() for s in note.sections]
    if not any(texts):
        return True
    if note.template is None:
        return False
    starters = note.section_prompts
    return all(starters.get(s["name"], "") == s["text"].strip() for s in note.sections)


def sections_left_as_prompt(note: Note) -> list[str]:
    """The sections still holding only their template's prompt: signed, it would read as a
    finding."""
    prompts = note.section_prompts
    return [
        s["name"]
        for s in note.sections
        if prompts.get(s["name"]) and s["text"].strip() == prompts[s["name"]]
    ]


@unit
def note_sign(*, actor, note: Note, version: int | None = None) -> Note:
    """The author signs their draft: from now on it never changes (notes.models)."""
    require(actor, "notes.write")
    _require_draft(note)
    _require_author(actor, note, _("signs"))
    if version is not None and version != note.version:
        raise _changed_elsewhere(note)
    if is_empty(note):
        raise ValidationError(_("This note is empty: write something before signing it."))
    _clean_title(note.title)
    for section in note.sections:  # a draft saved before the check existed
        _refuse_bidi_controls(section["name"], section["text"])
    prompted = sections_left_as_prompt(note)
    if prompted:
        raise ValidationError(
            _(
                "These sections still hold only the template's prompt: %(sections)s. "
                "Write them or clear them before signing."
            )
            % {"sections": ", ".join(prompted)}
        )
    now = timezone.now()
    written = Note.objects.filter(pk=note.pk, version=note.version).update(
        status=Note.Status.SIGNED, signed_by=actor, signed_at=now, updated_at=now
    )
    if not written:
        raise _changed_elsewhere(note)
    note.status, note.signed_by, note.signed_at, note.updated_at = (
        Note.Status.SIGNED,
        actor,
        now,
        now,
    )
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=note,
        patient_id=note.patient_id,
        detail=gettext_noop("signed"),
    )
    emit(EVENT_SHARED, obj=note)  # the patient can read it now, if it is shared
    return note


@unit
def note_request_cosign(*, actor, note: Note, cosigner_id: str) -> Note:
    """The author asks a clinician of the clinic to co-sign the signed note."""
    require(actor, "notes.write")
    if not note.is_signed:
        raise Conflict(_("Sign the note before asking for a co-signature."), code="not_signed")
    _require_author(actor, note, _("asks for a co-signature on"))
    if note.cosigned_at is not None:
        raise NoteLocked(_("This note has already been co-signed."))
    if note.cosigner_id is not None and str(cosigner_id) == str(note.cosigner_id):
        raise _already_asked(note.cosigner)
    candidates = cosigner_candidates(note=note)
    cosigner = candidates.filter(pk=str(cosigner_id or "")[:64]).first()
    if cosigner is None:
        raise ValidationError(
            {
                "cosigner": _("Choose another clinician of this clinic to co-sign.")
                if candidates.exists()
                else _("No other clinician in this clinic can co-sign.")
            }
        )
    now = timezone.now()
    # Conditional, so that a request sent twice at once (a double click, two tabs) asks once.
    written = (
        Note.objects.filter(pk=note.pk, cosigned_at__isnull=True)
        .exclude(cosigner=cosigner)
        .update(cosigner=cosigner, cosign_requested_at=now, updated_at=now)
    )
    if not written:
        if Note.objects.filter(pk=note.pk, cosigned_at__isnull=False).exists():
            raise NoteLocked(_("This note has already been co-signed."))
        raise _already_asked(cosigner)
    note.cosigner, note.cosign_requested_at, note.updated_at = cosigner, now, now
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=note,
        patient_id=note.patient_id,
        detail=f"co-signature requested from {cosigner.email}",
    )
    emit(EVENT_COSIGN_REQUESTED, obj=note)
    return note


def _already_asked(cosigner) -> Conflict:
    """Asking the same clinician again would only send them the same notification twice."""
    return Conflict(
        _("%(name)s has already been asked to co-sign this note.")
        % {"name": cosigner.name or cosigner.email},
        code="already_asked",
    )


@unit
def note_cosign(*, actor, note: Note) -> Note:
    """The requested co-signer co-signs; the note then carries both signatures."""
    require(actor, "notes.cosign")
    if note.cosigner_id != actor.pk:
        raise PermissionDenied(_("Only the clinician asked to co-sign this note may co-sign it."))
    if note.cosigned_at is not None:
        raise NoteLocked(_("This note has already been co-signed."))
    now = timezone.now()
    Note.objects.filter(pk=note.pk, cosigner=actor).update(
        cosigned_by=actor, cosigned_at=now, updated_at=now
    )
    note.cosigned_by, note.cosigned_at, note.updated_at = actor, now, now
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=note,
        patient_id=note.patient_id,
        detail=gettext_noop("co-signed"),
    )
    return note


@unit
def note_share(*, actor, note: Note, shared: bool) -> Note:
    """Share the note with the patient, or stop: who may read it changes, not what it says.

    A draft is shared once signed: the patient reads signed notes only.
    """
    require(actor, "notes.write")
    if not may_share(actor, note):
        raise NotTheAuthor(
            _("Only the author of a draft decides whether it is shared with the patient.")
        )
    shared = bool(shared)
    if shared == note.shared_with_patient:
        return note
    now = timezone.now()
    Note.objects.filter(pk=note.pk).update(shared_with_patient=shared, updated_at=now)
    note.shared_with_patient, note.updated_at = shared, now
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=note,
        patient_id=note.patient_id,
        detail=gettext_noop("shared with the patient")
        if shared
        else gettext_noop("no longer shared with the patient"),
    )
    if shared:
        emit(EVENT_SHARED, obj=note)
    return note


@unit
def addendum_add(*, actor, note: Note, text: str) -> Addendum:
    """A later addition to a signed note, kept under it in order."""
    require(actor, "notes.write")
    if not note.is_signed:
        raise Conflict(
            _("A draft is edited directly; addenda are for signed notes."), code="not_signed"
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the addendum.")})
    if len(text) > MAX_ADDENDUM:
        raise ValidationError({"text": _("At most %d characters.") % MAX_ADDENDUM})
    try:
        ProhibitNullCharactersValidator()(text)
        validate_no_direction_overrides(text)
    except ValidationError as exc:
        raise ValidationError({"text": exc.messages}) from None
    addendum = Addendum(note=note, clinic_id=note.clinic_id, author=actor, text=text)
    addendum.save(force_insert=True)
    audit(
        actor=actor,
        action=Action.CREATE,
        obj=addendum,
        patient_id=note.patient_id,
        detail=gettext_noop("addendum"),
    )
    return addendum


# --- types and templates (clinic admins) ---------------------------------------------------------
@unit
def note_type_create(*, actor, code: str, name: str) -> NoteType:
    require(actor, "notes.templates.edit")
    note_type = NoteType(clinic_id=actor.clinic_id, code=(code or "").strip(), name=name.strip())
    note_type.full_clean()
    note_type.save(force_insert=True)
    audit(actor=actor, action=Action.CREATE, obj=note_type)
    return note_type


@unit
def template_create(
    *, actor, note_type: NoteType, name: str, sections: list, is_active: bool = True
) -> NoteTemplate:
    require(actor, "notes.templates.edit")
    _same_clinic(actor, note_type)
    template = NoteTemplate(
        clinic_id=actor.clinic_id,
        note_type=note_type,
        name=(name or "").strip(),
        sections=_template_sections(sections),
        is_active=is_active,
    )
    template.full_clean()
    template.save(force_insert=True)
    audit(actor=actor, action=Action.CREATE, obj=template)
    return template


@unit
def template_update(*, actor, template: NoteTemplate, **fields) -> NoteTemplate:
    """Change a template; notes already written keep the sections they were given."""
    require(actor, "notes.templates.edit")
    if "sections" in fields:
        fields["sections"] = _template_sections(fields["sections"])
    if "note_type" in fields:
        _same_clinic(actor, fields["note_type"])
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    changed = model_update(
        template, fields=fields, allowed={"name", "note_type", "sections", "is_active"}
    )
    if changed:
        audit(actor=actor, action=Action.UPDATE, obj=template, detail=", ".join(changed))
    return template


def _template_sections(sections) -> list[dict]:
    cleaned = clean_sections(sections)
    if not cleaned:
        raise ValidationError({"sections": _("A template has at least one section.")})
    return cleaned
