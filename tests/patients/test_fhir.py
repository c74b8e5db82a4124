"""FHIR R4 export: `GET /api/v1/patients/{id}/fhir` validates with fhir.resources."""

import datetime
import json

import pytest
from fhir.resources.patient import Patient as FhirPatient

from accounts.models import AuditEvent
from core.roles import Role
from patients.fhir import mrn_system, patient_resource
from tests.patients.factories import PatientFactory, portal_user

API = "/api/v1/patients"
STAFF_ROLES = [Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH]


@pytest.fixture
def patient(clinic):
    return PatientFactory(
        clinic=clinic,
        first_name="Ada",
        last_name="Lovelace",
        preferred_name="Addie",
        date_of_birth=datetime.date(1990, 12, 10),
        sex="female",
        phone="+44 20 7946 0999",
        email="ada@example.org",
        address="12 St James's Square\nLondon",
        emergency_contact_name="William King",
        emergency_contact_relationship="Husband",
        emergency_contact_phone="020 7946 0000",
        preferred_language="English",
        staff_notes="Never exported",
    )


def fhir(client, patient, **headers):
    response = client.get(f"{API}/{patient.pk}/fhir", **headers)
    assert response.status_code == 200, response.content
    return response


def test_export_is_a_valid_fhir_r4_patient(admin_api, patient):
    response = fhir(admin_api, patient)

    assert response["Content-Type"].startswith("application/fhir+json")
    data = json.loads(response.content)
    resource = FhirPatient.model_validate(data)  # raises when the resource is not valid R4

    assert resource.id == patient.pk
    assert resource.active is True
    assert resource.gender == "female"
    assert str(resource.birthDate) == "1990-12-10"
    (identifier,) = resource.identifier
    assert identifier.system == f"urn:health-passport:clinic:{patient.clinic_id}:mrn"
    assert identifier.value == patient.mrn
    assert identifier.type.coding[0].code == "MR"
    official, usual = resource.name
    assert (official.use, official.family, official.given) == ("official", "Lovelace", ["Ada"])
    assert (usual.use, usual.given) == ("usual", ["Addie"])
    assert {(t.system, t.value) for t in resource.telecom} == {
        ("phone", "+442079460999"),  # stored in E.164
        ("email", "ada@example.org"),
    }
    assert resource.address[0].text == "12 St James's Square\nLondon"
    (contact,) = resource.contact
    assert contact.name.text == "William King"
    assert contact.relationship[0].text == "Husband"
    assert contact.relationship[0].coding[0].code == "C"
    assert contact.telecom[0].value == "+442079460000"
    (language,) = resource.communication
    assert language.language.text == "English"
    assert language.language.coding[0].code == "en"
    assert language.preferred is True
    assert resource.meta.lastUpdated is not None
    assert "Never exported" not in response.content.decode()


def test_json_on_request(admin_api, patient):
    response = fhir(admin_api, patient, HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")
    FhirPatient.model_validate(response.json())


@pytest.mark.parametrize(
    "sex,gender",
    [("female", "female"), ("male", "male"), ("other", "other"), ("unknown", "unknown")],
)
def test_gender_mapping(admin_api, clinic, sex, gender):
    patient = PatientFactory(clinic=clinic, sex=sex)
    data = json.loads(fhir(admin_api, patient).content)
    assert FhirPatient.model_validate(data).gender == gender


def test_minimal_record_leaves_empty_elements_out(admin_api, clinic):
    patient = PatientFactory(clinic=clinic, first_name="Bo", last_name="Li", sex="unknown")
    data = json.loads(fhir(admin_api, patient).content)
    FhirPatient.model_validate(data)
    for absent in ("telecom", "address", "contact", "communication"):
        assert absent not in data
    assert len(data["name"]) == 1


def test_archived_record_is_inactive(admin_api, clinic):
    patient = PatientFactory(clinic=clinic, is_archived=True)
    data = json.loads(fhir(admin_api, patient).content)
    assert FhirPatient.model_validate(data).active is False


@pytest.mark.parametrize(
    "language,code", [("fr", "fr"), ("pt-BR", "pt-BR"), ("Klingon", None), ("Welsh", "cy")]
)
def test_language_codes(clinic, language, code):
    patient = PatientFactory(clinic=clinic, preferred_language=language)
    concept = patient_resource(patient)["communication"][0]["language"]
    assert concept["text"] == language
    assert (concept["coding"][0]["code"] if "coding" in concept else None) == code
    FhirPatient.model_validate(patient_resource(patient))


def test_contact_with_only_a_phone_is_valid(clinic):
    patient = PatientFactory(clinic=clinic, emergency_contact_phone="07700 900000")
    resource = patient_resource(patient)
    assert resource["contact"][0]["telecom"][0]["value"] == "07700 900000"
    assert "name" not in resource["contact"][0]
    FhirPatient.model_validate(resource)


def test_mrn_system_differs_per_clinic(clinic, other_clinic):
    assert mrn_system(clinic.pk) != mrn_system(other_clinic.pk)


def test_export_writes_one_export_audit_row(api_as, clinician, patient):
    before = AuditEvent.objects.count()
    fhir(api_as(clinician), patient)
    assert AuditEvent.objects.count() == before + 1
    row = AuditEvent.objects.get(patient_id=patient.pk)
    assert (row.action, row.actor) == ("export", clinician)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_may_export(api_as, staff, patient, role):
    fhir(api_as(staff[role]), patient)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_other_clinic_is_404(api_as, other_staff, patient, role):
    response = api_as(other_staff[role]).get(f"{API}/{patient.pk}/fhir")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert not AuditEvent.objects.filter(patient_id=patient.pk).exists()


def test_patient_user_exports_only_themself(api_as, clinic, patient):
    me = portal_user(patient)
    data = json.loads(fhir(api_as(me), patient).content)
    assert FhirPatient.model_validate(data).id == patient.pk
    neighbour = PatientFactory(clinic=clinic)
    assert api_as(me).get(f"{API}/{neighbour.pk}/fhir").status_code == 404


@pytest.mark.django_db
def test_anonymous_is_401(api_client, clinic):
    patient = PatientFactory(clinic=clinic)
    response = api_client.get(f"{API}/{patient.pk}/fhir")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
