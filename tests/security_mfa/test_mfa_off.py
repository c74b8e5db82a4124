"""Turning a second factor off: its holder with a code, or the clinic for a patient who lost
their phone and backup codes."""

import pytest

from accounts import mfa
from accounts.models import AuditEvent
from clinics.models import MfaPolicy
from core.roles import Role
from tests.patients.factories import PatientFactory, portal_user
from tests.patients.html_factories import page_text
from tests.security_mfa.test_mfa import AUTH, enrol, login, next_code


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Murat", last_name="Gómez")


@pytest.fixture
def patient_user(patient):
    return portal_user(patient)


def test_a_patient_turns_it_off_with_a_code(api_as, api_client, patient_user, password, mailbox):
    enrol(patient_user)
    client = api_as(patient_user)

    off = client.post(f"{AUTH}/mfa/totp/off", {"code": next_code(patient_user)})

    assert off.status_code == 200
    assert off.json() == {"detail": "Two-factor authentication is off."}
    (told,) = [m for m in mailbox.messages if patient_user.email in m.envelope_recipients]
    assert "with a code from your authenticator or a backup code" in mailbox.body(told)
    assert not mfa.has_device(patient_user)
    assert "access_token" in login(api_client, patient_user, password).json()
    assert client.post(f"{AUTH}/mfa/totp/off", {"code": "123456"}).status_code == 409


def test_a_wrong_code_leaves_it_on(api_as, patient_user):
    enrol(patient_user)
    answer = api_as(patient_user).post(f"{AUTH}/mfa/totp/off", {"code": "000000"})
    assert answer.status_code == 400
    assert mfa.has_device(patient_user)


def test_a_backup_code_turns_it_off_too(api_as, patient_user):
    backup = enrol(patient_user)[0]
    assert api_as(patient_user).post(f"{AUTH}/mfa/totp/off", {"code": backup}).status_code == 200
    assert not mfa.has_device(patient_user)


def test_staff_the_policy_requires_cannot_turn_it_off(api_as, clinic, clinician):
    enrol(clinician)
    clinic.mfa_policy = MfaPolicy.STAFF
    clinic.save()

    answer = api_as(clinician).post(f"{AUTH}/mfa/totp/off", {"code": next_code(clinician)})

    assert answer.status_code == 403
    assert "requires two-factor authentication" in answer.json()["detail"]
    assert mfa.has_device(clinician)


def test_the_desk_resets_a_patient_s_second_factor(
    api_as, api_client, staff, patient, patient_user, password, mailbox
):
    enrol(patient_user)

    answer = api_as(staff[Role.RECEPTIONIST]).post(f"/api/v1/patients/{patient.pk}/mfa-reset")

    assert answer.status_code == 200
    (told,) = [m for m in mailbox.messages if patient_user.email in m.envelope_recipients]
    assert "Your clinic turned off two-factor authentication" in mailbox.body(told)
    assert "again in the app." in mailbox.body(told) and "profile" not in mailbox.body(told)
    assert not mfa.has_device(patient_user)
    assert "access_token" in login(api_client, patient_user, password).json()
    row = AuditEvent.objects.get(action="mfa_reset", object_id=patient_user.pk)
    assert row.patient_id == patient.pk  # in the patient's access log


def test_resetting_without_a_second_factor_is_a_409(api_as, staff, patient, patient_user):
    answer = api_as(staff[Role.RECEPTIONIST]).post(f"/api/v1/patients/{patient.pk}/mfa-reset")
    assert answer.status_code == 409


def test_a_lab_technician_may_not_and_another_clinic_sees_nothing(
    api_as, staff, other_admin, patient, patient_user
):
    enrol(patient_user)
    url = f"/api/v1/patients/{patient.pk}/mfa-reset"
    assert api_as(staff[Role.LAB_TECH]).post(url).status_code == 403
    assert api_as(other_admin).post(url).status_code == 404
    assert mfa.has_device(patient_user)


def test_the_patient_page_offers_the_reset_only_while_it_is_on(admin_web, patient, patient_user):
    page = f"/patients/{patient.pk}/"
    assert "Reset two-factor authentication" not in page_text(admin_web.get(page))
    enrol(patient_user)
    assert "Reset two-factor authentication" in page_text(admin_web.get(page))

    done = admin_web.post(f"/patients/{patient.pk}/mfa-reset/", follow=True)

    assert "Two-factor authentication is off for the patient's app." in page_text(done)
    assert not mfa.has_device(patient_user)


def test_me_says_whether_two_factor_is_on(api_as, patient_user):
    client = api_as(patient_user)
    assert client.get(f"{AUTH}/me").json()["mfa_enabled"] is False
    enrol(patient_user)
    assert client.get(f"{AUTH}/me").json()["mfa_enabled"] is True
