"""The HTML patient list's Next, Previous and last pages (core.lists.Walk): the same rows as the
numbered pages, reached from the neighbouring page's edge row (an opaque id in the address, never
a name) or from the end of the list, so a deep page costs what the first does."""

import pytest

from tests.cursor_walk import follow_next, link, linked_ids
from tests.patients.factories import PatientFactory

LIST = "/patients/"


@pytest.fixture
def everyone(clinic, admin_api):
    """60 patients (three pages of 25, the last of 10), some sharing a name; their ids in the
    list's order, read through the API's numbered pages (which walk no keyset)."""
    for n in range(60):
        PatientFactory(clinic=clinic, last_name=["Adams", "Baker", "Clark"][n % 3])
    return [
        row["id"]
        for row in admin_api.get("/api/v1/patients/", {"page_size": 100}).json()["results"]
    ]


def rows(response) -> list[str]:
    return linked_ids(response, "/patients/")


def test_next_and_previous_walk_the_numbered_pages_rows(admin_web, everyone):
    walked, page, _steps = follow_next(admin_web, LIST, admin_web.get(LIST), rows)

    assert walked == [everyone[0:25], everyone[25:50], everyone[50:60]]
    assert "Showing 51–60 of 60" in page.content.decode()

    back = admin_web.get(LIST + link(page, "prev"))
    assert rows(back) == everyone[25:50]
    assert rows(admin_web.get(LIST + link(back, "prev"))) == everyone[0:25]


def test_the_next_link_names_the_edge_row_by_id_only(admin_web, everyone):
    page = admin_web.get(LIST, {"status": "all"})

    following = link(page, "next")
    assert following == f"?status=all&page=2&after={rows(page)[-1]}"


def test_pages_in_the_second_half_are_read_from_the_end(admin_web, everyone):
    assert rows(admin_web.get(LIST, {"page": 3})) == everyone[50:60]
    assert rows(admin_web.get(LIST, {"page": 2})) == everyone[25:50]


@pytest.mark.parametrize("cursor", ["not-an-id", "x" * 80, "0" * 24])
def test_a_cursor_that_names_no_row_falls_back_to_the_numbered_page(admin_web, everyone, cursor):
    assert rows(admin_web.get(LIST, {"page": 2, "after": cursor})) == everyone[25:50]
    assert rows(admin_web.get(LIST, {"page": 2, "before": cursor})) == everyone[25:50]


def test_another_clinics_row_leads_nowhere(admin_web, everyone, other_clinic):
    stranger = PatientFactory(clinic=other_clinic, last_name="Aaron")

    assert rows(admin_web.get(LIST, {"page": 2, "after": stranger.pk})) == everyone[25:50]


def test_a_walked_page_costs_one_lookup_more_than_the_first(
    admin_web, everyone, django_assert_max_num_queries
):
    following = link(admin_web.get(LIST), "next")
    with django_assert_max_num_queries(9):  # the list's 8 and the edge row
        assert len(rows(admin_web.get(LIST + following))) == 25
