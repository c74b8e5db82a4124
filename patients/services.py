"""Writes to patient records: permission, validation, write, audit — in that order."""

import logging
import smtplib

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.emails import send_password_link
from accounts.models import AuditEvent, User
from accounts.services import email_check_available
from core.audit import audit
from core.roles import Role, require
from patients.models import Patient
from patients.selectors import CLINICAL_MODELS

Action = AuditEvent.Action
logger = logging.getLogger(__name__)

DEMOGRAPHIC_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "preferred_language",
    "staff_notes",
)
CLINICAL_FIELDS = {
    "allergies": ("substance", "reaction", "severity", "status"),
    "conditions": ("name", "code", "code_system", "onset_date", "status"),
    "medications": ("name", "dose", "frequency", "start_date", "end_date", "is_active"),
}
MRN_WIDTH = 8


def _only(fields: dict, allowed) -> dict:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    return fields


def next_mrn(clinic_id) -> str:
    """The clinic's next medical record number: zero-padded so text order is number order."""
    latest = Patient.objects.filter(clinic_id=clinic_id).aggregate(latest=Max("mrn"))["latest"]
    return str(int(latest or 0) + 1).zfill(MRN_WIDTH)


def patient_create(*, actor, **fields) -> Patient:
    require(actor, "patients.create")
    patient = Patient(clinic=actor.clinic, created_by=actor, updated_by=actor)
    for name, value in _only(fields, DEMOGRAPHIC_FIELDS).items():
        setattr(patient, name, value)
    patient.mrn = next_mrn(actor.clinic_id)
    patient.full_clean(exclude=["mrn"])
    # Two creations at once may draw the same MRN; the unique constraint decides, we retry.
    for _attempt in range(5):
        try:
            patient.save(force_insert=True)
            break
        except IntegrityError:
            patient.mrn = next_mrn(actor.clinic_id)
    else:
        raise ValidationError(_("Could not allocate a record number; please try again."))
    audit(actor=actor, action=Action.CREATE, obj=patient, patient_id=patient.pk)
    return patient


def patient_update(*, actor, patient: Patient, **fields) -> Patient:
    require(actor, "patients.update")
    for name, value in _only(fields, DEMOGRAPHIC_FIELDS).items():
        setattr(patient, name, value)
    patient.updated_by = actor
    patient.full_clean()
    patient.save()
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=patient,
        patient_id=patient.pk,
        detail=", ".join(sorted(fields)),
    )
    return patient


def patient_set_archived(*, actor, patient: Patient, archived: bool, reason: str = "") -> Patient:
    """Archive (instead of deleting) or restore a record; its data stays as it was."""
    require(actor, "patients.archive")
    if patient.is_archived != archived:
        # QuerySet.update() skips auto_now: the change time and author are set explicitly.
        now = timezone.now()
        Patient.objects.filter(pk=patient.pk).update(
            is_archived=archived, updated_by=actor, updated_at=now
        )
        patient.is_archived, patient.updated_by, patient.updated_at = archived, actor, now
    detail = "archived" if archived else "restored"
    reason = (reason or "").strip()
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=patient,
        patient_id=patient.pk,
        detail=f"{detail}: {reason}" if reason else detail,
    )
    return patient


def has_clinical_data(patient: Patient) -> bool:
    return any(model.objects.filter(patient=patient).exists() for model in CLINICAL_MODELS.values())


def patient_delete(*, actor, patient: Patient) -> None:
    """Clinic admins may delete an archived record that holds no clinical data (e.g. a mistake)."""
    require(actor, "patients.delete")
    if not patient.is_archived:
        raise ValidationError(_("Archive the record before deleting it."))
    if has_clinical_data(patient):
        raise ValidationError(
            _("This record holds clinical data, so it can only be archived, not deleted.")
        )
    patient_id = patient.pk
    audit(actor=actor, action=Action.DELETE, obj=patient, patient_id=patient_id)
    if patient.user_id:
        User.objects.filter(pk=patient.user_id).update(is_active=False)
    patient.delete()


def patient_invite(*, actor, patient: Patient, email: str = "") -> User:
    """Give the patient a portal account: an e-mailed link sets its password (like a reset)."""
    require(actor, "patients.invite")
    if patient.is_archived:
        raise ValidationError(_("Restore the record before inviting the patient."))
    user = patient.user
    if user is not None and user.has_usable_password():
        raise ValidationError(_("This patient already has a portal account."))
    if user is None:
        address = email_check_available(email or patient.email)
        if not address:
            raise ValidationError({"email": _("The patient has no e-mail address.")})
        user = User(
            email=address, name=patient.full_name, role=Role.PATIENT, clinic_id=patient.clinic_id
        )
        user.set_unusable_password()
        user.full_clean()
        try:
            user.save(force_insert=True)
        except IntegrityError:
            raise ValidationError({"email": _("An account with this e-mail already exists.")})
        Patient.objects.filter(pk=patient.pk).update(user=user)
        patient.user = user
    try:
        send_password_link(
            user,
            template="patients/email/invitation",
            extra_context={"clinic": patient.clinic, "inviter": actor},
        )
    except (smtplib.SMTPException, OSError):
        logger.exception("Patient invitation could not be sent (patient %s)", patient.pk)
        raise ValidationError(_("The invitation e-mail could not be sent. Try again later."))
    audit(actor=actor, action=Action.INVITE, obj=patient, patient_id=patient.pk)
    return user


def clinical_create(*, actor, patient: Patient, kind: str, **fields):
    require(actor, "clinical.edit")
    record = CLINICAL_MODELS[kind](patient=patient, clinic_id=patient.clinic_id, recorded_by=actor)
    for name, value in _only(fields, CLINICAL_FIELDS[kind]).items():
        setattr(record, name, value)
    record.full_clean()
    record.save(force_insert=True)
    audit(actor=actor, action=Action.CREATE, obj=record, patient_id=patient.pk)
    return record


def clinical_update(*, actor, record, **fields):
    require(actor, "clinical.edit")
    kind = next(k for k, model in CLINICAL_MODELS.items() if isinstance(record, model))
    for name, value in _only(fields, CLINICAL_FIELDS[kind]).items():
        setattr(record, name, value)
    record.recorded_by = actor
    record.full_clean()
    record.save()
    audit(actor=actor, action=Action.UPDATE, obj=record, patient_id=record.patient_id)
    return record


def clinical_delete(*, actor, record) -> None:
    require(actor, "clinical.edit")
    audit(actor=actor, action=Action.DELETE, obj=record, patient_id=record.patient_id)
    record.delete()
