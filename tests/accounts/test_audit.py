"""The audit trail: one row per login, logout, password and staff change; append-only."""

import re

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import AuditEvent, User
from clinics.models import Clinic
from core.roles import Role
from tests.accounts.signup import api_signup

Action = AuditEvent.Action
AUTH = "/api/v1/auth"
STAFF = "/api/v1/clinics/current/staff"
IP = "203.0.113.9"
AGENT = "HealthPassport-iOS/1.4"
NEW_PASSWORD = "Brand-new-harbour-61"


def client_from(ip=IP, user=None):
    client = APIClient(REMOTE_ADDR=ip, HTTP_USER_AGENT=AGENT)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def only_event(before=()):
    """The one audit row written since the test began (or since the ids in `before`)."""
    events = list(AuditEvent.objects.exclude(pk__in=list(before)))
    assert len(events) == 1, [(e.action, e.actor_label) for e in events]
    return events[0]


def assert_request_recorded(event):
    assert event.ip_address == IP
    assert event.user_agent == AGENT
    assert event.created_at is not None


# --- accounts ----------------------------------------------------------------------------------
def test_api_login_is_audited(clinician, password):
    response = client_from().post(
        f"{AUTH}/login", {"email": clinician.email, "password": password}, format="json"
    )
    assert response.status_code == 200

    event = only_event()
    assert event.action == Action.LOGIN
    assert event.actor == clinician
    assert event.actor_label == clinician.email
    assert event.actor_role == Role.CLINICIAN
    assert event.clinic == clinician.clinic
    assert_request_recorded(event)


def test_failed_login_is_audited_against_the_account(clinician):
    client_from().post(
        f"{AUTH}/login", {"email": clinician.email, "password": "Wrong-one-123"}, format="json"
    )

    event = only_event()
    assert event.action == Action.LOGIN_FAILED
    assert event.actor is None  # nobody proved who they are
    assert event.object_id == clinician.pk
    assert event.clinic == clinician.clinic
    assert_request_recorded(event)


@pytest.mark.django_db
def test_failed_login_for_unknown_email_is_audited():
    client_from().post(
        f"{AUTH}/login", {"email": "ghost@example.org", "password": "Whatever-123"}, format="json"
    )

    event = only_event()
    assert event.action == Action.LOGIN_FAILED
    assert event.actor is None
    assert event.clinic is None
    assert event.object_id == ""
    assert_request_recorded(event)


def test_html_login_is_audited(client, clinician, password):
    response = client.post(
        "/accounts/login/",
        {"username": clinician.email, "password": password},
        REMOTE_ADDR=IP,
        HTTP_USER_AGENT=AGENT,
    )
    assert response.status_code == 302

    event = only_event()
    assert event.action == Action.LOGIN
    assert event.actor == clinician
    assert_request_recorded(event)


def issued_refresh(user, password):
    response = client_from().post(
        f"{AUTH}/login", {"email": user.email, "password": password}, format="json"
    )
    assert response.status_code == 200
    return response.json()["refresh_token"]


def existing_ids():
    """The rows that record something done (a refused request adds a 'refused' row)."""
    return set(AuditEvent.objects.exclude(action=Action.REFUSED).values_list("pk", flat=True))


def test_api_logout_is_audited(clinician, password):
    refresh = issued_refresh(clinician, password)
    before = existing_ids()

    response = client_from(user=clinician).post(
        f"{AUTH}/logout", {"refresh_token": refresh}, format="json"
    )
    assert response.status_code == 200

    event = only_event(before)
    assert event.action == Action.LOGOUT
    assert event.actor == clinician
    assert event.clinic == clinician.clinic
    assert_request_recorded(event)


def test_refused_logout_is_not_audited(clinician, admin_user, password):
    foreign = issued_refresh(admin_user, password)
    before = existing_ids()
    response = client_from(user=clinician).post(
        f"{AUTH}/logout", {"refresh_token": foreign}, format="json"
    )
    assert response.status_code == 400
    assert existing_ids() == before


def test_password_change_is_audited(clinician, password):
    response = client_from(user=clinician).post(
        f"{AUTH}/change-password",
        {"current_password": password, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 200

    event = only_event()
    assert event.action == Action.PASSWORD_CHANGE
    assert event.actor == clinician
    assert event.clinic == clinician.clinic
    assert_request_recorded(event)


def test_failed_password_change_is_not_audited_as_a_change(clinician):
    client_from(user=clinician).post(
        f"{AUTH}/change-password",
        {"current_password": "Not-it-at-all-1", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert not AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE).exists()


def test_password_reset_is_audited(clinician, mailbox):
    client = client_from()
    client.post(f"{AUTH}/forgot-password", {"email": clinician.email}, format="json")
    link = re.search(r"/accounts/reset/([^/\s]+/[^/\s]+)/", mailbox.body(mailbox.messages[0]))

    response = client.post(
        f"{AUTH}/reset-password",
        {"token": link[1], "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 200

    requested = AuditEvent.objects.get(action=Action.PASSWORD_RESET_REQUEST)
    assert requested.object_id == clinician.pk
    assert requested.clinic == clinician.clinic
    assert_request_recorded(requested)
    reset = AuditEvent.objects.get(action=Action.PASSWORD_RESET)
    assert reset.actor == clinician
    assert reset.clinic == clinician.clinic
    assert_request_recorded(reset)
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db
def test_reset_request_for_unknown_email_is_not_audited_against_anyone():
    client_from().post(f"{AUTH}/forgot-password", {"email": "ghost@example.org"}, format="json")
    assert not AuditEvent.objects.exclude(object_id="").exists()


@pytest.mark.django_db
def test_signup_is_audited(mailbox):
    response = api_signup(
        client_from(),
        mailbox,
        {
            "name": "Grace Hopper",
            "email": "grace@example.org",
            "password": "Compiler-cobol-1959",
            "clinic_name": "Hopper Care",
        },
    )
    assert response.status_code == 201

    event = only_event()
    user = User.objects.get(email="grace@example.org")
    assert event.action == Action.SIGNUP
    assert event.actor == user
    assert event.actor_role == Role.ADMIN
    assert event.clinic == Clinic.objects.get(name="Hopper Care")
    assert_request_recorded(event)


# --- staff and clinic changes ------------------------------------------------------------------
def test_staff_invite_is_audited(admin_user):
    response = client_from(user=admin_user).post(
        STAFF,
        {"email": "new.nurse@example.org", "name": "New Nurse", "role": "nurse"},
        format="json",
    )
    assert response.status_code == 202

    event = only_event()
    assert event.action == Action.INVITE
    assert event.actor == admin_user
    assert event.clinic == admin_user.clinic
    assert event.object_id == User.objects.get(email="new.nurse@example.org").pk
    assert "nurse" in event.detail
    assert_request_recorded(event)


def test_an_invitation_that_could_not_be_mailed_is_audited_with_the_outcome(
    admin_user, mail_server_down
):
    response = client_from(user=admin_user).post(
        STAFF,
        {"email": "new.nurse@example.org", "name": "New Nurse", "role": "nurse"},
        format="json",
    )
    first = only_event()
    invited = User.objects.get(email=response.json()["email"])
    client_from(user=admin_user).post(f"{STAFF}/{invited.pk}/resend-invitation")
    second = only_event(before=[first.pk])

    assert (first.action, first.detail) == (Action.INVITE, "role=nurse; e-mail not sent")
    assert (second.action, second.detail) == (Action.INVITE, "role=nurse; resent; e-mail not sent")
    assert second.object_id == first.object_id == invited.pk


def test_staff_role_change_is_audited(admin_user, clinician):
    response = client_from(user=admin_user).patch(
        f"{STAFF}/{clinician.pk}", {"role": "nurse"}, format="json"
    )
    assert response.status_code == 200

    event = only_event()
    assert event.action == Action.UPDATE
    assert event.actor == admin_user
    assert event.clinic == admin_user.clinic
    assert event.object_id == clinician.pk
    assert "role=nurse" in event.detail
    assert_request_recorded(event)


def test_staff_deactivation_is_audited(admin_user, clinician):
    response = client_from(user=admin_user).delete(f"{STAFF}/{clinician.pk}")
    assert response.status_code == 204

    event = only_event()
    assert event.action == Action.UPDATE
    assert event.actor == admin_user
    assert event.object_id == clinician.pk
    assert "is_active=False" in event.detail
    assert_request_recorded(event)


def test_refused_staff_change_is_audited_as_refused_not_as_a_change(clinician, staff):
    response = client_from(user=clinician).patch(
        f"{STAFF}/{staff['nurse'].pk}", {"role": "admin"}, format="json"
    )
    assert response.status_code == 403
    assert [e.action for e in AuditEvent.objects.all()] == [Action.REFUSED]


def test_clinic_update_is_audited(admin_user):
    response = client_from(user=admin_user).patch(
        "/api/v1/clinics/current", {"name": "Riverside Health"}, format="json"
    )
    assert response.status_code == 200

    event = only_event()
    assert event.action == Action.UPDATE
    assert event.actor == admin_user
    assert event.object_id == admin_user.clinic_id
    assert_request_recorded(event)


# --- append-only -------------------------------------------------------------------------------
@pytest.fixture
def event(clinician, password):
    client_from().post(
        f"{AUTH}/login", {"email": clinician.email, "password": password}, format="json"
    )
    return AuditEvent.objects.get(actor=clinician, action=Action.LOGIN)


def test_audit_event_cannot_be_changed(event):
    event.action = Action.LOGOUT
    with pytest.raises(ValidationError):
        event.save()
    event.refresh_from_db()
    assert event.action == Action.LOGIN


def test_audit_event_cannot_be_deleted(event):
    with pytest.raises(ValidationError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_lists_audit_events_read_only(superuser_web, event):
    response = superuser_web.get("/admin/accounts/auditevent/")

    assert response.status_code == 200
    content = response.content.decode()
    assert event.actor_label in content
    assert "/admin/accounts/auditevent/add/" not in content
    assert 'value="delete_selected"' not in content


def test_admin_shows_an_audit_event_without_a_save_button(superuser_web, event):
    response = superuser_web.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content


def test_admin_cannot_add_audit_events(superuser_web, event):
    before = existing_ids()
    assert superuser_web.get("/admin/accounts/auditevent/add/").status_code == 403
    response = superuser_web.post("/admin/accounts/auditevent/add/", {"action": "login"})
    assert response.status_code == 403
    assert existing_ids() == before


def test_admin_cannot_change_audit_events(superuser_web, event):
    response = superuser_web.post(
        f"/admin/accounts/auditevent/{event.pk}/change/",
        {"action": "logout", "actor_label": "someone@else.org", "detail": "edited"},
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == Action.LOGIN
    assert event.detail == ""


def test_admin_cannot_delete_audit_events(superuser_web, event):
    assert superuser_web.get(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403
    response = superuser_web.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    bulk = superuser_web.post(
        "/admin/accounts/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_rows_cannot_be_bulk_edited_or_deleted(admin_user):
    from django.core.exceptions import ValidationError

    from accounts.models import AuditEvent

    AuditEvent.objects.create(actor=admin_user, action=AuditEvent.Action.LOGIN)
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(actor=admin_user).update(action=AuditEvent.Action.LOGOUT)
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(actor=admin_user).delete()
    assert AuditEvent.objects.filter(actor=admin_user, action=AuditEvent.Action.LOGIN).exists()


def test_deleting_a_user_keeps_their_audit_trail(admin_user, clinician):
    from accounts.models import AuditEvent
    from core.audit import audit

    audit(actor=clinician, action=AuditEvent.Action.LOGIN)
    clinician_id = clinician.pk
    clinician.delete()
    event = AuditEvent.objects.get(actor_label=clinician.email, action=AuditEvent.Action.LOGIN)
    assert event.actor_id == clinician_id  # kept as written: deleting rewrites no audit row
