"""A patient's demographics as a FHIR R4 `Patient` resource (plain JSON-ready dicts).

Built by hand so the runtime needs no FHIR library; the tests validate the output with
`fhir.resources`. Only elements with a value are written: FHIR forbids empty elements.
"""

import re

from patients.models import Patient, Sex

MRN_TYPE = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
            "code": "MR",
            "display": "Medical record number",
        }
    ],
    "text": "MRN",
}
EMERGENCY_CONTACT = {
    "system": "http://terminology.hl7.org/CodeSystem/v2-0131",
    "code": "C",
    "display": "Emergency Contact",
}
BCP47 = "urn:ietf:bcp:47"
# Common language names as typed by staff, to a BCP-47 tag; anything else is sent as text only.
LANGUAGES = {
    "arabic": "ar",
    "bengali": "bn",
    "chinese": "zh",
    "dutch": "nl",
    "english": "en",
    "french": "fr",
    "german": "de",
    "greek": "el",
    "gujarati": "gu",
    "hindi": "hi",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "mandarin": "zh",
    "polish": "pl",
    "portuguese": "pt",
    "punjabi": "pa",
    "romanian": "ro",
    "russian": "ru",
    "somali": "so",
    "spanish": "es",
    "swahili": "sw",
    "tagalog": "tl",
    "turkish": "tr",
    "ukrainian": "uk",
    "urdu": "ur",
    "vietnamese": "vi",
    "welsh": "cy",
}
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
GENDERS = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.OTHER: "other", Sex.UNKNOWN: "unknown"}


def mrn_system(clinic_id) -> str:
    """The identifier system of a clinic's record numbers (MRNs are unique per clinic)."""
    return f"urn:health-passport:clinic:{clinic_id}:mrn"


def _language(text: str) -> dict:
    concept = {"text": text}
    tag = LANGUAGES.get(text.strip().lower())
    if tag is None and LANGUAGE_TAG.fullmatch(text.strip()):
        tag = text.strip()
    if tag:
        concept["coding"] = [{"system": BCP47, "code": tag}]
    return concept


def _names(patient: Patient) -> list[dict]:
    official = {"use": "official", "text": patient.full_name, "family": patient.last_name}
    if patient.first_name:
        official["given"] = [patient.first_name]
    names = [official]
    if patient.preferred_name and patient.preferred_name != patient.first_name:
        names.append(
            {
                "use": "usual",
                "text": f"{patient.preferred_name} {patient.last_name}".strip(),
                "family": patient.last_name,
                "given": [patient.preferred_name],
            }
        )
    return names


def _contact(patient: Patient) -> dict | None:
    name, phone = patient.emergency_contact_name, patient.emergency_contact_phone
    if not (name or phone):
        return None  # FHIR's pat-1: a contact has details, or it is left out
    relationship = {"coding": [EMERGENCY_CONTACT]}
    if patient.emergency_contact_relationship:
        relationship = {
            "coding": [EMERGENCY_CONTACT],
            "text": patient.emergency_contact_relationship,
        }
    contact = {"relationship": [relationship]}
    if name:
        contact["name"] = {"text": name}
    if phone:
        contact["telecom"] = [{"system": "phone", "value": phone}]
    return contact


def patient_resource(patient: Patient) -> dict:
    """The FHIR R4 Patient resource for one record (JSON-serialisable)."""
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": {"lastUpdated": patient.updated_at.isoformat(timespec="milliseconds")},
        "identifier": [
            {
                "use": "usual",
                "type": MRN_TYPE,
                "system": mrn_system(patient.clinic_id),
                "value": patient.mrn,
            }
        ],
        "active": not patient.is_archived,
        "name": _names(patient),
        "gender": GENDERS.get(patient.sex, "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
    }
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    if patient.address.strip():
        resource["address"] = [{"text": patient.address.strip()}]
    contact = _contact(patient)
    if contact:
        resource["contact"] = [contact]
    if patient.preferred_language.strip():
        resource["communication"] = [
            {"language": _language(patient.preferred_language.strip()), "preferred": True}
        ]
    resource["managingOrganization"] = {"display": patient.clinic.name}
    return resource
