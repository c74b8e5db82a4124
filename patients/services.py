"""Writes to patient records: permission, validation, write, audit — in that order.

A rule broken is a typed error both front doors render: bad input is a ValidationError (400),
possible duplicates a core.errors.Conflict (409) carrying them, a record that may not be
deleted a core.errors.ServiceError (400) whose message says why.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import email_check_available, invitation_send
from core.audit import audit
from core.contributions import patient_has_records
from core.errors import Conflict, ServiceError
from core.roles import Role, require
from core.services import model_update, only_fields
from patients.models import Patient
from patients.selectors import CLINICAL_MODELS, possible_duplicates

Action = AuditEvent.Action
MAX_DUPLICATES_SHOWN = 10

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


def next_mrn(clinic_id) -> str:
    """The clinic's next medical record number: zero-padded so text order is number order."""
    latest = Patient.objects.filter(clinic_id=clinic_id).aggregate(latest=Max("mrn"))["latest"]
    return str(int(latest or 0) + 1).zfill(MRN_WIDTH)


def patient_create(*, actor, confirm_duplicate: bool = False, **fields) -> Patient:
    """A new record with the clinic's next MRN.

    A patient in reach with the same name and date of birth is probably the same person: unless
    `confirm_duplicate`, a Conflict carrying them (`duplicates`, Patient objects) is raised.
    """
    require(actor, "patients.create")
    patient = Patient(clinic=actor.clinic, created_by=actor, updated_by=actor)
    for name, value in only_fields(fields, DEMOGRAPHIC_FIELDS).items():
        setattr(patient, name, value)
    patient.mrn = next_mrn(actor.clinic_id)
    patient.full_clean(exclude=["mrn"])
    if not confirm_duplicate:
        duplicates = list(
            possible_duplicates(
                actor=actor,
                first_name=patient.first_name,
                last_name=patient.last_name,
                date_of_birth=patient.date_of_birth,
            )[:MAX_DUPLICATES_SHOWN]
        )
        if duplicates:
            raise Conflict(
                _("A patient with the same name and date of birth already exists."),
                code="duplicate",
                duplicates=duplicates,
            )
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
    patient.updated_by = actor
    model_update(patient, fields=fields, allowed=DEMOGRAPHIC_FIELDS)
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


def patient_delete_refusal(patient: Patient) -> str:
    """Why this record may not be deleted, or "" when it may: the one statement of the rule
    (the patient page's button, the confirmation page and the delete itself all ask it)."""
    if not patient.is_archived:
        return _("Archive the record before deleting it.")
    if patient_has_records(patient):
        return _("This record holds clinical data, so it can only be archived, not deleted.")
    return ""


def patient_delete(*, actor, patient: Patient) -> None:
    """Clinic admins may delete an archived record that holds no clinical data (e.g. a mistake)."""
    require(actor, "patients.delete")
    refusal = patient_delete_refusal(patient)
    if refusal:
        raise ServiceError(refusal, code="not_deletable")
    audit(actor=actor, action=Action.DELETE, obj=patient, patient_id=patient.pk)
    if patient.user_id:
        User.objects.filter(pk=patient.user_id).update(is_active=False)
    patient.delete()


@dataclass(frozen=True)
class Invitation:
    user: User
    created: bool  # False: a pending invitation was sent again
    sent: bool  # False: the e-mail did not go out; the account is kept, offer "resend"


def patient_invite(*, actor, patient: Patient, email: str = "") -> Invitation:
    """Give the patient a portal account and e-mail the link that sets its password; calling it
    again for a pending account resends. The policy when the e-mail fails is
    accounts.services.invitation_send's: the account is kept and `sent` says so."""
    require(actor, "patients.invite")
    if patient.is_archived:
        raise ValidationError(_("Restore the record before inviting the patient."))
    user = patient.user
    if user is not None and user.has_usable_password():
        raise ValidationError(_("This patient already has a portal account."))
    created = user is None
    if created:
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
    sent = invitation_send(
        actor=actor,
        user=user,
        template="patients/email/invitation",
        extra_context={"clinic": patient.clinic, "inviter": actor, "patient_id": patient.pk},
    )
    return Invitation(user=user, created=created, sent=sent)


def clinical_create(*, actor, patient: Patient, kind: str, **fields):
    require(actor, "clinical.edit")
    record = CLINICAL_MODELS[kind](patient=patient, clinic_id=patient.clinic_id, recorded_by=actor)
    for name, value in only_fields(fields, CLINICAL_FIELDS[kind]).items():
        setattr(record, name, value)
    record.full_clean()
    record.save(force_insert=True)
    audit(actor=actor, action=Action.CREATE, obj=record, patient_id=patient.pk)
    return record


def clinical_update(*, actor, record, **fields):
    require(actor, "clinical.edit")
    kind = next(k for k, model in CLINICAL_MODELS.items() if isinstance(record, model))
    record.recorded_by = actor
    model_update(record, fields=fields, allowed=CLINICAL_FIELDS[kind])
    audit(actor=actor, action=Action.UPDATE, obj=record, patient_id=record.patient_id)
    return record


def clinical_delete(*, actor, record) -> None:
    require(actor, "clinical.edit")
    audit(actor=actor, action=Action.DELETE, obj=record, patient_id=record.patient_id)
    record.delete()
