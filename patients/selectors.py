"""Reads of patient data: always scoped to what the actor may see, and audited."""

import datetime
import re

from django.db.models import Q

from accounts.models import AuditEvent
from accounts.selectors import audit_events_for_patient
from clinics.tenancy import get_or_404, scope_to_clinic
from core.audit import audit
from core.roles import Role, can, require
from patients.models import Allergy, Condition, Medication, Patient, phone_digits, search_key

SORTS = {
    "name": ["last_name_key", "first_name_key", "id"],
    "-name": ["-last_name_key", "-first_name_key", "-id"],
    "dob": ["date_of_birth", "id"],
    "-dob": ["-date_of_birth", "-id"],
    "mrn": ["mrn"],
    "-mrn": ["-mrn"],
    "created": ["created_at", "id"],
    "-created": ["-created_at", "-id"],
}
STATUSES = ("active", "archived", "all")
CLINICAL_MODELS = {"allergies": Allergy, "conditions": Condition, "medications": Medication}
Action = AuditEvent.Action


def patients_in_reach(*, actor):
    """Every patient the actor may read: their clinic's (staff) or their own (patients)."""
    if getattr(actor, "role", None) == Role.PATIENT:
        require(actor, "own_record.view")
        return Patient.objects.filter(user=actor, is_archived=False)
    require(actor, "patients.view")
    return scope_to_clinic(Patient.objects.all(), actor)


def _range(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, written as a range so both backends use the index."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\uffff"})


def _parse_date(text: str) -> datetime.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def search_filter(query: str) -> Q:
    """What the free-text search means: a date of birth, an MRN, a phone, an e-mail, or a name.

    Names match by the start of any part (first, last or preferred name), every word must match,
    case and accents ignored: "jo smi" finds "Jo Smith" and "Smith, Joanna".
    """
    query = query.strip()
    if not query:
        return Q()
    born = _parse_date(query)
    if born:
        return Q(date_of_birth=born)
    if "@" in query:
        return _range("email_key", query.lower())
    digits = phone_digits(query)
    if digits and re.fullmatch(r"[0-9 ()+\-.]+", query):
        mrn_or_phone = Q(mrn=query.strip()) | _range("mrn", digits)
        return mrn_or_phone | _range("phone_key", digits) if len(digits) >= 6 else mrn_or_phone
    condition = Q()
    for word in search_key(query).replace(",", " ").split():
        condition &= (
            _range("last_name_key", word)
            | _range("first_name_key", word)
            | _range("preferred_name_key", word)
        )
    return condition


def patient_list(
    *,
    actor,
    search: str = "",
    status: str = "active",
    sort: str = "name",
    audited: bool = False,
):
    """The patients the actor may see, searched, filtered and sorted.

    `audited=True` records the read of the list as one audit row (no patient id; the search
    text in the detail), for callers that show the list itself, such as the API.
    """
    patients = patients_in_reach(actor=actor)
    # `__in` rather than `=`: SQLite matches `IN (0)` to the (clinic, is_archived, ...) indexes
    # but not the `NOT is_archived` that `=False` becomes, and would sort 100k rows per page.
    if status == "archived":
        patients = patients.filter(is_archived__in=[True])
    elif status != "all":  # active, the default
        patients = patients.filter(is_archived__in=[False])
    if audited:
        detail = "patient list" + (f"; search: {search.strip()}" if search.strip() else "")
        audit(actor=actor, action=Action.VIEW, detail=detail)
    return patients.filter(search_filter(search)).order_by(*SORTS.get(sort, SORTS["name"]))


def patient_get(*, actor, id: str, action: str = Action.VIEW, detail: str = "") -> Patient:
    """One patient, or 404; each call is one audited access to the record."""
    patient = get_or_404(patients_in_reach(actor=actor).select_related("user"), id)
    audit(actor=actor, action=action, obj=patient, patient_id=patient.pk, detail=detail)
    return patient


def patient_for_update(*, actor, id: str) -> Patient:
    """The patient a write is about: in reach or 404, and no separate 'view' row."""
    return get_or_404(patients_in_reach(actor=actor), id)


def possible_duplicates(*, actor, first_name: str, last_name: str, date_of_birth, exclude=None):
    """Patients of the actor's clinic with the same name and date of birth."""
    matches = patients_in_reach(actor=actor).filter(
        first_name_key=search_key(first_name),
        last_name_key=search_key(last_name),
        date_of_birth=date_of_birth,
    )
    if exclude is not None:
        matches = matches.exclude(pk=exclude.pk)
    return matches


def clinical_list(*, actor, patient: Patient, kind: str, audited: bool = True):
    """One part of the clinical summary (allergies, conditions or medications)."""
    if actor.role != Role.PATIENT:
        require(actor, "clinical.view")
    records = CLINICAL_MODELS[kind].objects.filter(patient=patient, clinic_id=patient.clinic_id)
    if audited:
        audit(actor=actor, action=Action.VIEW, obj=patient, patient_id=patient.pk, detail=kind)
    return records


def clinical_get(*, actor, patient: Patient, kind: str, id: str, audited: bool = False):
    """One record of the clinical summary, or 404. `audited=True` for a read on its own (API);
    edits leave it False because the write itself is audited."""
    records = clinical_list(actor=actor, patient=patient, kind=kind, audited=False)
    record = get_or_404(records.select_related("recorded_by"), id)
    if audited:
        audit(actor=actor, action=Action.VIEW, obj=record, patient_id=patient.pk, detail=kind)
    return record


def clinical_summary(*, actor, patient: Patient) -> dict:
    """The patient page's summary panel: read as part of the page's one audited view."""
    return {
        kind: list(clinical_list(actor=actor, patient=patient, kind=kind, audited=False))
        for kind in CLINICAL_MODELS
    }


def access_log(*, actor, patient: Patient, audited: bool = False):
    """Who read or changed this record. Clinic admins see it; so does the patient themself.

    `audited=True` records reading the log as one 'view' of the record (the API); the patient
    page's panel leaves it False, being part of the page's own audited view.
    """
    is_own_record = actor.role == Role.PATIENT and patient.user_id == actor.pk
    if not is_own_record:
        require(actor, "patients.access_log")
    if audited:
        audit(
            actor=actor, action=Action.VIEW, obj=patient, patient_id=patient.pk, detail="access log"
        )
    return audit_events_for_patient(patient_id=patient.pk)


def access_log_panel(*, actor, patient: Patient) -> dict:
    return {"events": list(access_log(actor=actor, patient=patient)[:50])}


def may_see_clinical(actor) -> bool:
    return can(actor, "clinical.view")


def patient_get_for(*, actor, id: str, permission: str, detail: str = "") -> Patient:
    """For pages needing more than `patients.view`: 404 out of reach, then 403 if the role may
    not do `permission`, then one audited view (so a refused request leaves no 'view' row)."""
    patient = get_or_404(patients_in_reach(actor=actor).select_related("user"), id)
    require(actor, permission)
    audit(actor=actor, action=Action.VIEW, obj=patient, patient_id=patient.pk, detail=detail)
    return patient
