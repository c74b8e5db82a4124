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
from django.utils.translation import gettext_lazy, gettext_noop

from accounts import mfa
from accounts.models import AuditEvent, User, UserManager
from accounts.services import (
    account_save_unless_taken,
    address_holder,
    invitation_send,
    invitation_to_taken_address,
)
from core.audit import audit, audit_patients_read
from core.contributions import patient_has_records
from core.errors import Conflict, ServiceError
from core.events import emit
from core.roles import Role, require
from core.services import model_update, only_fields
from core.transactions import savepoint, unit
from core.words import search_key
from patients import vocabulary
from patients.models import Allergy, AllergyStatus, Medication, Patient
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
    "allergies": ("substance", "code", "reaction", "severity", "status"),
    "conditions": ("name", "code", "code_system", "onset_date", "status"),
    "medications": ("name", "code", "dose", "frequency", "start_date", "end_date", "is_active"),
}
# The fields that name what a record is: the coded list's code follows them.
CODED_NAME = {"allergies": "substance", "medications": "name"}
MRN_WIDTH = 8


def next_mrn(clinic_id) -> str:
    """The clinic's next medical record number: zero-padded so text order is number order."""
    latest = Patient.objects.filter(clinic_id=clinic_id).aggregate(latest=Max("mrn"))["latest"]
    return str(int(latest or 0) + 1).zfill(MRN_WIDTH)


@unit
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
        _refuse_possible_duplicates(
            actor,
            first_name=patient.first_name,
            last_name=patient.last_name,
            date_of_birth=patient.date_of_birth,
        )
    # Two creations at once may draw the same MRN; the unique constraint decides, we retry.
    for _attempt in range(5):
        try:
            with savepoint():
                patient.save(force_insert=True)
            break
        except IntegrityError:
            patient.mrn = next_mrn(actor.clinic_id)
    else:
        raise ValidationError(_("Could not allocate a record number; please try again."))
    audit(actor=actor, action=Action.CREATE, obj=patient, patient_id=patient.pk)
    return patient


def duplicates_shown(*, actor, conflict: Conflict) -> list:
    """The possible duplicates a refused create or edit shows, audited as read: the warning
    names them (name, MRN, birth date), so it counts as seeing them."""
    duplicates = conflict.extra["duplicates"]
    audit_patients_read(
        actor=actor,
        patient_ids=[p.pk for p in duplicates],
        detail=gettext_noop("possible duplicates"),
    )
    return duplicates


def _refuse_possible_duplicates(actor, *, first_name, last_name, date_of_birth, pk=None) -> None:
    """A Conflict carrying the other patients in reach with this name and date of birth."""
    duplicates = list(
        possible_duplicates(
            actor=actor, first_name=first_name, last_name=last_name, date_of_birth=date_of_birth
        )
        .exclude(pk=pk)
        .order_by("mrn")[:MAX_DUPLICATES_SHOWN]
    )
    if duplicates:
        raise Conflict(
            _("A patient with the same name and date of birth already exists."),
            code="duplicate",
            duplicates=duplicates,
        )


@unit
def patient_update(
    *, actor, patient: Patient, confirm_duplicate: bool = False, **fields
) -> Patient:
    """Change demographics. A new name or date of birth that another patient in reach already
    has is a Conflict listing them, as at creation, unless `confirm_duplicate`."""
    require(actor, "patients.update")
    identity = {
        name: fields.get(name, getattr(patient, name))
        for name in ("first_name", "last_name", "date_of_birth")
    }
    renamed = (
        search_key(identity["first_name"]) != patient.first_name_key
        or search_key(identity["last_name"]) != patient.last_name_key
        or identity["date_of_birth"] != patient.date_of_birth
    )
    if renamed and not confirm_duplicate:
        _refuse_possible_duplicates(actor, pk=patient.pk, **identity)
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


PATIENT_ARCHIVED = "patients.archived"  # apps stop what runs for the record (programmes pause)


@unit
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
        if archived:
            emit(PATIENT_ARCHIVED, obj=patient, actor=actor)
    detail = gettext_noop("archived") if archived else gettext_noop("restored")
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


@unit
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
    user: User | None  # None: the address has an account elsewhere; its holder was told
    created: bool  # False: a pending invitation was sent again
    sent: bool  # False: the e-mail did not go out; the account is kept, offer "resend"
    email: str = ""  # where the invitation (or the holder's notice) went


def patient_invitation_message(invitation: Invitation) -> str:
    """The inviter's answer: for a new invitation, the same whether or not the address already
    has an account (a resend is for this record's own pending account)."""
    email = invitation.email
    if not invitation.created:
        if invitation.sent:
            return _("An invitation to the patient app has been sent to %(email)s.") % {
                "email": email
            }
        return _(
            "The patient app account for %(email)s is ready, but the invitation e-mail "
            "could not be sent. Use “Resend the invitation” to try again."
        ) % {"email": email}
    if invitation.sent:
        return _(
            "An invitation to the patient app is on its way to %(email)s. If this address "
            "already has an account, its holder is told instead and no account is created."
        ) % {"email": email}
    return _(
        "The invitation e-mail to %(email)s could not be sent. Invite the patient again "
        "later (or “Resend the invitation” when the record shows one)."
    ) % {"email": email}


PORTAL_LINKED = "patients.portal_linked"  # a record was just given its portal account


@unit
def patient_invite(*, actor, patient: Patient, email: str = "") -> Invitation:
    """Give the patient a portal account and e-mail the link that sets its password; calling it
    again for a pending account resends. The policy when the e-mail fails is
    accounts.services.invitation_send's: the account is kept and `sent` says so.

    An address that already has an account (at another clinic, say) gets a notice to its holder
    and nothing is created or linked here; the inviter's answer is the same as for a new address
    (never branch on `user` in an answer)."""
    require(actor, "patients.invite")
    if patient.is_archived:
        raise ValidationError(_("Restore the record before inviting the patient."))
    user = patient.user
    if user is not None and user.has_usable_password():
        raise ValidationError(_("This patient already has a portal account."))
    created = user is None
    if created:
        address = UserManager.normalize_email(email or patient.email)
        if not address:
            raise ValidationError({"email": _("The patient has no e-mail address.")})
        user = User(
            email=address, name=patient.full_name, role=Role.PATIENT, clinic_id=patient.clinic_id
        )
        user.set_unusable_password()
        user.full_clean(validate_unique=False)
        holder = account_save_unless_taken(user, holder=address_holder(address))
        if holder is not None:
            sent = invitation_to_taken_address(
                actor=actor, holder=holder, kind="patient portal", patient_id=patient.pk
            )
            return Invitation(user=None, created=True, sent=sent, email=address)
        Patient.objects.filter(pk=patient.pk).update(user=user)
        patient.user = user
        emit(PORTAL_LINKED, obj=user, patient=patient)  # messaging starts their unread counts
    sent = invitation_send(
        actor=actor,
        user=user,
        template="patients/email/invitation",
        extra_context={"clinic": patient.clinic, "inviter": actor, "patient_id": patient.pk},
    )
    return Invitation(user=user, created=created, sent=sent, email=user.email)


PATIENT_MFA_RESET_DONE = gettext_lazy(
    "Two-factor authentication is off for the patient's app. They can turn it on again there."
)


def patient_mfa_reset(*, actor, patient: Patient) -> None:
    """The patient lost the phone their app's second factor is on, and its backup codes: the
    clinic removes it, as an admin does a colleague's; they turn it on again in the app."""
    require(actor, "patients.mfa_reset")
    if patient.user is None or not mfa.has_device(patient.user):
        raise Conflict(_("Two-factor authentication is not on for this patient."))
    mfa.mfa_reset(
        actor=actor, user=patient.user, permission="patients.mfa_reset", patient_id=patient.pk
    )


@unit
# --- allergy status and the drug–allergy check --------------------------------------------------
def allergy_status_refresh(patient: Patient) -> str:
    """Keep `allergy_status` true to the allergy list, in one conditional write.

    The first active allergy makes it `has_allergies`; when none is active any more it goes back
    to `unknown` (staff confirm "no known allergies" again: a removed allergy is not an answer).
    """
    has_active = Allergy.objects.filter(
        patient_id=patient.pk, status__in=[Allergy.Status.ACTIVE]
    ).exists()
    if has_active:
        status = AllergyStatus.HAS_ALLERGIES
    elif patient.allergy_status == AllergyStatus.HAS_ALLERGIES:
        status = AllergyStatus.UNKNOWN
    else:
        status = patient.allergy_status
    if status != patient.allergy_status:
        Patient.objects.filter(pk=patient.pk).update(allergy_status=status)
        patient.allergy_status = status
    return status


def allergy_status_set(*, actor, patient: Patient, status: str) -> Patient:
    """Staff record "no known allergies" (asked, none), or go back to "not yet asked"."""
    require(actor, "clinical.edit")
    if status not in (AllergyStatus.NO_KNOWN_ALLERGIES, AllergyStatus.UNKNOWN):
        raise ValidationError(
            {
                "allergy_status": _(
                    "Set “no_known_allergies” or “unknown”; recording an allergy "
                    "sets “has_allergies”."
                )
            }
        )
    if Allergy.objects.filter(patient_id=patient.pk, status__in=[Allergy.Status.ACTIVE]).exists():
        raise Conflict(
            _("The patient has active allergies: resolve or remove them first."),
            code="has_allergies",
        )
    Patient.objects.filter(pk=patient.pk).update(allergy_status=status)
    patient.allergy_status = status
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=patient,
        patient_id=patient.pk,
        detail=f"allergy_status={status}",  # shown as "Allergy status: No known allergies"
    )
    return patient


def allergy_conflicts(*, patient: Patient, name: str, code: str = "") -> list[dict]:
    """The patient's active allergies a medication clashes with (same class, or a possible
    cross-reaction), most severe first."""
    medication = vocabulary.lookup(name, code)
    if medication is None or not medication.drug_class:
        return []
    conflicts = []
    allergies = Allergy.objects.filter(patient_id=patient.pk, status__in=[Allergy.Status.ACTIVE])
    for allergy in allergies:
        found = vocabulary.match(
            allergen=vocabulary.lookup(allergy.substance, allergy.code), medication=medication
        )
        if found is None:
            continue
        conflicts.append(
            {
                "allergy_id": str(allergy.pk),
                "allergen": allergy.substance,
                "severity": allergy.severity,
                "reaction": allergy.reaction,
                "medication": name,
                "drug_class": found.drug_class,
                "kind": found.kind,
                "message": _conflict_message(allergy, medication, found),
            }
        )
    rank = Allergy.SEVERITY_RANK
    return sorted(
        conflicts, key=lambda c: (c["kind"] != vocabulary.SAME_CLASS, rank[c["severity"]])
    )


def _conflict_message(allergy, medication, found) -> str:
    values = {
        "medication": medication.name,
        "allergen": allergy.substance,
        "severity": allergy.get_severity_display().lower(),
        "drug_class": vocabulary.CLASS_LABELS[found.drug_class],
    }
    if found.kind == vocabulary.CROSS_REACTIVITY:
        return (
            _(
                "%(medication)s (%(drug_class)s): possible cross-reactivity with the %(severity)s "
                "allergy to %(allergen)s."
            )
            % values
        )
    return (
        _(
            "%(medication)s is one of the %(drug_class)s: the patient has a %(severity)s "
            "allergy to %(allergen)s."
        )
        % values
    )


def _check_allergies(*, actor, record: Medication, override_reason: str) -> str:
    """Refuse (409 with the conflicts) an active medication that clashes with an active allergy,
    unless a reason to override is given; returns the audit detail of an override."""
    if not record.is_active:
        return ""
    conflicts = allergy_conflicts(patient=record.patient, name=record.name, code=record.code)
    if not conflicts:
        return ""
    override_reason = (override_reason or "").strip()
    if not override_reason:
        raise Conflict(
            _("This medication matches an active allergy. Give a reason to prescribe it anyway."),
            code="allergy",
            conflicts=conflicts,
        )
    record.allergy_override_reason = override_reason[:1000]
    allergens = ", ".join(f"{c['allergen']} ({c['kind']})" for c in conflicts)
    return f"allergy override: {allergens}; reason: {override_reason}"


def _fill_code(kind: str, record, fields: dict) -> None:
    """A name picked from the coded list carries its code; a changed free-text name drops it."""
    name_field = CODED_NAME.get(kind)
    if name_field and name_field in fields and "code" not in fields:
        record.code = vocabulary.code_for(getattr(record, name_field))


@unit
def clinical_create(*, actor, patient: Patient, kind: str, override_reason: str = "", **fields):
    """Record an allergy, problem or medication. A medication that matches an active allergy
    is a Conflict (409, `conflicts`) unless `override_reason` says why; the override is kept on
    the record and audited."""
    require(actor, "clinical.edit")
    record = CLINICAL_MODELS[kind](patient=patient, clinic_id=patient.clinic_id, recorded_by=actor)
    for name, value in only_fields(fields, CLINICAL_FIELDS[kind]).items():
        setattr(record, name, value)
    _fill_code(kind, record, fields)
    record.full_clean()
    override = ""
    if kind == "medications":
        override = _check_allergies(actor=actor, record=record, override_reason=override_reason)
    record.save(force_insert=True)
    audit(actor=actor, action=Action.CREATE, obj=record, patient_id=patient.pk, detail=override)
    if kind == "allergies":
        allergy_status_refresh(patient)
    return record


@unit
def clinical_update(*, actor, record, override_reason: str = "", **fields):
    require(actor, "clinical.edit")
    kind = next(k for k, model in CLINICAL_MODELS.items() if isinstance(record, model))
    record.recorded_by = actor
    only_fields(fields, CLINICAL_FIELDS[kind])
    if CODED_NAME.get(kind) in fields and "code" not in fields:
        fields = {**fields, "code": vocabulary.code_for(fields[CODED_NAME[kind]])}
    override = ""
    if kind == "medications" and ({"name", "code", "is_active"} & set(fields)):
        candidate = Medication(
            patient=record.patient,
            name=fields.get("name", record.name),
            code=fields.get("code", record.code),
            is_active=fields.get("is_active", record.is_active),
        )
        override = _check_allergies(actor=actor, record=candidate, override_reason=override_reason)
        if override:
            fields = {**fields, "allergy_override_reason": candidate.allergy_override_reason}
    allowed = (*CLINICAL_FIELDS[kind], "allergy_override_reason")
    model_update(record, fields=fields, allowed=allowed)
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=record,
        patient_id=record.patient_id,
        detail=override,
    )
    if kind == "allergies":
        allergy_status_refresh(record.patient)
    return record


@unit
def clinical_delete(*, actor, record) -> None:
    require(actor, "clinical.edit")
    audit(actor=actor, action=Action.DELETE, obj=record, patient_id=record.patient_id)
    record.delete()
    if isinstance(record, Allergy):
        allergy_status_refresh(record.patient)
