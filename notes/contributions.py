"""What the notes app adds to the rest: note types and templates for every new clinic, the
patient page's Notes panel, the clinician's home widget (my drafts, awaiting my co-signature),
notes as something files attach to, the notifications it raises, and the demo notes."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.contributions import (
    AttachmentTarget,
    ClinicHook,
    NotificationEvent,
    Panel,
    PatientRecords,
    Seeder,
    Widget,
    contribute,
)
from core.roles import Role
from notes import demo, selectors, services


# --- notification events (raised by notes.services) ----------------------------------------------
def _cosigner(note):
    return [note.cosigner] if note.cosigner_id else []


def _patient_user(note):
    return [note.patient.user] if note.patient.user_id else []


def _readable_by_patient(note) -> bool:
    return note.is_signed and note.shared_with_patient


def _note_link(note, user) -> str:
    if user.role == Role.PATIENT:
        return f"/api/v1/notes/{note.pk}/"
    return reverse("notes:detail", args=[note.pk])


contribute(
    "notes",
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
    AttachmentTarget(key="note", label=_("Clinical note"), get=selectors.note_get_for_attachment),
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
