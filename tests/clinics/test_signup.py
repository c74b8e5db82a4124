"""Sign-up with a confirmed e-mail: the answer never tells whether an address has an account;
the mailed link (or its code, in the app) creates the clinic and its admin, once."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, PendingSignup, User
from accounts.services import pending_signups_prune
from clinics.models import Clinic
from tests.accounts.signup import AUTH, CONFIRM_LINK, mail_to, signup_token
from tests.patients.html_factories import page_text

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
PASSWORD = "Juniper-ledger-5521"
BODY = {"name": "Ines Ortega", "email": "ines@example.org", "password": PASSWORD}


def api_body(**overrides):
    return {**BODY, "clinic_name": "Ortega Family Care", **overrides}


def form_data(**overrides):
    return {**api_body(**overrides), "password_confirm": overrides.get("password", PASSWORD)}


def confirm(client, token):
    return client.post(f"{AUTH}/signup/confirm", {"token": token}, format="json")


# --- what each address receives ----------------------------------------------------------------
def test_a_new_address_gets_the_link_and_nothing_exists_until_it_is_followed(api_client, mailbox):
    response = api_client.post(f"{AUTH}/signup", api_body(), format="json")

    assert response.status_code == 202
    assert "Check your e-mail" in response.json()["message"]
    assert not Clinic.objects.exists() and not User.objects.exists()
    pending = PendingSignup.objects.get()
    assert pending.email == "ines@example.org"
    assert check_password(PASSWORD, pending.password_hash)  # kept only as a hash
    assert PASSWORD not in pending.password_hash
    token = signup_token(mailbox, "ines@example.org")
    assert pending.token_hash and token not in pending.token_hash  # only its digest is kept
    (message,) = mailbox.messages
    assert message.envelope_recipients == ["ines@example.org"]
    assert "Ortega Family Care" in mailbox.body(message)


def test_a_taken_address_gets_a_notice_to_its_holder_without_a_link(
    api_client, staff, other_staff, mailbox
):
    holder = staff["clinician"]
    clinics, users = Clinic.objects.count(), User.objects.count()

    response = api_client.post(f"{AUTH}/signup", api_body(email=holder.email), format="json")

    assert response.status_code == 202
    (message,) = mailbox.messages
    assert message.envelope_recipients == [holder.email]
    body = mailbox.body(message)
    assert "Someone tried to create a clinic" in body
    assert "http://testserver/accounts/login/" in body
    assert "http://testserver/accounts/password_reset/" in body
    assert not CONFIRM_LINK.search(body)
    assert "Ortega Family Care" not in body  # nothing a stranger typed is echoed to the holder
    assert (Clinic.objects.count(), User.objects.count()) == (clinics, users)
    assert not PendingSignup.objects.exists()  # nothing left that a link could use
    event = AuditEvent.objects.get(action="signup")
    assert (event.object_id, event.clinic_id) == (holder.pk, holder.clinic_id)


def test_taken_and_free_addresses_get_the_same_answer_from_the_api(api_client, staff, mailbox):
    free = api_client.post(f"{AUTH}/signup", api_body(), format="json")
    taken = api_client.post(
        f"{AUTH}/signup", api_body(email=staff["admin"].email.upper()), format="json"
    )

    assert (free.status_code, free.json()) == (taken.status_code, taken.json())
    assert sorted(free.headers) == sorted(taken.headers)


def test_taken_and_free_addresses_get_the_same_page(client, staff, mailbox):
    free = client.post(SIGNUP, form_data(), follow=True)
    taken = client.post(SIGNUP, form_data(email=staff["nurse"].email), follow=True)

    assert free.redirect_chain == taken.redirect_chain == [("/accounts/signup/sent/", 302)]
    assert page_text(free) == page_text(taken)
    assert "Check your e-mail" in page_text(free)


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"password": "short1"}, "password"),
        ({"password": "ines@example.org"}, "password"),
        ({"clinic_name": " "}, "clinic_name"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "Ines\u202eOrtega"}, "name"),
    ],
)
def test_input_errors_are_told_at_once_and_nothing_is_kept_or_sent(
    api_client, mailbox, overrides, field
):
    response = api_client.post(f"{AUTH}/signup", api_body(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not PendingSignup.objects.exists()
    assert mailbox.messages == []


# --- the link ----------------------------------------------------------------------------------
def test_the_link_creates_the_clinic_and_signs_in_once(client, mailbox):
    client.post(SIGNUP, form_data())
    link = f"/accounts/signup/confirm/{signup_token(mailbox, 'ines@example.org')}/"

    asked = client.get(link)  # what a mail scanner does: nothing is used up
    assert asked.status_code == 200 and "Create my clinic" in page_text(asked)
    assert not Clinic.objects.exists()
    created = client.post(link)

    assert (created.status_code, created["Location"]) == (302, "/")
    user = User.objects.get(email="ines@example.org")
    assert (user.role, user.clinic.name, user.is_verified) == ("admin", "Ortega Family Care", True)
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == user.pk

    again = Client()
    for method in ("get", "post"):
        refused = getattr(again, method)(link)
        assert refused.status_code == 400
        assert "This sign-up link cannot be used" in page_text(refused)
    assert Clinic.objects.count() == 1 and User.objects.count() == 1


def test_the_code_works_once_in_the_api(api_client, mailbox):
    api_client.post(f"{AUTH}/signup", api_body(), format="json")
    token = signup_token(mailbox, "ines@example.org")

    first = confirm(api_client, token)
    second = confirm(api_client, token)

    assert first.status_code == 201
    assert first.json()["user"]["email"] == "ines@example.org"
    assert second.status_code == 400
    assert "invalid, used or expired" in second.json()["errors"]["token"][0]
    assert Clinic.objects.count() == 1


def test_a_sign_up_made_in_spanish_keeps_spanish_for_its_admin(api_client, mailbox):
    api_client.post(f"{AUTH}/signup", api_body(), format="json", HTTP_ACCEPT_LANGUAGE="es")
    token = signup_token(mailbox, "ines@example.org")

    made = confirm(api_client, token)

    assert made.status_code == 201
    admin = User.objects.get(email="ines@example.org")
    assert admin.language == "es"  # the new clinic writes English until its admin says


def test_a_sign_up_in_the_clinics_own_language_keeps_none_of_its_own(api_client, mailbox):
    api_client.post(f"{AUTH}/signup", api_body(), format="json", HTTP_ACCEPT_LANGUAGE="en")
    confirm(api_client, signup_token(mailbox, "ines@example.org"))

    assert User.objects.get(email="ines@example.org").language == ""  # follows the clinic's


def test_an_expired_link_is_refused(api_client, client, mailbox):
    api_client.post(f"{AUTH}/signup", api_body(), format="json")
    token = signup_token(mailbox, "ines@example.org")
    PendingSignup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert confirm(api_client, token).status_code == 400
    assert client.post(f"/accounts/signup/confirm/{token}/").status_code == 400
    assert not Clinic.objects.exists() and not User.objects.exists()


@pytest.mark.parametrize("token", ["", "x" * 43, "../../etc"])
def test_a_made_up_code_is_refused(api_client, mailbox, token):
    response = confirm(api_client, token)
    assert response.status_code == 400
    assert not Clinic.objects.exists()


def test_two_links_for_one_address_make_one_account(api_client, mailbox):
    for _ in range(2):
        api_client.post(f"{AUTH}/signup", api_body(), format="json")
    first, second = [
        CONFIRM_LINK.search(mailbox.body(m))[1] for m in mail_to(mailbox, "ines@example.org")
    ]

    assert confirm(api_client, second).status_code == 201
    refused = confirm(api_client, first)

    assert refused.status_code == 400
    assert "already exists" in refused.json()["errors"]["email"][0]  # the address is proven
    assert Clinic.objects.count() == 1


def test_pending_signups_that_can_no_longer_be_used_are_pruned(api_client, mailbox):
    api_client.post(f"{AUTH}/signup", api_body(), format="json")
    api_client.post(f"{AUTH}/signup", api_body(email="other@example.org"), format="json")
    PendingSignup.objects.filter(email="other@example.org").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert pending_signups_prune() == 1
    assert list(PendingSignup.objects.values_list("email", flat=True)) == ["ines@example.org"]


# --- nobody can flood an inbox through these forms ---------------------------------------------
def test_an_address_gets_at_most_the_hourly_cap_of_sign_up_mails(
    api_client, staff, mailbox, settings
):
    settings.UNSOLICITED_MAILS_PER_HOUR = 3
    holder = staff["clinician"]
    for _ in range(5):
        answers = [
            api_client.post(f"{AUTH}/signup", api_body(email=email), format="json")
            for email in ("ines@example.org", holder.email)
        ]
        assert [a.status_code for a in answers] == [202, 202]  # the answer never changes

    assert len(mail_to(mailbox, "ines@example.org")) == 3
    assert len(mail_to(mailbox, holder.email)) == 3
    assert PendingSignup.objects.count() == 3  # the capped ones are not kept either


def test_password_reset_mails_are_capped_per_address_too(api_client, staff, mailbox, settings):
    settings.UNSOLICITED_MAILS_PER_HOUR = 2
    holder, other = staff["clinician"], staff["nurse"]
    for _ in range(4):
        response = api_client.post(
            f"{AUTH}/forgot-password", {"email": holder.email}, format="json"
        )
        assert response.status_code == 200
    api_client.post(f"{AUTH}/forgot-password", {"email": other.email}, format="json")

    assert len(mail_to(mailbox, holder.email)) == 2
    assert len(mail_to(mailbox, other.email)) == 1  # another address has its own count
