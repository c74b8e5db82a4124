"""Resetting a patient's app two-factor authentication from the patient page: a confirmation
page first (what changes for the patient), then the reset, after which the page says it is off."""

import re

import pytest
from django.test import Client

from accounts import mfa
from accounts.models import AuditEvent
from core.roles import Role
from tests.patients.factories import PatientFactory, portal_user
from tests.patients.html_factories import page_text, patient_url
from tests.security_mfa.test_mfa import enrol


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Murat", last_name="Gómez")


@pytest.fixture
def patient_user(patient):
    user = portal_user(patient)
    enrol(user)
    return user


def web_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk(staff):
    return web_as(staff[Role.RECEPTIONIST])


def app_card(response) -> str:
    """The patient page's "Patient app" card, as read."""
    card = re.search(r'aria-labelledby="portal-title">(.*?)</section>', page_text(response), re.S)
    return card[1]


def test_the_patient_page_asks_first(desk, patient, patient_user):
    card = app_card(desk.get(patient_url(patient)))

    assert f'href="{patient_url(patient, "mfa-reset/")}"' in card
    assert "<form" not in card  # no reset on one click

    confirm = desk.get(patient_url(patient, "mfa-reset/"))

    assert confirm.status_code == 200
    page = page_text(confirm)
    assert f"Reset two-factor authentication for Murat Gómez ({patient.mrn})?" in page
    assert "the patient signs in with their password only" in page
    assert f"An e-mail to {patient_user.email} tells them" in page
    assert mfa.has_device(patient_user)  # nothing changes until the button
    read = AuditEvent.objects.filter(patient_id=patient.pk, action="view")
    assert read.filter(detail="two-factor reset form").count() == 1


def test_confirming_turns_it_off_and_the_page_says_so(desk, patient, patient_user, mailbox):
    done = desk.post(patient_url(patient, "mfa-reset/"), follow=True)

    assert "Two-factor authentication is off for the patient's app." in page_text(done)
    assert not mfa.has_device(patient_user)
    (told,) = [m for m in mailbox.messages if patient_user.email in m.envelope_recipients]
    assert "Your clinic turned off two-factor authentication" in mailbox.body(told)
    card = app_card(desk.get(patient_url(patient)))
    assert "Two-factor authentication is off." in card
    assert "Reset two-factor authentication" not in card


def test_the_confirmation_sends_back_once_it_is_off(desk, patient, patient_user):
    """A confirmation page opened after a colleague's reset (or a stale link) changes nothing."""
    desk.post(patient_url(patient, "mfa-reset/"))

    again = desk.get(patient_url(patient, "mfa-reset/"), follow=True)

    assert again.redirect_chain == [(patient_url(patient), 302)]
    assert "Two-factor authentication is not on for this patient." in page_text(again)


def test_a_lab_technician_may_not_and_another_clinic_sees_nothing(
    staff, other_admin, patient, patient_user
):
    url = patient_url(patient, "mfa-reset/")
    lab_tech = web_as(staff[Role.LAB_TECH])
    other = web_as(other_admin)

    assert lab_tech.get(url).status_code == 403
    assert lab_tech.post(url).status_code == 403
    assert other.get(url).status_code == 404
    assert other.post(url).status_code == 404
    assert mfa.has_device(patient_user)
    card = app_card(lab_tech.get(patient_url(patient)))
    assert "Reset two-factor authentication" not in card
