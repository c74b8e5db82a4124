"""What the files app adds to the rest: the patient page's Files panel, the note page's Files
box, patients as a target files attach to, the admins' quarantine badge on the staff home, and
the quarantine event."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.contributions import (
    Aside,
    AttachmentTarget,
    Backfill,
    NotificationEvent,
    Panel,
    PatientRecords,
    Reconciled,
    RecordPage,
    Service,
    Widget,
    contribute,
)
from core.roles import Role, can
from files import selectors, services
from files.forms import UploadForm
from patients.selectors import patient_get


def patient_target(*, actor, id: str):
    """A patient's record as an attachment target: the patients app's own access call."""
    return patient_get(actor=actor, id=id, audited=False)


def note_files(*, actor, obj) -> dict:
    """The note page's Files box: the files of the note the page let the actor read, and the
    upload form where the notes app lets them attach (a draft: its author only)."""
    target = services.Target(
        type="note", id=str(obj.pk), clinic_id=obj.clinic_id, patient_id=obj.patient_id
    )
    box = selectors.attached_box(actor=actor, target=target)
    if can(actor, "files.upload") and services.may_attach(
        actor, target_type=target.type, target_id=target.id
    ):
        box["upload_form"] = UploadForm(
            categories=selectors.category_list(actor=actor), auto_id="id_note_files_%s"
        )
        box["max_mb"] = settings.FILE_MAX_MB
    return {"note_id": target.id, **box}


def may_use_category(*, actor, category: str) -> bool:
    """Whether the actor's role may upload files of `category`: another app's upload form
    offers files only where the files app would take them (messaging's attachments)."""
    return selectors.may_use_category(actor, category)


def clinic_admins(stored):
    """Who hears of a quarantined file: the clinic's admins (services.file_scan emits it)."""
    return User.objects.filter(clinic_id=stored.clinic_id, role=Role.ADMIN, is_active=True)


def file_link(stored, user) -> str:
    return reverse("files:detail", args=[stored.pk])


contribute(
    "files",
    RecordPage(model="files.StoredFile", url_name="files:detail"),
    Reconciled(model="files.StoredFile"),
    Backfill("files.0005_fill_file_words"),
    # Another app storing an upload under the files app's rules (messaging's reply form).
    Service(key="files.upload", call=services.file_upload),
    Service(key="files.may_use_category", call=may_use_category),
    PatientRecords(key="files", models=("files.StoredFile",)),
    Panel(
        key="files",
        title=_("Files"),
        template="files/panels/files.html",
        permission="files.view",
        order=50,
        context=selectors.patient_panel,
    ),
    Aside(
        key="files.note",
        record="notes.note",
        template="files/asides/note_files.html",
        permission="files.view",
        order=50,
        context=note_files,
    ),
    AttachmentTarget(
        key="patient",
        label=_("Patient record"),
        get=patient_target,
        order=10,
        patients_attach=True,  # their own record
    ),
    Widget(
        key="files_quarantine",
        template="files/widgets/quarantine.html",
        permission="files.quarantine",
        order=90,
        context=selectors.quarantine_widget,
    ),
    NotificationEvent(
        key="files.quarantined",
        label=_("A file was quarantined"),
        description=_("A virus scan found malware in an uploaded file."),
        default_channels=("in_app", "email"),
        mandatory_channels=("in_app",),
        audience=(Role.ADMIN,),
        recipients=clinic_admins,
        link=file_link,
        order=200,
    ),
)
