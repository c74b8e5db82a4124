"""A patient's clinical summary as FHIR R4 resources (plain JSON-ready dicts):
`AllergyIntolerance`, `Condition` (problem-list items) and `MedicationStatement`.

Built by hand like `patients.fhir` (no FHIR library at runtime; the tests validate the output
with `fhir.resources`). Only elements with a value are written: FHIR forbids empty elements.
"""

from django.utils import timezone

from patients.models import Allergy, Condition, Medication

ATC = "http://www.whocc.no/atc"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CODE_SYSTEMS = {Condition.CodeSystem.ICD10: ICD10, Condition.CodeSystem.SNOMED: SNOMED}
PROBLEM_LIST_ITEM = [
    {
        "coding": [
            {
                "system": CONDITION_CATEGORY,
                "code": "problem-list-item",
                "display": "Problem List Item",
            }
        ]
    }
]


def _instant(moment) -> str:
    return moment.isoformat(timespec="milliseconds")


def _concept(text: str, code: str = "", system: str = "") -> dict:
    concept = {"text": text}
    if code and system:
        concept["coding"] = [{"system": system, "code": code, "display": text}]
    return concept


def _status(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def _common(record, resource_type: str) -> dict:
    return {
        "resourceType": resource_type,
        "id": str(record.pk),
        "meta": {"lastUpdated": _instant(record.updated_at)},
    }


def allergy_intolerance(allergy: Allergy) -> dict:
    resource = _common(allergy, "AllergyIntolerance")
    resource.update(
        clinicalStatus=_status(ALLERGY_CLINICAL, allergy.status),
        code=_concept(allergy.substance, allergy.code, ATC),
        patient={"reference": f"Patient/{allergy.patient_id}"},
        recordedDate=_instant(allergy.created_at),
    )
    if allergy.reaction:  # a reaction needs its manifestation; the severity rides on it
        reaction = {"manifestation": [{"text": allergy.reaction}]}
        if allergy.severity != Allergy.Severity.UNKNOWN:
            reaction["severity"] = allergy.severity
        resource["reaction"] = [reaction]
    return resource


def condition(record: Condition) -> dict:
    resource = _common(record, "Condition")
    resource.update(
        clinicalStatus=_status(CONDITION_CLINICAL, record.status),
        category=PROBLEM_LIST_ITEM,
        code=_concept(record.name, record.code, CODE_SYSTEMS.get(record.code_system, "")),
        subject={"reference": f"Patient/{record.patient_id}"},
        recordedDate=_instant(record.created_at),
    )
    if record.onset_date:
        resource["onsetDateTime"] = record.onset_date.isoformat()
    return resource


def medication_statement(medication: Medication) -> dict:
    """Active, completed (ended by its end date) or stopped (ended early or without a date)."""
    if medication.is_active:
        status = "active"
    elif medication.end_date and medication.end_date <= timezone.localdate():
        status = "completed"
    else:
        status = "stopped"
    resource = _common(medication, "MedicationStatement")
    resource.update(
        status=status,
        medicationCodeableConcept=_concept(medication.name, medication.code, ATC),
        subject={"reference": f"Patient/{medication.patient_id}"},
        dateAsserted=_instant(medication.created_at),
    )
    period = {}
    if medication.start_date:
        period["start"] = medication.start_date.isoformat()
    if medication.end_date:
        period["end"] = medication.end_date.isoformat()
    if period:
        resource["effectivePeriod"] = period
    dosage = " ".join(part for part in (medication.dose, medication.frequency) if part)
    if dosage:
        resource["dosage"] = [{"text": dosage}]
    return resource
