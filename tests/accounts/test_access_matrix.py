"""Who reaches which accounts page and endpoint: every row × every role (the rule and the
machinery: tests/accounts/access_matrix.py).

Every account page and endpoint is about the signed-in user themself, so none loads a record and
every role gets the same answer: none is refused, and the public ones (login, password reset) do
not care who asks. The clinics app's matrix is where roles and clinics make a difference.
"""

import pytest

from accounts.services import tokens_issue
from core.roles import Role
from tests.accounts.access_matrix import (
    ADMIN_ONLY,
    Row,
    actor,
    assert_answer,
    cases,
    missing_rows,
    send,
)
from tests.factories import PASSWORD, UserFactory

AUTH = "/api/v1/auth"
NEW_PASSWORD = "Fresh-lantern-harbour-42"


def credentials(user) -> dict:
    return {"email": user.email, "password": PASSWORD}


def refresh_token(user) -> dict:
    return {"refresh_token": tokens_issue(user=user)["refresh_token"]}


TABLE = [
    # HTML pages
    Row("get", "/", 200),
    Row("get", "/accounts/login/", 302),  # signed in already: home
    Row("post", "/accounts/login/", 302),
    Row("post", "/accounts/logout/", 302),
    Row("get", "/accounts/profile/", 200),
    Row("post", "/accounts/profile/", 302, data={"name": "Renamed Person", "phone": ""}),
    Row("get", "/accounts/password_change/", 200),
    Row(
        "post",
        "/accounts/password_change/",
        302,
        data={
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    Row("get", "/accounts/password_reset/", 200),
    Row("post", "/accounts/password_reset/", 302, data={"email": "nobody@example.org"}),
    Row("get", "/accounts/password_reset/done/", 200),
    Row("get", "/accounts/reset/bm9uZQ/wrong-token/", 200),  # "this link is invalid"
    Row("post", "/accounts/reset/bm9uZQ/wrong-token/", 200),
    Row("get", "/accounts/reset/done/", 200),
    # API endpoints
    Row("post", f"{AUTH}/login", 200, data=credentials),
    Row("post", f"{AUTH}/refresh", 200, data=refresh_token),
    Row("post", f"{AUTH}/logout", 200, data=refresh_token),
    Row("post", f"{AUTH}/forgot-password", 200, data={"email": "nobody@example.org"}),
    Row("post", f"{AUTH}/reset-password", 400, data={"token": "bm9uZQ/x", "new_password": "x"}),
    Row(
        "post",
        f"{AUTH}/change-password",
        200,
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    ),
    Row("get", f"{AUTH}/me", 200),
    Row("patch", f"{AUTH}/me", 200, data={"language": "es"}),
    # the clinic admin's view of staff login lockouts ({id}: a colleague in the clinic)
    Row("get", "/accounts/lockouts/", 200, ADMIN_ONLY),
    Row("post", "/accounts/lockouts/{id}/clear/", 302, ADMIN_ONLY),
    # the clinic's audit trail
    Row("get", "/accounts/audit/", 200, ADMIN_ONLY),
    Row("get", f"{AUTH}/lockouts", 200, ADMIN_ONLY),
    Row("delete", f"{AUTH}/lockouts/{{id}}", 200, ADMIN_ONLY),
    # two-factor authentication: anyone may turn it on for themself
    Row("get", "/accounts/mfa/verify/", 302),  # nothing to verify: onwards
    Row("post", "/accounts/mfa/verify/", 302),
    Row("get", "/accounts/mfa/setup/", 200),
    Row("post", "/accounts/mfa/setup/", 200, data={"code": "000000"}),  # wrong code: the form
    Row("get", "/accounts/mfa/cancel/", 302),
    Row("post", "/accounts/mfa/cancel/", 302),
    Row("post", f"{AUTH}/mfa/totp", 200),
    Row("post", f"{AUTH}/mfa/totp/confirm", 400, data={"code": "000000"}),
    Row("post", f"{AUTH}/mfa/verify", 400, data={"mfa_token": "forged", "code": "000000"}),
    Row("post", f"{AUTH}/mfa/totp/off", 409, data={"code": "000000"}),  # not on
]


@pytest.mark.parametrize("row,role,own_clinic,expected", cases(TABLE))
def test_access_matrix(clinic, other_clinic, row, role, own_clinic, expected):
    colleague = UserFactory(clinic=clinic, role=Role.NURSE)
    user = actor(role, clinic if own_clinic else other_clinic)
    assert_answer(row, send(row, user, colleague.pk), expected)


def test_every_accounts_page_and_endpoint_is_in_the_table(db):
    assert missing_rows(TABLE, "accounts") == []
