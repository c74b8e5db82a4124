"""Staff management pages for clinic admins: list, search, filters, paging, invite (and resend),
edit."""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, User
from core.roles import Role
from tests.factories import PASSWORD, ClinicFactory, UserFactory

LIST = "/clinic/staff/"
INVITE = "/clinic/staff/invite/"
LOGIN = "/accounts/login/"
NON_ADMIN = [Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH]
NEW_PASSWORD = "Invited-orchard-sunrise-8"
LINK = re.compile(r"http://testserver(/accounts/reset/[A-Za-z0-9_\-]+/[A-Za-z0-9\-]+/)")
LAST_ADMIN = "A clinic needs at least one active admin"


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_error(response, field: str) -> str:
    page = response.content.decode()
    match = re.search(rf'<div id="id_{field}_error"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match[1])).strip() if match else ""


def rows(response) -> list[str]:
    """The e-mail column of the staff table, in order."""
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", response.content.decode(), re.S)
    if body is None:
        return []
    return re.findall(r"<td>([^<]+@[^<]+)</td>", body[1])


def page_links(response) -> list[str]:
    nav = re.search(r'<nav aria-label="Pagination".*?</nav>', response.content.decode(), re.S)
    assert nav, "no pagination on the page"
    return [html.unescape(h) for h in re.findall(r'class="page-link" href="([^"]+)"', nav[0])]


def detail(user) -> str:
    return f"/clinic/staff/{user.pk}/"


def deactivate(user) -> str:
    return f"/clinic/staff/{user.pk}/deactivate/"


def edit_data(user, **overrides):
    data = {"action": "save", "name": user.name, "role": user.role, "phone": user.phone}
    data.update(overrides)
    return data


def can_log_in(email, password=PASSWORD) -> bool:
    return Client().post(LOGIN, {"username": email, "password": password}).status_code == 302


# --- list --------------------------------------------------------------------------------------
def test_list_shows_only_own_clinics_staff(admin_web, staff, other_staff, clinic):
    UserFactory(clinic=clinic, role=Role.PATIENT, email="a-patient@example.org")

    response = admin_web.get(LIST)

    assert response.status_code == 200
    assert set(rows(response)) == {user.email for user in staff.values()}
    page = text(response)
    for user in other_staff.values():
        assert user.email not in page
    assert "a-patient@example.org" not in page
    assert "(you)" in page
    for user in staff.values():
        assert f'href="{detail(user)}"' in page


@pytest.mark.parametrize(
    "query,expected",
    [
        ("a-nurse", {"a-nurse@example.org"}),
        ("A-NURSE@EXAMPLE", {"a-nurse@example.org"}),
        ("zq.unique", {"zq.unique@example.org"}),
        ("QUILLFEATHER", {"zq.unique@example.org"}),
        ("b-nurse", set()),
    ],
)
def test_search_by_name_or_email(admin_web, staff, other_staff, clinic, query, expected):
    UserFactory(
        clinic=clinic, role=Role.NURSE, name="Zara Quillfeather", email="zq.unique@example.org"
    )

    response = admin_web.get(LIST, {"q": query})

    assert set(rows(response)) == expected
    assert f'value="{query}"' in response.content.decode()
    if not expected:
        assert "No staff match these filters." in text(response)


def test_filter_by_role(admin_web, staff, clinic):
    second = UserFactory(clinic=clinic, role=Role.LAB_TECH, email="lab2@example.org")

    response = admin_web.get(LIST, {"role": "lab_tech"})

    assert set(rows(response)) == {staff[Role.LAB_TECH].email, second.email}
    assert '<option value="lab_tech" selected>' in response.content.decode()


def test_filter_by_active_and_inactive(admin_web, staff, clinic):
    gone = UserFactory(clinic=clinic, role=Role.NURSE, email="gone@example.org", is_active=False)

    inactive = admin_web.get(LIST, {"status": "inactive"})
    active = admin_web.get(LIST, {"status": "active"})
    both = admin_web.get(LIST)

    assert rows(inactive) == [gone.email]
    assert "Inactive" in text(inactive)
    assert set(rows(active)) == {user.email for user in staff.values()}
    assert len(rows(both)) == 6


def test_filters_combine(admin_web, staff, clinic):
    UserFactory(clinic=clinic, role=Role.NURSE, email="old-nurse@example.org", is_active=False)
    UserFactory(clinic=clinic, role=Role.CLINICIAN, email="old-doc@example.org", is_active=False)

    response = admin_web.get(LIST, {"q": "old", "role": "nurse", "status": "inactive"})

    assert rows(response) == ["old-nurse@example.org"]


def test_malformed_filters_are_ignored_not_an_error(admin_web, staff):
    response = admin_web.get(LIST, {"role": "wizard", "status": "sleepy", "page": "abc"})
    assert response.status_code == 200
    assert len(rows(response)) == 5


def test_pagination_over_25_staff_keeps_the_filters(admin_web, staff, clinic):
    UserFactory.create_batch(30, clinic=clinic, role=Role.NURSE)  # 31 nurses in all

    first = admin_web.get(LIST, {"role": "nurse", "q": "example"})
    second = admin_web.get(LIST, {"role": "nurse", "q": "example", "page": "2"})

    assert len(rows(first)) == 25
    assert len(rows(second)) == 6
    assert not set(rows(first)) & set(rows(second))
    assert "Showing 1–25 of 31" in text(first)
    assert "Showing 26–31 of 31" in text(second)
    links = page_links(first)
    assert "?role=nurse&q=example&page=2" in links
    for link in links:
        assert "role=nurse" in link and "q=example" in link, link
    assert any("page=1" in link for link in page_links(second))


def test_out_of_range_page_shows_the_last_page(admin_web, staff, clinic):
    UserFactory.create_batch(30, clinic=clinic, role=Role.NURSE)
    response = admin_web.get(LIST, {"page": "99"})
    assert response.status_code == 200
    assert len(rows(response)) == 10


def test_no_pagination_for_a_small_clinic(admin_web, staff):
    assert 'aria-label="Pagination"' not in admin_web.get(LIST).content.decode()


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries)


def test_staff_list_costs_the_same_queries_for_1_or_30_staff_but_the_count(client, db):
    clinic = ClinicFactory(name="Solo Clinic")
    admin = UserFactory(clinic=clinic, role=Role.ADMIN, email="solo@example.org")
    client.force_login(admin)
    client.get(LIST)
    small = _list_queries(client)

    for role in (Role.NURSE, Role.CLINICIAN, Role.LAB_TECH):
        UserFactory.create_batch(10, clinic=clinic, role=role)
    UserFactory.create_batch(3, clinic=clinic, role=Role.NURSE, is_active=False)

    # One query more: the count (a list its first page holds is counted by it).
    assert _list_queries(client) == small + 1


def test_staff_list_query_count_is_bounded(admin_web, clinic, staff, django_assert_max_num_queries):
    UserFactory.create_batch(45, clinic=clinic, role=Role.NURSE)
    admin_web.get(LIST)
    with django_assert_max_num_queries(9):  # 8, and the navigation bell's unread count
        admin_web.get(LIST, {"page": "2", "role": "nurse"})


def test_staff_detail_costs_the_same_queries_whatever_the_clinic_size(admin_web, clinic, staff):
    nurse = staff[Role.NURSE]
    admin_web.get(detail(nurse))
    with CaptureQueriesContext(connection) as small:
        admin_web.get(detail(nurse))
    UserFactory.create_batch(30, clinic=clinic, role=Role.NURSE)
    with CaptureQueriesContext(connection) as large:
        admin_web.get(detail(nurse))
    assert len(large) == len(small)


# --- invite ------------------------------------------------------------------------------------
def invite(client, follow=False, **overrides):
    data = {"email": "new.nurse@example.org", "name": "Nia Newcomer", "role": "nurse", "phone": ""}
    data.update(overrides)
    return client.post(INVITE, data, follow=follow)


def test_invite_page_has_the_form(admin_web):
    response = admin_web.get(INVITE)
    assert response.status_code == 200
    page = response.content.decode()
    for field in ("email", "name", "role", "phone"):
        assert f'name="{field}"' in page
    assert '<option value="patient"' not in page


def test_invite_sends_an_email_and_the_colleague_appears(admin_web, admin_user, mailbox):
    response = invite(admin_web, email="New.Nurse@Example.org")

    assert response.status_code == 302
    assert response["Location"] == LIST
    listing = admin_web.get(LIST)
    assert "new.nurse@example.org" in rows(listing)
    page = text(listing)
    assert "An invitation is on its way to new.nurse@example.org." in page
    assert "Invited" in page
    user = User.objects.get(email="new.nurse@example.org")
    assert (user.role, user.clinic_id, user.has_usable_password()) == (
        Role.NURSE,
        admin_user.clinic_id,
        False,
    )
    (message,) = mailbox.messages
    assert message.envelope_recipients == ["new.nurse@example.org"]
    assert "Riverside Clinic" in message["Subject"]
    body = mailbox.body(message)
    assert LINK.search(body)
    assert admin_user.name in body


def test_invited_colleague_sets_a_password_through_the_link_and_logs_in(admin_web, mailbox):
    invite(admin_web)
    assert not can_log_in("new.nurse@example.org", NEW_PASSWORD)
    path = LINK.search(mailbox.body(mailbox.messages[0]))[1]

    browser = Client()
    form_page = browser.get(path, follow=True)
    assert "Choose the password for new.nurse@example.org." in text(form_page)
    done = browser.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done["Location"] == "/accounts/reset/done/"
    browser.post(LOGIN, {"username": "new.nurse@example.org", "password": NEW_PASSWORD})
    home = text(browser.get("/"))
    assert "Signed in as Nia Newcomer · Nurse" in home
    assert "Riverside Clinic" in home
    member = admin_web.get(LIST, {"q": "new.nurse"})
    assert "Invited" not in re.split(r"<tbody[^>]*>", text(member))[1]


@pytest.mark.parametrize("email", ["a-nurse@example.org", "A-NURSE@example.ORG"])
def test_invite_of_a_colleague_already_on_the_staff_is_a_field_error(
    admin_web, staff, mailbox, email
):
    before = User.objects.count()

    response = invite(admin_web, email=email)

    assert response.status_code == 200
    assert "This person is already on your clinic's staff." in field_error(response, "email")
    assert User.objects.count() == before
    assert mailbox.messages == []


@pytest.mark.parametrize("email", ["b-nurse@example.org", "B-Nurse@Example.ORG"])
def test_invite_of_an_address_with_an_account_elsewhere_answers_as_for_a_new_one(
    admin_web, staff, other_staff, mailbox, email
):
    free = invite(admin_web, email="free@example.org", follow=True)
    before = User.objects.count()
    mailbox.messages.clear()

    response = invite(admin_web, email=email, follow=True)

    assert response.redirect_chain == free.redirect_chain == [(LIST, 302)]
    said = "An invitation is on its way to {}. If this address already has an account"
    assert said.format("free@example.org") in text(free)
    assert said.format(email.lower()) in text(response)
    assert User.objects.count() == before
    assert User.objects.get(email="b-nurse@example.org").clinic_id == other_staff["nurse"].clinic_id
    (message,) = mailbox.messages
    assert message.envelope_recipients == ["b-nurse@example.org"]
    assert "Riverside Clinic tried to invite" in mailbox.body(message)
    assert not LINK.search(mailbox.body(message))


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"name": ""}, "name"),
        ({"role": "patient"}, "role"),
        ({"role": "superhero"}, "role"),
        ({"phone": "ask reception"}, "phone"),
    ],
)
def test_invite_with_bad_input_is_a_field_error(admin_web, staff, mailbox, overrides, field):
    before = User.objects.count()

    response = invite(admin_web, **overrides)

    assert response.status_code == 200
    assert field_error(response, field)
    assert User.objects.count() == before
    assert mailbox.messages == []


def test_invite_that_cannot_be_mailed_keeps_the_account_and_offers_resend(
    admin_web, staff, mailbox, mail_server_down
):
    response = invite(admin_web, follow=True)

    user = User.objects.get(email="new.nurse@example.org")
    assert response.redirect_chain == [(LIST, 302)]
    assert "The invitation e-mail to new.nurse@example.org could not be sent." in text(response)
    page = text(admin_web.get(detail(user)))
    assert 'value="resend"' in page and "Resend invitation" in page
    assert not user.has_usable_password()
    assert "new.nurse@example.org" in rows(admin_web.get(LIST))

    mail_server_down.back()
    resent = admin_web.post(detail(user), {"action": "resend"}, follow=True)

    assert resent.redirect_chain == [(detail(user), 302)]
    assert "A new invitation has been sent to new.nurse@example.org." in text(resent)
    (message,) = mailbox.messages
    assert message.envelope_recipients == ["new.nurse@example.org"]
    assert LINK.search(mailbox.body(message))


def test_resend_that_cannot_be_mailed_says_so(admin_web, staff, mailbox, request):
    invite(admin_web)
    user = User.objects.get(email="new.nurse@example.org")
    request.getfixturevalue("mail_server_down")

    response = admin_web.post(detail(user), {"action": "resend"}, follow=True)

    assert "The invitation e-mail could not be sent." in text(response)
    assert 'value="resend"' in text(response)
    assert len(mailbox.messages) == 1  # only the first invitation


def test_resend_is_offered_only_until_a_password_is_set(admin_web, staff, mailbox):
    invite(admin_web)
    invited = User.objects.get(email="new.nurse@example.org")
    nurse = staff[Role.NURSE]

    assert 'value="resend"' in text(admin_web.get(detail(invited)))
    assert 'value="resend"' not in text(admin_web.get(detail(nurse)))

    response = admin_web.post(detail(nurse), {"action": "resend"})

    assert response.status_code == 200
    assert f"{nurse.name} has already set a password" in text(response)
    assert len(mailbox.messages) == 1


def test_resend_to_a_deactivated_invitee_is_refused(admin_web, staff, mailbox):
    invite(admin_web)
    invited = User.objects.get(email="new.nurse@example.org")
    admin_web.post(deactivate(invited))

    response = admin_web.post(detail(invited), {"action": "resend"})

    assert "Reactivate the account before resending the invitation." in text(response)
    assert 'value="resend"' not in text(response)
    assert len(mailbox.messages) == 1


# --- edit, deactivate, reactivate --------------------------------------------------------------
def test_detail_shows_the_member(admin_web, staff):
    nurse = staff[Role.NURSE]

    response = admin_web.get(detail(nurse))

    assert response.status_code == 200
    page = text(response)
    assert nurse.email in page
    assert f'value="{nurse.name}"' in page
    assert '<option value="nurse" selected>' in response.content.decode()
    assert f'href="{deactivate(nurse)}"' in page


def test_admin_changes_role_name_and_phone(admin_web, staff):
    nurse = staff[Role.NURSE]

    response = admin_web.post(
        detail(nurse), edit_data(nurse, role="clinician", name="Nell Promoted", phone="+1 555 0100")
    )

    assert response.status_code == 302
    assert response["Location"] == detail(nurse)
    nurse.refresh_from_db()
    assert (nurse.role, nurse.name, nurse.phone) == (Role.CLINICIAN, "Nell Promoted", "+1 555 0100")
    assert "The changes have been saved." in text(admin_web.get(detail(nurse)))


def test_promoted_admin_gets_the_admin_pages(admin_web, staff):
    nurse = staff[Role.NURSE]
    admin_web.post(detail(nurse), edit_data(nurse, role="admin"))

    browser = Client()
    browser.force_login(User.objects.get(pk=nurse.pk))

    assert browser.get(LIST).status_code == 200


def test_edit_with_bad_input_is_a_field_error(admin_web, staff):
    nurse = staff[Role.NURSE]

    response = admin_web.post(detail(nurse), edit_data(nurse, name="", role="patient"))

    assert response.status_code == 200
    assert field_error(response, "name")
    assert field_error(response, "role")
    fresh = User.objects.get(pk=nurse.pk)
    assert (fresh.name, fresh.role) == (nurse.name, Role.NURSE)


def test_deactivate_and_reactivate(admin_web, staff):
    nurse = staff[Role.NURSE]
    nurse_browser = Client()
    nurse_browser.force_login(nurse)

    asked = admin_web.get(deactivate(nurse))

    assert f"Deactivate {nurse.name} ({nurse.email})?" in text(asked)
    assert User.objects.get(pk=nurse.pk).is_active is True  # asking changes nothing

    response = admin_web.post(deactivate(nurse), follow=True)

    assert response.redirect_chain == [(detail(nurse), 302)]
    page = text(response)
    assert f"{nurse.name} has been deactivated." in page
    assert 'value="reactivate"' in page
    assert User.objects.get(pk=nurse.pk).is_active is False
    assert not can_log_in(nurse.email)
    assert nurse_browser.get("/").status_code == 302  # the open session ends too
    assert rows(admin_web.get(LIST, {"status": "inactive"})) == [nurse.email]

    response = admin_web.post(detail(nurse), {"action": "reactivate"}, follow=True)

    assert f"{nurse.name} has been reactivated." in text(response)
    assert User.objects.get(pk=nurse.pk).is_active is True
    assert can_log_in(nurse.email)


def test_last_admin_cannot_demote_themselves(admin_web, admin_user):
    response = admin_web.post(detail(admin_user), edit_data(admin_user, role="nurse"))

    assert response.status_code == 200
    assert LAST_ADMIN in text(response)
    assert User.objects.get(pk=admin_user.pk).role == Role.ADMIN
    assert admin_web.get(LIST).status_code == 200


def test_a_page_drawn_before_deactivating_asked_first_is_sent_to_the_question(admin_web, staff):
    nurse = staff[Role.NURSE]

    response = admin_web.post(detail(nurse), {"action": "deactivate"})

    assert response.status_code == 302 and response["Location"] == deactivate(nurse)
    assert User.objects.get(pk=nurse.pk).is_active is True


def test_deactivating_someone_already_deactivated_writes_nothing(admin_web, staff):
    nurse = staff[Role.NURSE]
    admin_web.post(deactivate(nurse))
    rows_before = AuditEvent.objects.count()

    for answer in (admin_web.get(deactivate(nurse)), admin_web.post(deactivate(nurse))):
        assert answer.status_code == 302 and answer["Location"] == detail(nurse)
    assert AuditEvent.objects.count() == rows_before
    assert f"{nurse.name} is already deactivated." in text(admin_web.get(detail(nurse)))


def test_last_admin_cannot_deactivate_themselves(admin_web, admin_user):
    response = admin_web.post(deactivate(admin_user), follow=True)

    assert LAST_ADMIN in text(response)
    assert User.objects.get(pk=admin_user.pk).is_active is True
    assert admin_web.get("/").status_code == 200


def test_an_inactive_second_admin_does_not_count(admin_web, admin_user, clinic):
    UserFactory(clinic=clinic, role=Role.ADMIN, email="old-admin@example.org", is_active=False)

    response = admin_web.post(detail(admin_user), edit_data(admin_user, role="clinician"))

    assert LAST_ADMIN in text(response)
    assert User.objects.get(pk=admin_user.pk).role == Role.ADMIN


def test_with_a_second_admin_the_first_can_step_down(admin_web, admin_user, clinic):
    UserFactory(clinic=clinic, role=Role.ADMIN, email="second-admin@example.org")

    response = admin_web.post(
        detail(admin_user), edit_data(admin_user, role="clinician"), follow=True
    )

    assert User.objects.get(pk=admin_user.pk).role == Role.CLINICIAN
    assert admin_web.get(LIST).status_code == 403
    # No longer allowed on the staff pages, the former admin lands on the home page, not on a
    # "Not allowed" page (clinics/views.py staff_detail means to redirect home).
    assert response.redirect_chain == [("/", 302)]
    assert response.status_code == 200


# --- tenancy and permissions -------------------------------------------------------------------
@pytest.mark.parametrize(
    "method,data",
    [
        ("get", None),
        ("post", {"action": "save", "name": "Hacked", "role": "admin", "phone": ""}),
        ("post", None),
    ],
)
@pytest.mark.parametrize("page", [detail, deactivate])
def test_another_clinics_staff_is_404(admin_web, other_staff, method, data, page):
    target = other_staff[Role.NURSE]

    response = getattr(admin_web, method)(page(target), data or {})

    assert response.status_code == 404
    fresh = User.objects.get(pk=target.pk)
    assert (fresh.name, fresh.role, fresh.is_active) == (target.name, Role.NURSE, True)


def test_another_clinics_admin_is_404_and_absent_from_search(admin_web, other_admin):
    assert admin_web.get(detail(other_admin)).status_code == 404
    assert rows(admin_web.get(LIST, {"q": other_admin.email})) == []


def test_a_patients_account_is_not_a_staff_page(admin_web, clinic):
    patient = UserFactory(clinic=clinic, role=Role.PATIENT, email="pat@example.org")
    assert admin_web.get(detail(patient)).status_code == 404


@pytest.mark.parametrize("pk", ["nope", "0", "x" * 100, "65f0c0ffee0000000000000z", "%20"])
def test_malformed_pk_is_404(admin_web, staff, pk):
    assert admin_web.get(f"/clinic/staff/{pk}/").status_code == 404
    assert admin_web.post(f"/clinic/staff/{pk}/deactivate/").status_code == 404


@pytest.mark.parametrize("role", NON_ADMIN)
@pytest.mark.parametrize(
    "method,page,data",
    [
        ("get", "list", None),
        ("get", "invite", None),
        ("post", "invite", {"email": "x@example.org", "name": "X", "role": "admin"}),
        ("get", "detail", None),
        ("post", "detail", {"action": "save", "name": "X", "role": "clinician", "phone": ""}),
        ("get", "deactivate", None),
        ("post", "deactivate", None),
        ("post", "detail", {"action": "resend"}),
    ],
)
def test_non_admin_roles_get_403_on_every_staff_page(
    client, staff, mailbox, role, method, page, data
):
    client.force_login(staff[role])
    target = staff[Role.ADMIN]
    path = {
        "list": LIST,
        "invite": INVITE,
        "detail": detail(target),
        "deactivate": deactivate(target),
    }[page]
    before = list(User.objects.order_by("pk").values_list("pk", "name", "role", "is_active"))

    response = getattr(client, method)(path, data or {})

    assert response.status_code == 403
    assert "Your role does not allow this action." in text(response)
    assert (
        list(User.objects.order_by("pk").values_list("pk", "name", "role", "is_active")) == before
    )
    assert mailbox.messages == []


@pytest.mark.parametrize("role", NON_ADMIN)
def test_another_clinics_pk_is_404_for_every_role(client, staff, other_staff, role):
    """Reach comes before the role (core.access): another clinic's id answers like an unknown id,
    so no role learns whether it exists; only an own colleague's page answers 403."""
    client.force_login(staff[role])
    assert client.get(detail(other_staff[Role.NURSE])).status_code == 404
    assert client.get("/clinic/staff/nope/").status_code == 404
    assert client.get(detail(staff[Role.ADMIN])).status_code == 403
