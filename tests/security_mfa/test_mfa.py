"""Two-factor authentication: enrolment, the second login step (API and web), the clinic
policy, superusers in the admin, backup codes, replay, and an admin's reset."""

import datetime
import re
import time

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.models import AuditEvent
from clinics.models import MfaPolicy
from core.roles import Role
from tests.patients.html_factories import page_text

AUTH = "/api/v1/auth"


def code_for(device, step_offset=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + step_offset * device.step
    return f"{totp.token():06d}"


def enrol(user) -> list[str]:
    """Enrol through the service; the code used is then spent, so later codes are a step on."""
    mfa.totp_begin(user=user)
    device = TOTPDevice.objects.get(user=user)
    return mfa.totp_confirm(user=user, code=code_for(device))


def next_code(user) -> str:
    return code_for(TOTPDevice.objects.get(user=user, confirmed=True), step_offset=1)


def login(api_client, user, password):
    return api_client.post(f"{AUTH}/login", {"email": user.email, "password": password})


# --- enrolment through the API ----------------------------------------------------------------
def test_api_enrolment_gives_a_qr_code_then_backup_codes(api_as, clinician):
    client = api_as(clinician)
    started = client.post(f"{AUTH}/mfa/totp")
    assert started.status_code == 200
    body = started.json()
    assert body["otpauth_url"].startswith("otpauth://totp/")
    assert body["secret"] in body["otpauth_url"]
    assert body["qr_svg"].startswith("<svg")

    device = TOTPDevice.objects.get(user=clinician)
    confirmed = client.post(f"{AUTH}/mfa/totp/confirm", {"code": code_for(device)})
    assert confirmed.status_code == 200
    assert len(confirmed.json()["backup_codes"]) == mfa.BACKUP_CODE_COUNT
    assert mfa.has_device(clinician)
    assert AuditEvent.objects.filter(action="mfa_enrol", object_id=clinician.pk).exists()


def test_a_wrong_confirmation_code_leaves_two_factor_off(api_as, clinician):
    client = api_as(clinician)
    client.post(f"{AUTH}/mfa/totp")
    answer = client.post(f"{AUTH}/mfa/totp/confirm", {"code": "000000"})
    assert answer.status_code == 400
    assert not mfa.has_device(clinician)


def test_patients_may_turn_it_on_too(api_as, db):
    from tests.factories import UserFactory

    patient = UserFactory(role=Role.PATIENT, clinic=None)
    assert api_as(patient).post(f"{AUTH}/mfa/totp").status_code == 200


# --- the second step of an API login ----------------------------------------------------------
def test_api_login_with_a_device_asks_for_a_code_then_gives_tokens(api_client, clinician, password):
    enrol(clinician)
    first = login(api_client, clinician, password)
    assert first.status_code == 200
    assert first.json()["mfa_required"] is True
    assert "access_token" not in first.json()

    token = first.json()["mfa_token"]
    done = api_client.post(f"{AUTH}/mfa/verify", {"mfa_token": token, "code": next_code(clinician)})
    assert done.status_code == 200
    assert done.json()["access_token"]


def test_a_totp_code_cannot_be_replayed(api_client, clinician, password):
    enrol(clinician)
    token = login(api_client, clinician, password).json()["mfa_token"]
    code = next_code(clinician)
    assert (
        api_client.post(f"{AUTH}/mfa/verify", {"mfa_token": token, "code": code}).status_code == 200
    )
    again = api_client.post(f"{AUTH}/mfa/verify", {"mfa_token": token, "code": code})
    assert again.status_code == 401


def test_a_backup_code_works_once(api_client, clinician, password):
    codes = enrol(clinician)
    token = login(api_client, clinician, password).json()["mfa_token"]
    body = {"mfa_token": token, "code": codes[0]}
    assert api_client.post(f"{AUTH}/mfa/verify", body).status_code == 200
    assert api_client.post(f"{AUTH}/mfa/verify", body).status_code == 401


def test_a_forged_mfa_token_is_refused(api_client, clinician):
    enrol(clinician)
    answer = api_client.post(
        f"{AUTH}/mfa/verify", {"mfa_token": "forged", "code": next_code(clinician)}
    )
    assert answer.status_code == 400
    assert "mfa_token" in answer.json()["errors"]


# --- the clinic policy ------------------------------------------------------------------------
def test_new_clinics_do_not_require_two_factor(clinic):
    assert clinic.mfa_policy == MfaPolicy.OFF


def test_admin_sets_the_policy_through_the_api(admin_api, clinic):
    answer = admin_api.patch("/api/v1/clinics/current", {"mfa_policy": "staff"})
    assert answer.status_code == 200, answer.json()
    clinic.refresh_from_db()
    assert clinic.mfa_policy == MfaPolicy.STAFF


def test_required_but_unenrolled_staff_must_enrol_from_the_api(api_client, clinician, password):
    clinician.clinic.mfa_policy = MfaPolicy.STAFF
    clinician.clinic.save()
    answer = login(api_client, clinician, password)
    assert answer.status_code == 403
    assert answer.json()["code"] == "mfa_enrollment_required"

    token = answer.json()["mfa_token"]
    assert api_client.post(f"{AUTH}/mfa/totp", {"mfa_token": token}).status_code == 200
    device = TOTPDevice.objects.get(user=clinician)
    done = api_client.post(
        f"{AUTH}/mfa/totp/confirm", {"mfa_token": token, "code": code_for(device)}
    )
    assert done.status_code == 200
    assert done.json()["access_token"] and done.json()["backup_codes"]


def test_admins_only_policy_leaves_other_staff_alone(api_client, staff, password):
    clinic = staff[Role.ADMIN].clinic
    clinic.mfa_policy = MfaPolicy.ADMINS
    clinic.save()
    assert login(api_client, staff[Role.ADMIN], password).status_code == 403
    assert "access_token" in login(api_client, staff[Role.NURSE], password).json()


# --- the web login ----------------------------------------------------------------------------
def test_web_login_asks_for_the_code_after_the_password(client, clinician, password):
    enrol(clinician)
    client.post("/accounts/login/", {"username": clinician.email, "password": password})
    home = client.get("/")
    assert home.status_code == 302
    assert home.url.startswith("/accounts/mfa/verify/")
    assert client.get("/api/v1/auth/me").status_code == 403  # the session API is held too

    done = client.post("/accounts/mfa/verify/", {"code": next_code(clinician)})
    assert done.status_code == 302
    assert client.get("/").status_code == 200


def test_required_but_unenrolled_staff_are_sent_to_enrolment(client, clinician, password):
    clinician.clinic.mfa_policy = MfaPolicy.STAFF
    clinician.clinic.save()
    client.post("/accounts/login/", {"username": clinician.email, "password": password})
    home = client.get("/")
    assert home.status_code == 302
    assert home.url.startswith("/accounts/mfa/setup/")
    page = client.get("/accounts/mfa/setup/")
    assert b"<svg" in page.content


def test_admin_home_recommends_two_factor_until_enrolled(admin_web, admin_user):
    assert b"mfa-recommended" in admin_web.get("/").content
    enrol(admin_user)
    assert b"mfa-recommended" not in admin_web.get("/").content


@pytest.mark.mfa
def test_superusers_need_a_second_factor_for_the_django_admin(client, db, password):
    from tests.factories import UserFactory

    root = UserFactory(is_superuser=True, is_staff=True, clinic=None)
    client.force_login(root)
    answer = client.get("/admin/")
    assert answer.status_code == 302
    assert answer.url.startswith("/accounts/mfa/setup/")


# --- recovery ---------------------------------------------------------------------------------
def test_an_admin_resets_a_colleagues_second_factor(admin_api, clinician, api_client, password):
    enrol(clinician)
    answer = admin_api.post(f"/api/v1/clinics/current/staff/{clinician.pk}/mfa-reset")
    assert answer.status_code == 200
    assert not mfa.has_device(clinician)
    assert AuditEvent.objects.filter(action="mfa_reset", object_id=clinician.pk).exists()
    assert "access_token" in login(api_client, clinician, password).json()


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.NURSE])
def test_only_admins_reset_a_second_factor(api_as, staff, role):
    target = staff[Role.LAB_TECH]
    answer = api_as(staff[role]).post(f"/api/v1/clinics/current/staff/{target.pk}/mfa-reset")
    assert answer.status_code == 403


def test_another_clinics_admin_cannot_reset(api_as, other_admin, clinician):
    answer = api_as(other_admin).post(f"/api/v1/clinics/current/staff/{clinician.pk}/mfa-reset")
    assert answer.status_code == 404


def test_the_admin_resets_a_second_factor_from_the_staff_page(admin_web, clinician):
    enrol(clinician)
    page = admin_web.get(f"/clinic/staff/{clinician.pk}/")
    assert b'id="mfa-reset"' in page.content
    answer = admin_web.post(f"/clinic/staff/{clinician.pk}/", {"action": "mfa_reset"})
    assert answer.status_code == 302
    assert not mfa.has_device(clinician)


def test_the_staff_page_shows_two_factor_on_only_once_it_is_set_up(admin_web, clinician):
    mfa.totp_begin(user=clinician)  # they opened the set-up page and went no further
    page = page_text(admin_web.get(f"/clinic/staff/{clinician.pk}/"))
    assert 'id="mfa-reset"' not in page
    assert "Reset two-factor authentication" not in page

    TOTPDevice.objects.filter(user=clinician).delete()
    enrol(clinician)
    assert 'id="mfa-reset"' in page_text(admin_web.get(f"/clinic/staff/{clinician.pk}/"))


def test_without_a_policy_the_reset_says_two_factor_is_now_off(admin_web, clinician):
    enrol(clinician)
    page = page_text(admin_web.get(f"/clinic/staff/{clinician.pk}/"))
    assert "they can turn it on again from their profile" in page
    assert "at their next sign-in" not in page

    done = admin_web.post(f"/clinic/staff/{clinician.pk}/", {"action": "mfa_reset"}, follow=True)
    assert "two-factor authentication is now off" in page_text(done)
    assert "at their next sign-in" not in page_text(done)


def test_when_the_policy_requires_it_the_reset_says_they_set_it_up_again(admin_web, clinician):
    clinician.clinic.mfa_policy = MfaPolicy.STAFF
    clinician.clinic.save()
    enrol(clinician)
    page = page_text(admin_web.get(f"/clinic/staff/{clinician.pk}/"))
    assert "they set it up again at their next sign-in" in page

    done = admin_web.post(f"/clinic/staff/{clinician.pk}/", {"action": "mfa_reset"}, follow=True)
    assert "they set it up again at their next sign-in" in page_text(done)


# --- codes as people type them ----------------------------------------------------------------
def throttle(user, failures=5) -> None:
    """What a few wrong codes in a row do: django-otp refuses every code for a while."""
    device = TOTPDevice.objects.get(user=user)
    for _i in range(failures):
        device.throttle_increment()


@pytest.fixture
def signed_in(client, clinician, password):
    """A web session that passed the password and waits for the second factor."""
    codes = enrol(clinician)
    client.post("/accounts/login/", {"username": clinician.email, "password": password})
    return client, codes


def test_after_wrong_codes_the_page_says_to_wait_not_that_the_code_is_wrong(signed_in, clinician):
    client, codes = signed_in
    throttle(clinician)
    page = page_text(client.post("/accounts/mfa/verify/", {"code": next_code(clinician)}))
    assert "Too many wrong codes: wait 16 seconds, then try again." in page
    assert "That code is not right" not in page
    assert client.get("/").status_code == 302

    assert client.post("/accounts/mfa/verify/", {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200  # a backup code still gets them in


def test_the_api_also_says_to_wait(api_client, clinician, password):
    enrol(clinician)
    token = login(api_client, clinician, password).json()["mfa_token"]
    throttle(clinician)
    answer = api_client.post(
        f"{AUTH}/mfa/verify", {"mfa_token": token, "code": next_code(clinician)}
    )
    assert answer.status_code == 401
    assert "Too many wrong codes" in answer.json()["detail"]


def test_set_up_after_wrong_codes_says_to_wait(client, clinician):
    client.force_login(clinician)
    client.get("/accounts/mfa/setup/")
    throttle(clinician, failures=3)
    device = TOTPDevice.objects.get(user=clinician)
    page = page_text(client.post("/accounts/mfa/setup/", {"code": code_for(device)}))
    assert "Too many wrong codes: wait 4 seconds, then try again." in page
    assert not mfa.has_device(clinician)


def test_backup_codes_work_in_capitals(signed_in, clinician):
    client, codes = signed_in
    assert client.post("/accounts/mfa/verify/", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/").status_code == 200


def test_the_code_field_lets_a_phone_type_a_backup_codes_letters(signed_in):
    client, _codes = signed_in
    page = page_text(client.get("/accounts/mfa/verify/"))
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' not in page


def test_wrong_backup_codes_slow_down_the_guessing(signed_in, clinician):
    """Backup codes are throttled as the authenticator's codes are: each wrong guess doubles the
    wait, during which even the right code waits; it is still there once the wait is over."""
    client, codes = signed_in
    backup = StaticDevice.objects.filter(user=clinician)

    def wait_over():
        backup.update(throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1))

    for guess in ("aaaaaaaa", "bbbbbbbb", "cccccccc"):
        wait_over()
        assert "That code is not right" in page_text(
            client.post("/accounts/mfa/verify/", {"code": guess})
        )
    page = page_text(client.post("/accounts/mfa/verify/", {"code": codes[0]}))
    assert "Too many wrong codes: wait 4 seconds, then try again." in page
    assert client.get("/").status_code == 302

    wait_over()
    assert client.post("/accounts/mfa/verify/", {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    assert backup.get().throttling_failure_count == 0


def test_a_mistyped_authenticator_code_does_not_lock_the_backup_codes(signed_in, clinician):
    client, codes = signed_in
    for _i in range(3):
        client.post("/accounts/mfa/verify/", {"code": "000000"})
    assert StaticDevice.objects.get(user=clinician).throttling_failure_count == 0
    assert client.post("/accounts/mfa/verify/", {"code": codes[0]}).status_code == 302


def test_the_set_up_code_field_opens_the_numeric_keypad(client, clinician):
    """Setting up takes the app's digits only; the sign-in field keeps its letters."""
    client.force_login(clinician)
    page = page_text(client.get("/accounts/mfa/setup/"))
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    assert "one of your backup codes" not in page


def test_the_set_up_page_keeps_its_key_until_it_is_confirmed(client, clinician):
    """A phone's browser reloads the tab after a switch to the authenticator app: the key the
    app scanned must still be the one a code is checked against (each visit made a new one)."""
    client.force_login(clinician)
    shown = re.search(r'id="mfa-secret">([A-Z2-7]+)<', client.get("/accounts/mfa/setup/").text)[1]
    scanned = TOTPDevice.objects.get(user=clinician)

    reloaded = client.get("/accounts/mfa/setup/").text
    done = page_text(client.post("/accounts/mfa/setup/", {"code": code_for(scanned)}))

    assert f'id="mfa-secret">{shown}<' in reloaded
    assert mfa.has_device(clinician)
    assert done.count("Two-factor authentication is on.") == 1


@pytest.mark.parametrize("target", ["foo", "home", "0123456789abcdef01234567", "//evil.example/"])
def test_a_next_that_is_not_a_path_of_this_site_leads_home(client, clinician, target):
    """`?next=foo` answered 500: a bare word was read as the name of a URL pattern."""
    client.force_login(clinician)

    answer = client.get("/accounts/mfa/verify/", {"next": target})

    assert answer.status_code == 302 and answer.url == "/"


def test_a_next_path_of_this_site_is_followed(client, clinician):
    client.force_login(clinician)
    answer = client.get("/accounts/mfa/verify/", {"next": "/patients/?q=smi"})
    assert answer.status_code == 302 and answer.url == "/patients/?q=smi"
