"""Who may open which patient page: 403 for a role that may not, 404 for another clinic's
patient and for malformed ids, whatever the role; the clinical summary and the access log only
for the roles that may see them."""

import pytest
from django.test import Client

from accounts.models import AuditEvent
from core.roles import Role
from patients.models import Allergy, Patient
from tests.factories import PASSWORD, UserFactory
from tests.patients.factories import AllergyFactory, PatientFactory
from tests.patients.html_factories import page_text

ALL = {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH}
EDITORS = ALL - {Role.LAB_TECH}
CLINICAL = {Role.ADMIN, Role.CLINICIAN, Role.NURSE}

# (method, url with {pk}/{rid}, roles allowed). Allergies stand for the three clinical kinds here;
# test_html_clinical.py runs every kind through the same views.
PATIENT_PAGES = [
    ("get", "/patients/{pk}/", ALL),
    ("get", "/patients/{pk}/edit/", EDITORS),
    ("post", "/patients/{pk}/edit/", EDITORS),
    ("get", "/patients/{pk}/archive/", EDITORS),
    ("post", "/patients/{pk}/archive/", EDITORS),
    ("get", "/patients/{pk}/delete/", {Role.ADMIN}),
    ("post", "/patients/{pk}/delete/", {Role.ADMIN}),
    ("post", "/patients/{pk}/invite/", EDITORS),
    ("get", "/patients/{pk}/allergies/add/", CLINICAL),
    ("post", "/patients/{pk}/allergies/add/", CLINICAL),
    ("get", "/patients/{pk}/conditions/add/", CLINICAL),
    ("get", "/patients/{pk}/medications/add/", CLINICAL),
    ("get", "/patients/{pk}/allergies/{rid}/edit/", CLINICAL),
    ("post", "/patients/{pk}/allergies/{rid}/edit/", CLINICAL),
    ("get", "/patients/{pk}/allergies/{rid}/delete/", CLINICAL),
    ("post", "/patients/{pk}/allergies/{rid}/delete/", CLINICAL),
]
CLINIC_PAGES = [
    ("get", "/patients/", ALL),
    ("get", "/patients/new/", EDITORS),
    ("post", "/patients/new/", EDITORS),
]
ROLES = sorted(ALL)


def label(case) -> str:
    method, url, _allowed = case
    return f"{method.upper()} {url}"


def role_cases(allowed: bool):
    return [
        pytest.param(role, case, id=f"{role}-{label(case)}")
        for case in PATIENT_PAGES
        for role in ROLES
        if (role in case[2]) == allowed
    ]


@pytest.fixture
def record(clinic):
    patient = PatientFactory(clinic=clinic, is_archived=True, email="p@example.org")
    return patient, AllergyFactory(patient=patient)


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role,case", role_cases(allowed=True))
def test_allowed_roles_reach_patient_pages(client, staff, record, role, case):
    method, url, _allowed = case
    patient, allergy = record
    login(client, staff[role])

    response = getattr(client, method)(url.format(pk=patient.pk, rid=allergy.pk), {})

    assert response.status_code in (200, 302)


@pytest.mark.parametrize("role,case", role_cases(allowed=False))
def test_role_403_on_patient_pages(client, staff, record, role, case):
    method, url, _allowed = case
    patient, allergy = record
    login(client, staff[role])

    response = getattr(client, method)(url.format(pk=patient.pk, rid=allergy.pk), {})

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(patient_id=patient.pk).exists()  # no read, no write
    assert Patient.objects.filter(pk=patient.pk, is_archived=True).exists()
    assert Allergy.objects.filter(pk=allergy.pk).exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CLINIC_PAGES, ids=label)
def test_role_access_on_clinic_pages(client, staff, role, case):
    method, url, allowed = case
    login(client, staff[role])

    response = getattr(client, method)(url, {})

    assert response.status_code == (200 if role in allowed else 403)
    assert not Patient.objects.exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", PATIENT_PAGES, ids=label)
def test_other_clinics_patient_is_404_for_every_role(client, other_staff, record, role, case):
    method, url, _allowed = case
    patient, allergy = record
    login(client, other_staff[role])

    response = getattr(client, method)(url.format(pk=patient.pk, rid=allergy.pk), {})

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(patient_id=patient.pk).exists()
    assert Allergy.objects.filter(pk=allergy.pk).exists()


@pytest.mark.parametrize("bad_id", ["0" * 24, "not-an-id", "x" * 100, "%00", "1;DROP"])
@pytest.mark.parametrize("case", PATIENT_PAGES, ids=label)
def test_malformed_and_unknown_ids_are_404(client, admin_user, record, bad_id, case):
    method, url, _allowed = case
    patient, allergy = record
    login(client, admin_user)

    with_bad_patient = url.format(pk=bad_id, rid=allergy.pk)
    assert getattr(client, method)(with_bad_patient, {}).status_code == 404
    if "{rid}" in url:
        with_bad_record = url.format(pk=patient.pk, rid=bad_id)
        assert getattr(client, method)(with_bad_record, {}).status_code == 404


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
