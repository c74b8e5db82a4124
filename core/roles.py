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
