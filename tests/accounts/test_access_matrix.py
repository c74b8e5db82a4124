"""Who reaches which accounts page and endpoint: every row × every role (the rule and the
machinery: tests/accounts/access_matrix.py).

Every account page and endpoint is about the signed-in user themself, so none loads a record and
every role gets the same answer: none is refused, and the public ones (login, password reset) do
not care who asks. The clinics app's matrix is where roles and clinics make a difference.
"""

import pytest

from accounts.services import tokens_issue
from tests.accounts.access_matrix import Row, actor, assert_answer, cases, missing_rows, send
from tests.factories import PASSWORD

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
]


@pytest.mark.parametrize("row,role,own_clinic,expected", cases(TABLE))
def test_access_matrix(clinic, row, role, own_clinic, expected):
    assert_answer(row, send(row, actor(role, clinic)), expected)


def test_every_accounts_page_and_endpoint_is_in_the_table(db):
    assert missing_rows(TABLE, "accounts") == []
