"""What the notes app adds to the rest: note types and templates for every new clinic, the
patient page's Notes panel, the clinician's home widget (my drafts, awaiting my co-signature),
notes as something files attach to, the notifications it raises, and the demo notes."""

import re

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.contributions import (
    AppPage,
    AttachmentTarget,
    Backfill,
    ChartFact,
    ChartSource,
    ClinicHook,
    FhirResources,
    NotificationEvent,
    Panel,
    PatientRecords,
    Reconciled,
    RecordPage,
    Seeder,
    Service,
    Widget,
    contribute,
)
from core.roles import Role, can
from notes import builtins, demo, fhir, selectors, services
from notes.models import Note
from patients.selectors import patient_get

CHART_NOTES = 20
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# A shared note's page in the patient's app.
APP_PAGE = AppPage(route="api-note", target="note", path="/notes/{id}")


# --- notification events (raised by notes.services) ----------------------------------------------
def _cosigner(note):
    return [note.cosigner] if note.cosigner_id else []


def _patient_user(note):
    return [note.patient.user] if note.patient.user_id else []


def _readable_by_patient(note) -> bool:
    return note.is_signed and note.shared_with_patient


def _note_link(note, user) -> str:
    if user.role == Role.PATIENT:
        return APP_PAGE.api_link(note.pk)
    return reverse("notes:detail", args=[note.pk])


# --- AI assist: signed notes as chart facts, and AI drafts ---------------------------------------
def _sentences(note) -> list[str]:
    text = "\n".join(section.get("text", "") for section in note.sections)
    parts = (part.strip(" -*#\t") for part in SENTENCE_END.split(text))
    return [part for part in parts if len(part.split()) >= 3]


def chart_facts(*, actor, patient, since=None) -> list[ChartFact]:
    """The patient's newest signed notes, with their sentences (for extractive selection);
    read as part of the caller's audited read of the patient."""
    if not can(actor, "notes.view"):
        return []
    notes = selectors.note_list(actor=actor, patient=patient, status=Note.Status.SIGNED)
    if since is not None:
        notes = notes.filter(signed_at__gte=since)
    return [
        ChartFact(
            section="notes",
            text=f"{note.title}, signed {timezone.localdate(note.signed_at).isoformat()}",
            type="notes.note",
            id=str(note.pk),
            url=reverse("notes:detail", args=[note.pk]),
            at=note.signed_at,
            data={"sentences": _sentences(note)},
        )
        for note in notes.select_related("note_type")[:CHART_NOTES]
    ]


def ai_draft_create(*, actor, patient_id: str, sections: list, citations: list, title: str = ""):
    """A draft progress note (SOAP template when the clinic has it) written by AI assist for
    `actor`, labelled AI-drafted with its citations: nothing is signed until they edit and sign
    it. The notes rules apply as to any draft (notes.write, 404/403)."""
    patient = patient_get(actor=actor, id=patient_id, permission="notes.write", audited=False)
    note_type = selectors.note_type_get(actor=actor, id_or_code=builtins.PROGRESS_NOTE)
    template = (
        selectors.template_list(actor=actor, active_only=True)
        .filter(name="SOAP", note_type=note_type)
        .first()
    )
    note = services.note_create(
        actor=actor,
        patient=patient,
        note_type=note_type,
        template=template,
        title=title,
        sections=sections,
    )
    Note.objects.filter(pk=note.pk).update(ai_generated=True, ai_citations=citations)
    note.ai_generated, note.ai_citations = True, citations
    return note


def fhir_resources(*, actor, patient) -> list[dict]:
    """The patient's signed notes (drafts are not yet part of the record) with their addenda,
    for the whole-record export; a patient user gets those shared with them."""
    if not can(actor, selectors.permission_for(actor, "notes.view")):
        return []
    notes = selectors.note_list(actor=actor, patient=patient, status=Note.Status.SIGNED)
    notes = notes.select_related("patient", "note_type", "author", "signed_by", "cosigned_by")
    return [
        fhir.document_reference(note, note.addenda_in_order)
        for note in selectors.with_addenda(notes)
    ]


contribute(
    "notes",
    RecordPage(model="notes.Note", url_name="notes:detail"),
    APP_PAGE,
    Reconciled(model="notes.Note", children=("revisions",)),
    Reconciled(model="notes.Addendum", patient="note__patient"),
    Backfill("notes.0006_note_words"),
    Backfill("notes.0007_common_note_words"),
    ChartSource(key="notes", facts=chart_facts, order=40),
    FhirResources(key="notes", resources=fhir_resources, order=40),
    Service(key="notes.draft_create", call=ai_draft_create),
    PatientRecords(key="notes", models=("notes.Note",)),
    ClinicHook(key="notes.templates", setup=services.clinic_setup),
    Panel(
        key="notes",
        title=_("Notes"),
        template="notes/panels/notes.html",
        permission="notes.view",
        order=20,
        context=selectors.patient_panel,
    ),
    Widget(
        key="notes",
        template="notes/widgets/notes.html",
        permission="notes.write",
        order=15,
        context=selectors.home_widget,
    ),
    AttachmentTarget(
        key="note",
        label=_("Clinical note"),
        get=services.note_for_attachment,
        read=services.note_for_file_list,
        url=lambda pk: reverse("notes:detail", args=[pk]),
        permission="notes.view",
    ),
    Seeder(key="notes", add_arguments=demo.add_arguments, seed=demo.seed, order=40),
    NotificationEvent(
        key=services.EVENT_COSIGN_REQUESTED,
        label=_("Note awaiting your co-signature"),
        description=_("A colleague asked you to co-sign a signed note."),
        default_channels=("in_app", "email"),
        audience=(Role.CLINICIAN,),
        recipients=_cosigner,
        link=_note_link,
        order=40,
    ),
    NotificationEvent(
        key=services.EVENT_SHARED,
        label=_("New note from your clinic"),
        description=_("A signed clinical note was shared with you."),
        default_channels=("in_app", "email", "push"),
        audience=(Role.PATIENT,),
        applies=_readable_by_patient,
        recipients=_patient_user,
        link=_note_link,
        order=41,
    ),
)
