"""Who may do what: the one permission table services ask and templates consult."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Clinic admin")
    CLINICIAN = "clinician", _("Clinician")
    NURSE = "nurse", _("Nurse")
    RECEPTIONIST = "receptionist", _("Receptionist")
    LAB_TECH = "lab_tech", _("Lab technician")
    PATIENT = "patient", _("Patient")


STAFF_ROLES = frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH})
STAFF_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in STAFF_ROLES]

PERMISSIONS: dict[str, frozenset[str]] = {
    # the clinic itself
    "clinic.view": STAFF_ROLES,
    "clinic.update": frozenset({Role.ADMIN}),
    # staff management
    "staff.view": frozenset({Role.ADMIN}),
    "staff.manage": frozenset({Role.ADMIN}),
    # the audit trail
    "audit.view": frozenset({Role.ADMIN}),
    # patients: demographics
    "patients.view": STAFF_ROLES,
    "patients.create": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}),
    "patients.update": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}),
    "patients.archive": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}),
    "patients.delete": frozenset({Role.ADMIN}),
    "patients.invite": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}),
    # a patient who lost the phone of their app's second factor: those who invite them
    "patients.mfa_reset": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}),
    "patients.access_log": frozenset({Role.ADMIN}),
    # patients: the clinical summary (allergies, problems, medications)
    "clinical.view": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "clinical.edit": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    # a patient's own record, through the API
    "own_record.view": frozenset({Role.PATIENT}),
    # labs (receptionists see nothing of labs; patients read their own final results)
    "labs.view": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.LAB_TECH}),
    "labs.catalogue.edit": frozenset({Role.ADMIN}),
    "labs.order": frozenset({Role.ADMIN, Role.CLINICIAN}),
    "labs.collect": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.LAB_TECH}),
    "labs.result.enter": frozenset({Role.ADMIN, Role.NURSE, Role.LAB_TECH}),
    "labs.result.import": frozenset({Role.ADMIN, Role.LAB_TECH}),
    "labs.review": frozenset({Role.ADMIN, Role.CLINICIAN}),
    # recording who was told of a critical value (the lab that found it, or the clinic's staff)
    "labs.critical.communicate": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.LAB_TECH}),
    # the home worklist of orders to collect and to result
    "labs.worklist": frozenset({Role.NURSE, Role.LAB_TECH}),
    # reading results: the lab roles their clinic's, a patient their own final ones (reach decides)
    "labs.result.view": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.LAB_TECH, Role.PATIENT}
    ),
    # files: the Files panel / Documents list and uploading at all, then one row per category
    # saying which staff read and write it (a file of another category is a 403). Patients
    # upload to their own record and read what is shared with them or they uploaded.
    "files.view": STAFF_ROLES | {Role.PATIENT},
    "files.upload": STAFF_ROLES | {Role.PATIENT},
    "files.update": STAFF_ROLES,
    "files.delete": STAFF_ROLES,  # their own uploads
    "files.delete_any": frozenset({Role.ADMIN}),
    "files.restore": frozenset({Role.ADMIN}),
    "files.quarantine": frozenset({Role.ADMIN}),
    "files.categories.manage": frozenset({Role.ADMIN}),
    "files.category.referral": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "files.category.lab_report": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.LAB_TECH}),
    "files.category.imaging": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "files.category.id_insurance": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}
    ),
    "files.category.consent": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}
    ),
    "files.category.photo": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "files.category.other": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "files.category.clinic": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),  # clinic's own
    # clinical notes (receptionists and lab technicians see none; patients read their own
    # signed notes shared with them, under own_record.view)
    "notes.view": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "notes.history": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "notes.write": frozenset({Role.CLINICIAN, Role.NURSE}),
    "notes.cosign": frozenset({Role.CLINICIAN}),
    "notes.templates.edit": frozenset({Role.ADMIN}),
    # appointments: the front desk and providers book for any patient of their clinic; patients
    # their own (reach decides); lab technicians see nothing of the calendar
    "appointments.view": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.PATIENT}
    ),
    "appointments.book": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.PATIENT}
    ),
    "appointments.cancel": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.PATIENT}
    ),
    "appointments.confirm": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.PATIENT}
    ),
    "appointments.reschedule": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}
    ),
    "appointments.attend": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}),
    "appointments.availability.view": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}
    ),
    # providers edit their own hours, admins everyone's (the service checks which)
    "appointments.availability.edit": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "appointments.types.edit": frozenset({Role.ADMIN}),
    "appointments.settings.edit": frozenset({Role.ADMIN}),
    "appointments.feeds": frozenset({Role.CLINICIAN, Role.NURSE, Role.PATIENT}),
    # notifications: everyone their own (bell, preferences, push devices); clinic admins the
    # clinic's webhooks and the list of mail and webhook calls that failed for good (retry)
    "notifications.own": frozenset(Role),
    "webhooks.manage": frozenset({Role.ADMIN}),
    "deliveries.manage": frozenset({Role.ADMIN}),
    # AI assist (ai_assist): summaries, note drafts and explanations for the clinical roles;
    # triage also for the front desk (on the threads they can read); admins configure it;
    # patients only the plain-language explanation of their own final results.
    "ai.use": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "ai.triage": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}),
    "ai.explain": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.PATIENT}),
    "ai.configure": frozenset({Role.ADMIN}),
    # messaging: clinicians, nurses and admins every thread of their clinic; receptionists the
    # appointment and billing threads only (messaging.all_categories decides); lab technicians
    # none; patients their own threads (reach decides), never internal remarks
    "messaging.view": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.PATIENT}
    ),
    "messaging.write": frozenset(
        {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.PATIENT}
    ),
    "messaging.all_categories": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE}),
    "messaging.manage": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST}),
    "messaging.settings.edit": frozenset({Role.ADMIN}),
    # care programmes: admins manage templates; clinicians and nurses enrol, manage and watch
    # dashboards (admins read them); patients their own enrolments and tasks (reach decides;
    # no template is in their reach); receptionists and lab technicians see no programme
    "programs.view": frozenset({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.PATIENT}),
    "programs.templates.edit": frozenset({Role.ADMIN}),
    "programs.enroll": frozenset({Role.CLINICIAN, Role.NURSE}),
    "programs.manage": frozenset({Role.CLINICIAN, Role.NURSE}),
    "programs.tasks.complete": frozenset({Role.CLINICIAN, Role.NURSE, Role.PATIENT}),
}


def can(user, permission: str) -> bool:
    """True when the user's role grants `permission` (a misspelt permission is a KeyError)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in PERMISSIONS[permission]


def require(user, permission: str) -> None:
    """Raise PermissionDenied (a 403 in HTML and API alike) unless the user may."""
    if not can(user, permission):
        raise PermissionDenied(_("Your role does not allow this action."))
