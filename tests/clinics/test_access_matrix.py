"""Who reaches which clinics page and endpoint: every row × every role × a colleague of the
actor's own clinic or of another clinic (the rule and the machinery:
tests/accounts/access_matrix.py).

Read off the table: clinic admins manage the clinic and its staff; every staff role reads the
clinic; patient users reach no staff record (404) and no staff page (403); another clinic's
colleague is a 404 for every role; signup does not care who asks (signed in: back home). A
refused request changes nothing and sends no e-mail.
"""

import pytest

from accounts.models import User
from clinics.models import Clinic
from tests.accounts.access_matrix import (
    ADMIN_ONLY,
    EVERYONE,
    STAFF,
    Row,
    actor,
    assert_answer,
    cases,
    missing_rows,
    send,
)
from tests.factories import UserFactory

API = "/api/v1/clinics/current"
NEW_COLLEAGUE = {"email": "new.colleague@example.org", "name": "New Colleague", "role": "nurse"}

TABLE = [
    # HTML pages
    Row("get", "/accounts/signup/", 302, EVERYONE),  # signed in already: home
    Row("post", "/accounts/signup/", 302, EVERYONE),
    Row("get", "/accounts/signup/sent/", 200, EVERYONE),  # "check your e-mail": no data shown
    Row("get", "/accounts/signup/confirm/some-code/", 302, EVERYONE),  # signed in: home
    Row("post", "/accounts/signup/confirm/some-code/", 302, EVERYONE),
    Row("get", "/clinic/", 302, STAFF),  # admins to the settings, other staff home
    Row("get", "/clinic/settings/", 200, ADMIN_ONLY),
    Row(
        "post",
        "/clinic/settings/",
        302,
        ADMIN_ONLY,
        data={
            "name": "Renamed Clinic",
            "primary_color": "#0f766e",
            "timezone": "UTC",
            "min_notice_hours": 2,
            "cancel_cutoff_hours": 24,
        },
    ),
    Row("get", "/clinic/staff/", 200, ADMIN_ONLY),
    Row("get", "/clinic/staff/invite/", 200, ADMIN_ONLY),
    Row("post", "/clinic/staff/invite/", 302, ADMIN_ONLY, data=NEW_COLLEAGUE),
    Row("get", "/clinic/staff/{id}/", 200, ADMIN_ONLY),
    Row(
        "post",
        "/clinic/staff/{id}/",
        302,
        ADMIN_ONLY,
        data={"action": "save", "name": "Renamed", "role": "nurse", "phone": ""},
        label="save",
    ),
    Row("get", "/clinic/staff/{id}/deactivate/", 200, ADMIN_ONLY),
    Row("post", "/clinic/staff/{id}/deactivate/", 302, ADMIN_ONLY),
    Row("post", "/clinic/staff/{id}/", 302, ADMIN_ONLY, {"action": "reactivate"}, "reactivate"),
    Row("post", "/clinic/staff/{id}/", 302, ADMIN_ONLY, {"action": "resend"}, "resend"),
    # API endpoints
    Row("post", "/api/v1/auth/signup", 400, EVERYONE),  # public: the empty body is refused
    Row("post", "/api/v1/auth/signup/confirm", 400, EVERYONE),  # public: no code, refused
    Row("get", API, 200, STAFF),
    Row("patch", API, 200, ADMIN_ONLY, data={"phone": "+44 20 7946 0001"}),
    Row("get", f"{API}/staff", 200, ADMIN_ONLY),
    Row("post", f"{API}/staff", 202, ADMIN_ONLY, data=NEW_COLLEAGUE),
    Row("get", f"{API}/staff/{{id}}", 200, ADMIN_ONLY),
    Row("patch", f"{API}/staff/{{id}}", 200, ADMIN_ONLY, data={"role": "clinician"}),
    Row("delete", f"{API}/staff/{{id}}", 204, ADMIN_ONLY),
    Row("post", f"{API}/staff/{{id}}/resend-invitation", 200, ADMIN_ONLY),
    Row("post", f"{API}/staff/{{id}}/mfa-reset", 200, ADMIN_ONLY),
]


def colleague(clinic) -> User:
    """The record every row with {id} is asked about: an invited nurse (no password yet)."""
    user = UserFactory(clinic=clinic, role="nurse", email=f"invited@{clinic.slug}.example.org")
    user.set_unusable_password()
    user.save()
    return user


def state() -> list:
    """Everything a clinics page or endpoint could change."""
    users = User.objects.order_by("pk").values_list("pk", "name", "role", "is_active", "phone")
    clinics = Clinic.objects.order_by("pk").values_list("pk", "name", "phone", "primary_color")
    return [list(users), list(clinics)]


@pytest.mark.parametrize("row,role,own_clinic,expected", cases(TABLE))
def test_access_matrix(clinic, other_clinic, mailbox, row, role, own_clinic, expected):
    target = colleague(clinic)
    user = actor(role, clinic if own_clinic else other_clinic)
    before = state()

    assert_answer(row, send(row, user, target.pk), expected)

    if expected in (403, 404):
        assert state() == before
        assert mailbox.messages == []


def test_every_clinics_page_and_endpoint_is_in_the_table(db):
    assert missing_rows(TABLE, "clinics") == []
