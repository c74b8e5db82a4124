"""What each role sees on the patient pages: the clinical summary and the access log only for
the roles that may see them, actions only for the roles that may take them. Which role reaches
which page at all (403 / 404) is the table in test_access_matrix.py."""

import pytest
from django.test import Client

from accounts.models import AuditEvent
from core.audit import UPDATE, audit
from core.roles import Role
from patients.models import Patient
from tests.factories import PASSWORD, UserFactory
from tests.patients.factories import AllergyFactory, PatientFactory
from tests.patients.html_factories import page_text

ROLES = sorted({Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH})


@pytest.fixture
def record(clinic):
    patient = PatientFactory(clinic=clinic, is_archived=True, email="p@example.org")
    return patient, AllergyFactory(patient=patient)


def login(client, user):
    client.force_login(user)
    return client


def test_other_clinics_patients_never_listed_or_found(client, other_staff, clinic):
    patient = PatientFactory(clinic=clinic, first_name="Secret", last_name="Person")
    login(client, other_staff[Role.ADMIN])

    for query in ("secret", patient.mrn, "1980-05-17"):
        assert "Secret" not in page_text(client.get("/patients/", {"q": query}))


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.LAB_TECH])
def test_no_clinical_summary_for_receptionists_and_lab_technicians(client, staff, record, role):
    patient, allergy = record
    login(client, staff[role])

    response = client.get(f"/patients/{patient.pk}/")

    page = page_text(response)
    assert response.status_code == 200
    assert patient.last_name in page
    assert "Clinical summary" not in page
    assert allergy.substance not in page
    assert "/allergies/" not in page
    assert AuditEvent.objects.filter(patient_id=patient.pk).count() == 1


def test_receptionist_edits_demographics(client, staff, record):
    patient, _allergy = record
    login(client, staff[Role.RECEPTIONIST])

    page = page_text(client.get(f"/patients/{patient.pk}/"))

    assert f'href="/patients/{patient.pk}/edit/"' in page
    assert f'href="/patients/{patient.pk}/archive/"' in page
    assert "Invite to the patient app" not in page  # archived: restore first


def test_lab_technician_sees_demographics_only(client, staff, clinic):
    patient = PatientFactory(clinic=clinic, email="p@example.org")
    login(client, staff[Role.LAB_TECH])

    page = page_text(client.get(f"/patients/{patient.pk}/"))

    assert patient.mrn in page
    assert "p@example.org" in page
    for action in ("edit/", "archive/", "delete/", "invite/"):
        assert f"/patients/{patient.pk}/{action}" not in page
    assert "Access log" not in page


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.NURSE])
def test_clinicians_and_nurses_see_the_summary_but_not_the_access_log(client, staff, record, role):
    patient, allergy = record
    login(client, staff[role])

    page = page_text(client.get(f"/patients/{patient.pk}/"))

    assert "Clinical summary" in page
    assert allergy.substance in page
    assert "Access log" not in page


def test_admins_see_the_access_log(client, staff, record):
    patient, _allergy = record
    login(client, staff[Role.CLINICIAN])
    client.get(f"/patients/{patient.pk}/", REMOTE_ADDR="203.0.113.7")
    admin = Client()
    login(admin, staff[Role.ADMIN])

    page = page_text(admin.get(f"/patients/{patient.pk}/"))

    assert "Access log" in page
    assert staff[Role.CLINICIAN].name in page
    assert "Clinician" in page
    assert "203.0.113.7" in page
    assert "View" in page
    assert AuditEvent.objects.filter(patient_id=patient.pk).count() == 2  # one per page view


def test_the_access_log_words_a_change_by_its_field_labels(client, staff, record):
    """Stored as field names ("date_of_birth, phone"); shown as the form's labels, as the audit
    trail shows them."""
    patient, _allergy = record
    audit(
        actor=staff[Role.RECEPTIONIST], action=UPDATE, obj=patient, patient_id=patient.pk,
        detail="date_of_birth, phone",
    )  # fmt: skip
    page = page_text(login(client, staff[Role.ADMIN]).get(f"/patients/{patient.pk}/"))

    assert "(Date of birth, Phone)" in page
    assert "date_of_birth" not in page


def test_patient_users_cannot_log_in_or_open_the_pages(client, clinic, record):
    patient, _allergy = record
    patient_user = UserFactory(clinic=clinic, role=Role.PATIENT, email="me@example.org")
    Patient.objects.filter(pk=patient.pk).update(user=patient_user, is_archived=False)

    refused = client.post("/accounts/login/", {"username": "me@example.org", "password": PASSWORD})
    assert refused.status_code == 200
    assert "Patients use the Health Passport mobile app" in page_text(refused)

    client.force_login(patient_user)  # even with a session somehow obtained
    assert client.get("/patients/").status_code == 403
    assert client.get(f"/patients/{patient.pk}/").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_patients_to_every_staff_role(client, staff, role):
    login(client, staff[role])

    page = page_text(client.get("/"))

    assert 'href="/patients/"' in page


def test_anonymous_users_are_sent_to_the_login(client, record):
    patient, _allergy = record

    for url in ("/patients/", "/patients/new/", f"/patients/{patient.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
