"""Staff management API: list, invite, detail, role change, deactivation; admins only."""

import re

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from core.roles import Role
from tests.factories import PASSWORD, UserFactory

STAFF = "/api/v1/clinics/current/staff"
AUTH = "/api/v1/auth"
NON_ADMIN = [Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH]
USER_FIELDS = {
    "id",
    "email",
    "name",
    "phone",
    "language",
    "role",
    "clinic_id",
    "patient_id",
    "is_active",
    "is_verified",
    "created_at",
    "updated_at",
}
NEW_PASSWORD = "Invited-orchard-sunrise-8"
LINK = re.compile(r"http://testserver/accounts/reset/([A-Za-z0-9_\-]+/[A-Za-z0-9\-]+)/")


@pytest.fixture
def patient_user(clinic):
    return UserFactory(clinic=clinic, role=Role.PATIENT, email="patient@example.org")


def emails(response):
    return {row["email"] for row in response.json()["results"]}


def login(email, password):
    return APIClient().post(f"{AUTH}/login", {"email": email, "password": password}, format="json")


def invite(client, **overrides):
    body = {"email": "new.nurse@example.org", "name": "Nia Nurse", "role": "nurse"}
    body.update(overrides)
    return client.post(STAFF, body, format="json")


# --- list --------------------------------------------------------------------------------------
def test_admin_lists_own_clinic_staff_only(admin_api, staff, other_staff):
    response = admin_api.get(STAFF)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    assert emails(response) == {user.email for user in staff.values()}
    assert all(set(row) == USER_FIELDS for row in body["results"])
    assert not any(row["email"].startswith("b-") for row in body["results"])


def test_list_excludes_patients(admin_api, staff, patient_user):
    assert patient_user.email not in emails(admin_api.get(STAFF))


@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_staff_cannot_list(api_as, staff, role):
    response = api_as(staff[role]).get(STAFF)
    assert response.status_code == 403
    assert response.json()["detail"]


def test_patient_cannot_list(api_as, patient_user):
    assert api_as(patient_user).get(STAFF).status_code == 403


@pytest.mark.django_db
def test_anonymous_cannot_list(api_client):
    assert api_client.get(STAFF).status_code == 401


def test_search_by_name_or_email(admin_api, staff):
    staff["nurse"].name = "Florence Nightingale"
    staff["nurse"].save()

    assert emails(admin_api.get(STAFF, {"search": "nightingale"})) == {staff["nurse"].email}
    assert emails(admin_api.get(STAFF, {"search": "a-lab_tech@"})) == {staff["lab_tech"].email}
    assert admin_api.get(STAFF, {"search": "zzz-nobody"}).json()["count"] == 0


def test_search_ignores_case_and_accents_beyond_ascii(admin_api, staff):
    """On SQLite too, whose own case folding knows ASCII only (core.words.containing)."""
    staff["nurse"].name = "Élodie Ørsted-Şahin"
    staff["nurse"].save()

    for search in ["élodie", "ÉLODIE", "elodie", "ørsted-sahin", "ØRSTED", "Şahin"]:
        assert emails(admin_api.get(STAFF, {"search": search})) == {staff["nurse"].email}, search
    assert emails(admin_api.get(STAFF, {"search": "A-NURSE@"})) == {staff["nurse"].email}


def test_search_does_not_reach_other_clinics(admin_api, staff, other_staff):
    assert admin_api.get(STAFF, {"search": "b-nurse"}).json()["count"] == 0


def test_filter_by_role(admin_api, staff):
    UserFactory(clinic=staff["admin"].clinic, role=Role.NURSE, email="a-nurse2@example.org")
    response = admin_api.get(STAFF, {"role": "nurse"})
    assert emails(response) == {"a-nurse@example.org", "a-nurse2@example.org"}


def test_filter_by_status(admin_api, staff):
    staff["receptionist"].is_active = False
    staff["receptionist"].save()

    inactive = admin_api.get(STAFF, {"status": "inactive"})
    active = admin_api.get(STAFF, {"status": "active"})
    everyone = admin_api.get(STAFF)

    assert emails(inactive) == {staff["receptionist"].email}
    assert staff["receptionist"].email not in emails(active)
    assert active.json()["count"] == 4
    assert everyone.json()["count"] == 5


@pytest.mark.parametrize("param", [{"role": "wizard"}, {"role": "patient"}, {"status": "sleepy"}])
def test_an_unknown_filter_value_is_400(admin_api, staff, param):
    response = admin_api.get(STAFF, param)
    assert response.status_code == 400
    assert set(param) <= set(response.json()["errors"])


def test_filters_combine(admin_api, staff):
    response = admin_api.get(STAFF, {"role": "clinician", "search": "a-clinician"})
    assert emails(response) == {staff["clinician"].email}


def test_list_paginates(admin_api, staff):
    first = admin_api.get(STAFF, {"page_size": 2})
    body = first.json()

    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert body["next"]
    second = admin_api.get(body["next"])
    assert second.status_code == 200
    assert second.json()["previous"]
    last = admin_api.get(STAFF, {"page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1
    assert last["next"] is None
    seen = emails(first) | emails(second) | {row["email"] for row in last["results"]}
    assert seen == {user.email for user in staff.values()}


def test_page_out_of_range_is_a_json_404(admin_api, staff):
    response = admin_api.get(STAFF, {"page": 99})
    assert response.status_code == 404
    assert response.json()["detail"]


def test_list_query_count_does_not_grow_with_rows(admin_api, staff, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        small = admin_api.get(STAFF)
    UserFactory.create_batch(30, clinic=staff["admin"].clinic, role=Role.NURSE)
    with django_assert_max_num_queries(6):
        large = admin_api.get(STAFF)
    assert small.json()["count"] == 5
    assert large.json()["count"] == 35


# --- invite ------------------------------------------------------------------------------------
def test_admin_invites_a_nurse(admin_api, admin_user, clinic, mailbox):
    response = invite(admin_api, phone="+44 20 7946 0000")

    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"detail", "email", "email_sent"}
    assert body["email_sent"] is True
    assert body["email"] == "new.nurse@example.org"
    assert "on its way to new.nurse@example.org" in body["detail"]
    user = User.objects.get(email="new.nurse@example.org")
    assert (user.role, user.clinic, user.is_active, user.is_verified) == (
        "nurse",
        clinic,
        True,
        False,
    )
    assert not user.has_usable_password()
    # The invitee, and only they, got an e-mail with a set-password link.
    assert [m.envelope_recipients for m in mailbox.messages] == [["new.nurse@example.org"]]
    text = mailbox.body(mailbox.messages[0])
    assert LINK.search(text)
    assert "Riverside Clinic" in mailbox.messages[0]["Subject"] + text


def test_invitee_sets_password_through_the_api_and_logs_in(admin_api, mailbox):
    assert invite(admin_api).status_code == 202
    assert login("new.nurse@example.org", NEW_PASSWORD).status_code != 200
    token = LINK.search(mailbox.body(mailbox.messages[0]))[1]

    response = APIClient().post(
        f"{AUTH}/reset-password", {"token": token, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 200, response.content
    logged_in = login("new.nurse@example.org", NEW_PASSWORD)
    assert logged_in.status_code == 200
    assert logged_in.json()["user"]["role"] == "nurse"
    assert logged_in.json()["user"]["is_verified"] is True


def test_invitee_cannot_log_in_before_setting_a_password(admin_api):
    invite(admin_api)
    for attempt in ["", "!", PASSWORD]:
        assert login("new.nurse@example.org", attempt).status_code != 200


@pytest.mark.parametrize("email", ["b-admin@example.org", "B-Nurse@Example.org"])
def test_invite_of_a_taken_email_answers_as_for_a_new_one_and_tells_the_holder(
    admin_api, staff, other_staff, other_clinic, mailbox, email
):
    free = invite(admin_api, email="free@example.org").json()
    users = User.objects.count()
    mailbox.messages.clear()

    response = invite(admin_api, email=email)

    assert response.status_code == 202
    same_words = free["detail"].replace("free@example.org", email.lower())
    assert response.json() == {**free, "detail": same_words, "email": email.lower()}
    assert User.objects.count() == users  # nothing created in either clinic
    assert User.objects.get(email=email.lower()).clinic == other_clinic
    (message,) = mailbox.messages
    assert message.envelope_recipients == [email.lower()]
    assert "Riverside Clinic tried to invite" in mailbox.body(message)
    assert not LINK.search(mailbox.body(message))


@pytest.mark.parametrize("email", ["a-nurse@example.org", "A-Nurse@Example.org"])
def test_invite_of_a_colleague_already_on_the_staff_is_400(admin_api, staff, mailbox, email):
    users = User.objects.count()

    response = invite(admin_api, email=email)

    assert response.status_code == 400
    assert "already on your clinic's staff" in response.json()["errors"]["email"][0]
    assert User.objects.count() == users
    assert mailbox.messages == []


@pytest.mark.parametrize("role", ["patient", "superuser", "", "ADMIN", None])
def test_invite_with_a_non_staff_role_is_400(admin_api, mailbox, role):
    response = invite(admin_api, role=role)

    assert response.status_code == 400
    assert "role" in response.json()["errors"]
    assert not User.objects.filter(email="new.nurse@example.org").exists()
    assert mailbox.messages == []


@pytest.mark.parametrize(
    "field,value", [("email", "not-an-email"), ("name", ""), ("name", ["x"]), ("email", None)]
)
def test_invite_bad_input_is_400(admin_api, mailbox, field, value):
    response = invite(admin_api, **{field: value})
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert mailbox.messages == []


@pytest.mark.parametrize("role", ["admin", "clinician", "nurse", "receptionist", "lab_tech"])
def test_admin_may_invite_every_staff_role(admin_api, role):
    response = invite(admin_api, email=f"{role}@new.example.org", role=role)
    assert response.status_code == 202
    assert User.objects.get(email=f"{role}@new.example.org").role == role


@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_staff_cannot_invite(api_as, staff, mailbox, role):
    response = invite(api_as(staff[role]), role="admin")

    assert response.status_code == 403
    assert not User.objects.filter(email="new.nurse@example.org").exists()
    assert mailbox.messages == []


def test_patient_cannot_invite(api_as, patient_user, mailbox):
    assert invite(api_as(patient_user)).status_code == 403
    assert mailbox.messages == []


def test_invite_that_cannot_be_mailed_keeps_the_account(admin_api, mail_server_down):
    response = invite(admin_api)

    assert response.status_code == 202, response.content
    assert response.json()["email_sent"] is False
    assert "could not be sent" in response.json()["detail"]
    user = User.objects.get(email="new.nurse@example.org")
    assert not user.has_usable_password()
    assert user.email in emails(admin_api.get(STAFF))


def test_invited_user_joins_the_inviters_clinic(api_as, other_admin, other_clinic):
    assert invite(api_as(other_admin)).status_code == 202
    assert User.objects.get(email="new.nurse@example.org").clinic == other_clinic


# --- detail ------------------------------------------------------------------------------------
def test_admin_reads_a_staff_member(admin_api, clinician):
    response = admin_api.get(f"{STAFF}/{clinician.pk}")
    assert response.status_code == 200
    assert response.json()["email"] == clinician.email
    assert set(response.json()) == USER_FIELDS


def test_detail_url_with_trailing_slash(admin_api, clinician):
    assert admin_api.get(f"{STAFF}/{clinician.pk}/").status_code == 200


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_other_clinics_staff_is_404(admin_api, other_staff, method):
    target = other_staff["clinician"]
    call = getattr(admin_api, method)
    kwargs = {"data": {"role": "nurse"}, "format": "json"} if method == "patch" else {}

    response = call(f"{STAFF}/{target.pk}", **kwargs)

    assert response.status_code == 404
    assert response.json()["detail"]
    target.refresh_from_db()
    assert target.role == Role.CLINICIAN
    assert target.is_active


def test_patient_of_own_clinic_is_404_in_staff_detail(admin_api, patient_user):
    assert admin_api.get(f"{STAFF}/{patient_user.pk}").status_code == 404
    assert admin_api.delete(f"{STAFF}/{patient_user.pk}").status_code == 404
    patient_user.refresh_from_db()
    assert patient_user.is_active


@pytest.mark.parametrize(
    "bad_id",
    ["abc", "../x", "..%2Fx", "%2E%2E", "0", "-1", "x" * 200, "1%20OR%201=1", "%00"],
)
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_malformed_ids_are_json_404(admin_api, staff, bad_id, method):
    response = getattr(admin_api, method)(f"{STAFF}/{bad_id}")
    assert response.status_code == 404, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize("role", NON_ADMIN)
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_non_admin_staff_cannot_touch_staff_detail(api_as, staff, role, method):
    target = staff["receptionist"] if role != Role.RECEPTIONIST else staff["nurse"]
    kwargs = {"data": {"role": "admin"}, "format": "json"} if method == "patch" else {}

    response = getattr(api_as(staff[role]), method)(f"{STAFF}/{target.pk}", **kwargs)

    assert response.status_code == 403
    target.refresh_from_db()
    assert target.role != Role.ADMIN
    assert target.is_active


def test_non_admin_cannot_promote_themselves(api_as, clinician):
    response = api_as(clinician).patch(f"{STAFF}/{clinician.pk}", {"role": "admin"}, format="json")
    assert response.status_code == 403
    clinician.refresh_from_db()
    assert clinician.role == Role.CLINICIAN


# --- change --------------------------------------------------------------------------------------
def test_admin_changes_a_role(admin_api, clinician):
    response = admin_api.patch(f"{STAFF}/{clinician.pk}", {"role": "nurse"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "nurse"
    clinician.refresh_from_db()
    assert clinician.role == Role.NURSE


def test_admin_changes_name_and_phone(admin_api, clinician):
    response = admin_api.patch(
        f"{STAFF}/{clinician.pk}", {"name": "Dr Renamed", "phone": "+1 555 0100"}, format="json"
    )
    assert response.status_code == 200
    clinician.refresh_from_db()
    assert (clinician.name, clinician.phone) == ("Dr Renamed", "+1 555 0100")


@pytest.mark.parametrize(
    "body,field",
    [
        ({"role": "patient"}, "role"),
        ({"role": "wizard"}, "role"),
        ({"is_active": "maybe"}, "is_active"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_changes_are_400(admin_api, clinician, body, field):
    response = admin_api.patch(f"{STAFF}/{clinician.pk}", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    clinician.refresh_from_db()
    assert clinician.role == Role.CLINICIAN
    assert clinician.is_active


def test_email_cannot_be_changed_through_staff_patch(admin_api, clinician):
    admin_api.patch(f"{STAFF}/{clinician.pk}", {"email": "stolen@example.org"}, format="json")
    clinician.refresh_from_db()
    assert clinician.email == "a-clinician@example.org"


# --- the last admin ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method,body",
    [("patch", {"role": "clinician"}), ("patch", {"is_active": False}), ("delete", None)],
    ids=["demote", "deactivate-patch", "deactivate-delete"],
)
def test_last_active_admin_cannot_be_demoted_or_deactivated(admin_api, admin_user, method, body):
    kwargs = {"data": body, "format": "json"} if body else {}

    response = getattr(admin_api, method)(f"{STAFF}/{admin_user.pk}", **kwargs)

    assert response.status_code == 400
    assert "admin" in response.json()["detail"].lower()
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN
    assert admin_user.is_active


def test_an_inactive_second_admin_does_not_count(admin_api, admin_user, clinic):
    UserFactory(clinic=clinic, role=Role.ADMIN, email="a-admin2@example.org", is_active=False)
    response = admin_api.delete(f"{STAFF}/{admin_user.pk}")
    assert response.status_code == 400


def test_another_clinics_admin_does_not_count(admin_api, admin_user, other_admin):
    response = admin_api.patch(f"{STAFF}/{admin_user.pk}", {"role": "nurse"}, format="json")
    assert response.status_code == 400


def test_admin_can_step_down_once_a_second_admin_exists(admin_api, admin_user, clinician):
    promoted = admin_api.patch(f"{STAFF}/{clinician.pk}", {"role": "admin"}, format="json")
    assert promoted.status_code == 200

    response = admin_api.patch(f"{STAFF}/{admin_user.pk}", {"role": "clinician"}, format="json")

    assert response.status_code == 200, response.content
    admin_user.refresh_from_db()
    assert admin_user.role == Role.CLINICIAN


def test_second_admin_can_be_deactivated(admin_api, clinic):
    second = UserFactory(clinic=clinic, role=Role.ADMIN, email="a-admin2@example.org")
    assert admin_api.delete(f"{STAFF}/{second.pk}").status_code == 204
    second.refresh_from_db()
    assert not second.is_active


# --- deactivation --------------------------------------------------------------------------------
def test_deactivated_user_is_locked_out(admin_api, clinician, password):
    tokens = login(clinician.email, password).json()

    response = admin_api.delete(f"{STAFF}/{clinician.pk}")

    assert response.status_code == 204
    assert response.content == b""
    clinician.refresh_from_db()
    assert not clinician.is_active
    # The access token stopped working ...
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert client.get(f"{AUTH}/me").status_code == 401
    # ... so did the refresh token ...
    refreshed = APIClient().post(
        f"{AUTH}/refresh", {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert refreshed.status_code == 401
    # ... and the password no longer logs in.
    assert login(clinician.email, password).status_code == 401


def test_deactivation_by_patch_also_revokes_tokens(admin_api, clinician, password):
    tokens = login(clinician.email, password).json()

    assert (
        admin_api.patch(f"{STAFF}/{clinician.pk}", {"is_active": False}, format="json").status_code
        == 200
    )

    refreshed = APIClient().post(
        f"{AUTH}/refresh", {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert refreshed.status_code == 401


def test_deactivated_user_stays_in_the_list_and_can_be_reactivated(admin_api, clinician, password):
    admin_api.delete(f"{STAFF}/{clinician.pk}")
    assert clinician.email in emails(admin_api.get(STAFF, {"status": "inactive"}))

    response = admin_api.patch(f"{STAFF}/{clinician.pk}", {"is_active": True}, format="json")

    assert response.status_code == 200
    assert login(clinician.email, password).status_code == 200


# --- resend an invitation ----------------------------------------------------------------------
def resend(client, user):
    return client.post(f"{STAFF}/{user.pk}/resend-invitation")


@pytest.fixture
def invitee(admin_api, mailbox):
    body = invite(admin_api).json()
    mailbox.messages.clear()
    return User.objects.get(email=body["email"])


def test_resend_mails_a_new_link_that_works(admin_api, invitee, mailbox):
    response = resend(admin_api, invitee)

    assert response.status_code == 200, response.content
    assert response.json()["email_sent"] is True
    assert response.json()["id"] == invitee.pk
    (message,) = mailbox.messages
    assert message.envelope_recipients == [invitee.email]
    token = LINK.search(mailbox.body(message))[1]
    reset = APIClient().post(
        f"{AUTH}/reset-password", {"token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    assert reset.status_code == 200
    assert login(invitee.email, NEW_PASSWORD).status_code == 200


def test_resend_after_an_invitation_that_failed(admin_api, mailbox, mail_server_down):
    user_id = User.objects.get(email=invite(admin_api).json()["email"]).pk
    mail_server_down.back()

    response = admin_api.post(f"{STAFF}/{user_id}/resend-invitation")

    assert response.json()["email_sent"] is True
    assert len(mailbox.messages) == 1


def test_resend_that_cannot_be_mailed_says_so(admin_api, invitee, request):
    request.getfixturevalue("mail_server_down")
    response = resend(admin_api, invitee)
    assert response.status_code == 200
    assert response.json()["email_sent"] is False


def test_resend_to_someone_with_a_password_is_400(admin_api, clinician, mailbox):
    response = resend(admin_api, clinician)

    assert response.status_code == 400
    assert "already set a password" in response.json()["detail"]
    assert mailbox.messages == []


def test_resend_to_a_deactivated_invitee_is_400(admin_api, invitee, mailbox):
    admin_api.delete(f"{STAFF}/{invitee.pk}")

    response = resend(admin_api, invitee)

    assert response.status_code == 400
    assert "Reactivate" in response.json()["detail"]
    assert mailbox.messages == []


def test_resend_to_another_clinics_invitee_is_404(api_as, other_admin, invitee, mailbox):
    assert resend(api_as(other_admin), invitee).status_code == 404
    assert mailbox.messages == []


@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_staff_cannot_resend(api_as, staff, invitee, mailbox, role):
    assert resend(api_as(staff[role]), invitee).status_code == 403
    assert mailbox.messages == []
