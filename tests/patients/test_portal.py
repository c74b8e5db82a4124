"""Patient portal accounts (the passport): invite by e-mail → set the password with the API's
reset-password → log in → `/auth/me` carries `patient_id` → the patient reads only their own
record and cannot write."""

import re

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent, User
from core.roles import Role
from tests.conftest import free_port
from tests.factories import UserFactory
from tests.notifications.helpers import retry_due_now
from tests.patients.factories import AllergyFactory, PatientFactory, portal_user

API = "/api/v1/patients"
AUTH = "/api/v1/auth"
LINK = re.compile(r"http://testserver/accounts/reset/([A-Za-z0-9_\-]+/[A-Za-z0-9\-]+)/")
NEW_PASSWORD = "Passport-lighthouse-2024"
INVITERS = [Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST]


@pytest.fixture
def patient(clinic):
    return PatientFactory(
        clinic=clinic, first_name="Ada", last_name="Lovelace", email="Ada@Example.org"
    )


def invite(client, patient, **data):
    return client.post(f"{API}/{patient.pk}/invite", data, format="json")


def token_from(mailbox, to):
    (message,) = [m for m in mailbox.messages if to in m.envelope_recipients]
    match = LINK.search(mailbox.body(message))
    assert match, mailbox.body(message)
    return message, match[1]


def login(email, password):
    return APIClient().post(f"{AUTH}/login", {"email": email, "password": password}, format="json")


@pytest.mark.parametrize("role", INVITERS)
def test_invite_reset_login_me(api_as, staff, clinic, patient, mailbox, role):
    response = invite(api_as(staff[role]), patient)

    assert response.status_code == 202, response.content
    assert set(response.json()) == {"detail", "email", "email_sent"}
    assert response.json()["email"] == "ada@example.org"
    assert response.json()["email_sent"] is True
    user = User.objects.get(email="ada@example.org")
    assert (user.email, user.role, user.clinic_id) == ("ada@example.org", "patient", clinic.pk)
    assert not user.has_usable_password()
    patient.refresh_from_db()
    assert patient.user_id == user.pk
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="invite").count() == 1

    message, token = token_from(mailbox, "ada@example.org")
    assert clinic.name in message["Subject"]
    assert "ada@example.org" in mailbox.body(message)
    record = api_as(staff[role]).get(f"{API}/{patient.pk}/").json()
    assert record["portal_account_status"] == "invited" and not record["has_portal_account"]

    # The patient finishes from the phone: the link's tail is the API's reset token.
    reset = APIClient().post(
        f"{AUTH}/reset-password", {"token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    assert reset.status_code == 200, reset.content
    logged_in = login("ada@example.org", NEW_PASSWORD)
    assert logged_in.status_code == 200, logged_in.content
    assert logged_in.json()["user"]["patient_id"] == patient.pk

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {logged_in.json()['access_token']}")
    me = client.get(f"{AUTH}/me").json()
    assert (me["patient_id"], me["role"], me["is_verified"]) == (patient.pk, "patient", True)

    # …and sees their own record, only theirs.
    assert client.get(f"{API}/{me['patient_id']}/").status_code == 200
    assert [row["id"] for row in client.get(f"{API}/").json()["results"]] == [patient.pk]
    record = api_as(staff[role]).get(f"{API}/{patient.pk}/").json()
    assert record["portal_account_status"] == "active" and record["has_portal_account"]

    # The link was single-use.
    again = APIClient().post(
        f"{AUTH}/reset-password", {"token": token, "new_password": "Other-pass-2024!"}
    )
    assert again.status_code == 400


def test_invite_to_another_address(admin_api, patient, mailbox):
    response = invite(admin_api, patient, email="Ada.Phone@Example.org")
    assert response.status_code == 202
    assert response.json()["email"] == "ada.phone@example.org"
    token_from(mailbox, "ada.phone@example.org")
    patient.refresh_from_db()
    assert patient.email == "ada@example.org"  # the record's contact address is unchanged


def test_reinviting_a_pending_account_resends(admin_api, patient, mailbox):
    first = invite(admin_api, patient)
    second = invite(admin_api, patient)
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["id"] == User.objects.get(email=first.json()["email"]).pk
    assert len(mailbox.messages) == 2
    assert User.objects.filter(role=Role.PATIENT).count() == 1


def test_already_active_account_is_400(admin_api, patient, mailbox):
    portal_user(patient)
    response = invite(admin_api, patient)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert mailbox.messages == []


def test_no_email_is_400(admin_api, clinic, mailbox):
    patient = PatientFactory(clinic=clinic, email="")
    response = invite(admin_api, patient)
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert not User.objects.filter(role=Role.PATIENT).exists()
    assert mailbox.messages == []


@pytest.mark.parametrize("holder", ["clinician", "other_admin"])
def test_email_of_another_user_answers_as_a_new_one_and_tells_the_holder(
    request, admin_api, clinic, patient, mailbox, holder
):
    holder = request.getfixturevalue(holder)
    free = invite(admin_api, patient).json()
    other = PatientFactory(
        clinic=clinic, first_name="Quillon", last_name="Brackwater", email=holder.email
    )
    users = User.objects.count()
    mailbox.messages.clear()

    response = invite(admin_api, other)

    assert response.status_code == 202
    same_words = free["detail"].replace(free["email"], holder.email)
    assert response.json() == {**free, "detail": same_words, "email": holder.email}
    other.refresh_from_db()
    assert other.user_id is None and User.objects.count() == users
    (message,) = mailbox.messages
    assert message.envelope_recipients == [holder.email]
    body = mailbox.body(message)
    assert "Riverside Clinic tried to invite" in body and not LINK.search(body)
    assert "Brackwater" not in body + message["Subject"] and other.mrn not in body


@pytest.mark.parametrize("email", ["not-an-email", 42, ["a@example.org"]])
def test_bad_email_in_body_is_400(admin_api, patient, email):
    response = invite(admin_api, patient, email=email)
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_archived_patient_cannot_be_invited(admin_api, clinic):
    patient = PatientFactory(clinic=clinic, email="old@example.org", is_archived=True)
    response = invite(admin_api, patient)
    assert response.status_code == 400 and response.json()["detail"]


def test_invite_while_the_mail_server_is_down_arrives_once_it_is_back(
    admin_api, patient, settings, smtp_server, mailbox
):
    """The invitation never waits on SMTP: it is stored in the outbox and sent on a retry."""
    settings.EMAIL_PORT = free_port()  # nothing listens there
    queued = invite(admin_api, patient)
    assert queued.status_code == 202, queued.content
    assert queued.json()["email_sent"] is True  # on its way, through the outbox
    assert mailbox.messages == []
    patient.refresh_from_db()
    assert patient.user_id == User.objects.get(email="ada@example.org").pk

    settings.EMAIL_PORT = smtp_server.port  # the mail server is back
    retry_due_now()
    token_from(mailbox, "ada@example.org")
    assert len(mailbox.messages) == 1
    assert User.objects.filter(role=Role.PATIENT).count() == 1


def test_mail_not_handed_over_keeps_the_account_says_so_and_resend_works(
    admin_api, patient, settings, smtp_server, mailbox
):
    """When the message cannot even be handed to the mail system, the inviter is told
    (`email_sent: false`), the account is kept, and calling again resends."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # no outbox
    settings.EMAIL_PORT = free_port()  # nothing listens there
    failed = invite(admin_api, patient)
    assert failed.status_code == 202, failed.content
    assert failed.json()["email_sent"] is False
    patient.refresh_from_db()
    assert patient.user_id == User.objects.get(email="ada@example.org").pk
    assert AuditEvent.objects.get(patient_id=patient.pk, action="invite").detail == (
        "e-mail not sent"
    )

    settings.EMAIL_PORT = smtp_server.port
    resent = invite(admin_api, patient)
    assert resent.status_code == 200
    assert (resent.json()["id"], resent.json()["email_sent"]) == (patient.user_id, True)
    token_from(mailbox, "ada@example.org")
    assert User.objects.filter(role=Role.PATIENT).count() == 1


@pytest.mark.parametrize("role", [Role.LAB_TECH])
def test_lab_tech_cannot_invite(api_as, staff, patient, mailbox, role):
    response = invite(api_as(staff[role]), patient)
    assert response.status_code == 403
    assert mailbox.messages == []


def test_other_clinic_cannot_invite(api_as, other_admin, patient, mailbox):
    assert invite(api_as(other_admin), patient).status_code == 404
    assert mailbox.messages == []


# --- what a patient user may do ------------------------------------------------------------------
@pytest.fixture
def me(patient):
    return portal_user(patient)


def test_patient_reads_own_clinical_lists(api_as, patient, me):
    AllergyFactory(patient=patient, substance="Peanuts")
    client = api_as(me)
    rows = client.get(f"{API}/{patient.pk}/allergies/").json()["results"]
    assert [row["substance"] for row in rows] == ["Peanuts"]
    for kind in ("conditions", "medications"):
        assert client.get(f"{API}/{patient.pk}/{kind}/").json()["count"] == 0


def test_patient_cannot_reach_another_patient_anywhere(api_as, clinic, me):
    neighbour = PatientFactory(clinic=clinic)
    client = api_as(me)
    for path in ("", "fhir", "access-log", "allergies/", "conditions/", "medications/"):
        assert client.get(f"{API}/{neighbour.pk}/{path}").status_code == 404, path


def test_staff_user_is_not_a_patient(api_as, clinician):
    assert api_as(clinician).get(f"{AUTH}/me").json()["patient_id"] is None


def test_unlinked_patient_user_sees_nothing(api_as, clinic, patient):
    stray = UserFactory(clinic=clinic, role=Role.PATIENT, email="stray@example.org")
    assert api_as(stray).get(f"{API}/").json()["count"] == 0
    assert api_as(stray).get(f"{API}/{patient.pk}/").status_code == 404
    assert api_as(stray).get(f"{AUTH}/me").json()["patient_id"] is None
