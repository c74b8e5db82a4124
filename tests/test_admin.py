"""The Django admin is for platform superusers: every model listed usefully, audit read-only."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, User
from core.roles import Role
from tests.factories import PASSWORD, UserFactory

ADMIN_PAGES = [
    "/admin/",
    "/admin/accounts/user/",
    "/admin/accounts/user/?q=example&role__exact=admin",
    "/admin/accounts/auditevent/",
    "/admin/accounts/auditevent/?action__exact=login",
    "/admin/accounts/refreshtokenrecord/",
    "/admin/clinics/clinic/",
    "/admin/clinics/clinic/?q=Riverside",
    "/admin/accounts/user/add/",
    "/admin/clinics/clinic/add/",
]


@pytest.fixture
def superuser(db):
    return UserFactory(
        email="root@platform.example",
        role=Role.ADMIN,
        clinic=None,
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def superuser_web(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_superuser_sees_every_admin_page(superuser_web, staff, url):
    response = superuser_web.get(url)
    assert response.status_code == 200


def test_admin_login_works_for_a_superuser(client, superuser):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": superuser.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    # Platform superusers always need a second factor for the admin: enrolment comes first.
    assert client.get("/admin/").url.startswith("/accounts/mfa/setup/")
    client.get("/accounts/mfa/setup/")
    device = TOTPDevice.objects.get(user=superuser)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    client.post("/accounts/mfa/setup/", {"code": f"{totp.token():06d}"})
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CLINICIAN])
def test_clinic_staff_cannot_use_the_admin(client, staff, role):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff[role].email, "password": PASSWORD}
    )
    assert response.status_code == 200  # the login form again, with an error
    assert "/admin/" not in response.get("Location", "")
    client.force_login(staff[role])
    assert client.get("/admin/accounts/user/").status_code == 302  # back to the admin login


def test_user_changelist_lists_clinic_and_role(superuser_web, staff):
    content = superuser_web.get("/admin/accounts/user/").content.decode()
    assert staff[Role.NURSE].email in content
    assert "Riverside Clinic" in content


def test_audit_events_are_read_only_in_the_admin(superuser_web, admin_user):
    client = superuser_web
    event = AuditEvent.objects.filter(actor__isnull=False).first() or AuditEvent.objects.create(
        actor=admin_user, action=AuditEvent.Action.LOGIN
    )
    changelist = client.get("/admin/accounts/auditevent/").content.decode()
    assert "/admin/accounts/auditevent/add/" not in changelist
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    change_url = f"/admin/accounts/auditevent/{event.pk}/change/"
    assert client.get(change_url).status_code == 200  # viewable
    assert client.post(change_url, {"action": "delete"}).status_code == 403
    assert (
        client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk, action=event.action).exists()


def test_superuser_creates_a_user_in_the_admin(superuser_web, clinic):
    response = superuser_web.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.org",
            "name": "New Person",
            "role": Role.NURSE,
            "clinic": clinic.pk,
            "password1": "Quiet-meadow-4821",
            "password2": "Quiet-meadow-4821",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.person@example.org")
    assert user.clinic == clinic and user.check_password("Quiet-meadow-4821")
