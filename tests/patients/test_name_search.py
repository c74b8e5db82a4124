"""A name search: every word starts one of a patient's names, in any order and with any
punctuation, and its pages list each match once, in the list's order, however they are reached
(numbered, Next / Previous, from the end, by cursor, either direction, the header's results) —
with matches through the surname, the first name, the preferred name and two names at once.

Every test runs twice: with "smi" read through the name indexes, and with it walked in the
list's order as a common short word is (patients.selectors.DENSE_FROM), counted the first way.
"""

import datetime

import pytest

import patients.selectors
from core.errors import TooBroad
from core.lists import count_up_to as core_count_up_to
from patients.models import Patient
from patients.selectors import ids_matching
from tests.cursor_walk import link, walk
from tests.patients.factories import PatientFactory
from tests.patients.test_list_walk import rows

LIST = "/patients/"
API = "/api/v1/patients/"
# first, last, preferred: found by "smi" through the surname, the first name, the preferred
# name, and two names at once.
FOUND = [("Ann", "Smith", ""), ("Smita", "Young", ""), ("Bea", "Clark", "Smiley")]
FOUND += [("Smitty", "Smith", "")]


@pytest.fixture(autouse=True, params=[False, True], ids=["name indexes", "walked"])
def walked(request, monkeypatch) -> tuple[bool, list[str]]:
    """(whether this run walks "smi", the words a page was walked for)."""
    words = []
    if request.param:  # "smi" counts as a short word many first names start
        monkeypatch.setattr(patients.selectors, "SHORT_WORD", 3)
        monkeypatch.setattr(patients.selectors, "DENSE_FROM", 0)
        checked = patients.selectors._names_checked
        monkeypatch.setattr(
            patients.selectors, "_names_checked", lambda word: words.append(word) or checked(word)
        )
    return request.param, words


def in_order(patients, key=lambda p: (p.last_name_key, p.first_name_key, p.pk)) -> list[str]:
    return [p.pk for p in sorted(patients, key=key)]


@pytest.fixture
def smi(clinic):
    """60 patients "smi" finds, among 10 it does not and one archived; returned in name order,
    sorted here from their search keys."""
    found = [
        PatientFactory(
            clinic=clinic,
            first_name=first,
            last_name=last,
            preferred_name=preferred,
            date_of_birth=datetime.date(1950 + n % 7, 1, 1),
        )
        for n in range(60)
        for first, last, preferred in [FOUND[n % 4]]
    ]
    for _ in range(10):
        PatientFactory(clinic=clinic, first_name="Jo", last_name="Jones")
    PatientFactory(clinic=clinic, first_name="Ann", last_name="Smith", is_archived=True)
    return Patient.objects.filter(pk__in=[p.pk for p in found])


def test_the_numbered_pages_next_previous_and_the_last_page_list_every_match_once(
    admin_web, smi, walked
):
    expected = in_order(smi)

    numbered = [rows(admin_web.get(LIST, {"q": "smi", "page": n})) for n in (1, 2, 3)]
    first = admin_web.get(LIST, {"q": "smi"})
    second = admin_web.get(LIST + link(first, "next"))
    third = admin_web.get(LIST + link(second, "next"))
    back = admin_web.get(LIST + link(third, "prev"))

    assert numbered == [expected[0:25], expected[25:50], expected[50:60]]
    assert [rows(second), rows(third), rows(back)] == numbered[1:] + [expected[25:50]]
    assert "Showing 51–60 of 60" in third.content.decode()
    walks, words = walked
    assert bool(words) == walks


@pytest.mark.parametrize("ordering", ["name", "-name"])
def test_the_api_pages_and_cursor_walk_give_the_sorted_search(admin_api, smi, ordering, walked):
    expected = in_order(smi)[:: 1 if ordering == "name" else -1]

    numbered = [
        row["id"]
        for n in (1, 2, 3)
        for row in admin_api.get(API, {"search": "smi", "ordering": ordering, "page": n}).json()[
            "results"
        ]
    ]
    by_cursor, pages = walk(
        admin_api, "/api/v1/patients/", search="smi", ordering=ordering, page_size=7
    )

    assert numbered == expected and by_cursor == expected and pages == 9
    walks, words = walked
    assert bool(words) == walks


def test_whether_a_word_is_common_is_asked_once_a_while(admin_web, smi, walked, monkeypatch):
    """The count that picks the walk is kept like a list's count: the second page view of the
    search does not ask again, and lists the same patients. (Read through the name indexes,
    "smi" is three letters: never asked at all.)"""
    monkeypatch.setattr(patients.selectors, "count_up_to", counting(asked := []))
    first = rows(admin_web.get(LIST, {"q": "smi"}))
    before = len(asked)
    again = rows(admin_web.get(LIST, {"q": "smi"}))

    assert again == first and len(first) == 25
    assert len(asked) == before == (1 if walked[0] else 0)


def counting(asked: list):
    def count(rows, limit):
        asked.append(limit)
        return core_count_up_to(rows, limit)

    return count


def test_a_search_sorted_by_birth_date_is_read_the_same_way(admin_api, smi):
    body = admin_api.get(API, {"search": "smi", "ordering": "dob", "page_size": 100}).json()

    assert [row["id"] for row in body["results"]] == in_order(
        smi, key=lambda p: (p.date_of_birth, p.pk)
    )


@pytest.mark.parametrize("query", ["smi ann", "ann smi", "Smith, Ann"])
def test_every_word_must_start_a_name_in_any_order(admin_api, smi, query):
    body = admin_api.get(API, {"search": query, "page_size": 100}).json()

    assert [row["id"] for row in body["results"]] == in_order(smi.filter(first_name="Ann"))
    assert body["count"] == 15


def test_archived_matches_are_listed_under_their_status(admin_api, smi):
    archived = admin_api.get(API, {"search": "smi", "status": "archived"}).json()
    everyone = admin_api.get(API, {"search": "smi", "status": "all", "page_size": 100}).json()

    assert [row["last_name"] for row in archived["results"]] == ["Smith"]
    assert everyone["count"] == 61 and len({row["id"] for row in everyone["results"]}) == 61


def test_the_header_search_shows_the_first_eight_by_name(admin_web, smi):
    page = admin_web.get("/patients/search/", {"q": "smi"}).content.decode()

    shown = [page.index(f"/patients/{pk}/") for pk in in_order(smi)[:8]]
    assert shown == sorted(shown) and page.count('role="option"') == 8


def test_another_apps_patient_filter_gets_the_ids_of_every_match_or_refuses(
    admin_user, smi, other_clinic, monkeypatch
):
    """`ids_matching` (the lab, file and message lists' patient filter): archived patients
    too, never another clinic's, each once; more than its limit is refused, not cut short."""
    PatientFactory(clinic=other_clinic, first_name="Ann", last_name="Smith")
    archived = Patient.objects.get(is_archived=True)
    every_match = {*smi.values_list("pk", flat=True), archived.pk}
    monkeypatch.setattr(patients.selectors, "PATIENT_FILTER_LIMIT", len(every_match))

    found = ids_matching(actor=admin_user, search="smi")
    monkeypatch.setattr(patients.selectors, "PATIENT_FILTER_LIMIT", len(every_match) - 1)

    assert sorted(found) == sorted(every_match)
    with pytest.raises(TooBroad, match="More than 60 patients match this search"):
        ids_matching(actor=admin_user, search="smi")
