"""The HTML orders list's Next, Previous and last pages (core.lists.Walk), as the patient list's:
the numbered pages' rows, reached from the neighbouring page's edge row (an opaque id) or from
the end, without skipping the rows before them; a cursor from elsewhere falls back to the page
number."""

import pytest

from core.roles import Role
from tests.cursor_walk import follow_next, link, linked_ids
from tests.labs.factories import GLUCOSE, install_catalogue, make_order, make_patient

pytestmark = pytest.mark.django_db

LIST = "/labs/orders/"


@pytest.fixture
def orders(clinic, staff):
    """Twelve orders of two patients, newest first as the API's numbered pages list them."""
    glucose = install_catalogue(clinic)[GLUCOSE]
    patients = [make_patient(clinic, first_name=name) for name in ("Ada", "Grace")]
    for n in range(12):
        make_order(patients[n % 2], actor=staff[Role.CLINICIAN], tests=[glucose])


@pytest.fixture
def web(client, staff):
    client.force_login(staff[Role.CLINICIAN])
    return client


def listed(api_as, staff) -> list[str]:
    body = api_as(staff[Role.CLINICIAN]).get("/api/v1/labs/orders/", {"page_size": 100}).json()
    return [row["id"] for row in body["results"]]


def rows(response) -> list[str]:
    return linked_ids(response, "/labs/orders/")


def test_next_and_previous_walk_the_numbered_pages_rows(web, api_as, staff, orders):
    expected = listed(api_as, staff)
    walked, page, steps = follow_next(web, LIST, web.get(LIST, {"page_size": 5}), rows)

    assert all("&after=" in following and not offset for following, offset in steps), steps
    assert walked == [expected[0:5], expected[5:10], expected[10:12]]
    back = web.get(LIST + link(page, "prev"))
    assert rows(back) == expected[5:10]
    assert rows(web.get(LIST + link(back, "prev"))) == expected[0:5]


def test_a_cursor_from_elsewhere_falls_back_to_the_page_number(web, api_as, staff, orders):
    expected = listed(api_as, staff)
    for cursor in ("nonsense", "6b15c268fd2e968ceb45fc89", "x" * 200):
        page = web.get(LIST, {"page_size": 5, "page": 2, "after": cursor})
        assert rows(page) == expected[5:10]
