"""Patients API walked by cursor (`?cursor=`): the same rows in the same order as the numbered
pages, each page audited, a deep page as cheap as the first, and only the clinic's patients."""

import datetime

import pytest

from accounts.models import AuditEvent
from patients.models import Patient
from tests.cursor_walk import walk
from tests.patients.factories import PatientFactory

API = "/api/v1/patients/"


@pytest.fixture
def patients(clinic):
    # Ties on every sort key but the id: the cursor must not skip or repeat any of them.
    born = [datetime.date(1970, 1, 1), datetime.date(1990, 6, 1)]
    names = ["Jones", "Smith"]
    return [
        PatientFactory(clinic=clinic, last_name=names[n % 2], date_of_birth=born[n % 2])
        for n in range(7)
    ]


@pytest.mark.parametrize("ordering", ["name", "-name", "dob", "-dob", "mrn", "-created"])
def test_walking_by_cursor_gives_the_numbered_pages_rows_in_order(admin_api, patients, ordering):
    numbered = admin_api.get(API, {"ordering": ordering, "page_size": 100}).json()["results"]

    ids, pages = walk(admin_api, API, ordering=ordering, page_size=3)

    assert ids == [row["id"] for row in numbered]
    assert len(ids) == 7 and pages == 3


def test_a_cursor_walk_keeps_the_search_and_audits_each_patient_shown(admin_api, patients):
    ids, _pages = walk(admin_api, API, search="smith", page_size=2)

    assert len(ids) == 3
    viewed = AuditEvent.objects.filter(action="view", detail="patient list; search: smith")
    assert sorted(viewed.values_list("patient_id", flat=True)) == sorted(ids)


def test_a_cursor_never_reaches_another_clinics_patients(admin_api, patients, other_clinic):
    PatientFactory(clinic=other_clinic, last_name="Smith")

    ids, _pages = walk(admin_api, API, page_size=2)

    assert sorted(ids) == sorted(p.pk for p in patients)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzFd", "W10"])
def test_a_cursor_not_from_the_list_is_a_400(admin_api, patients, cursor):
    response = admin_api.get(API, {"cursor": cursor})

    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_cursor_and_page_together_is_a_400(admin_api, patients):
    response = admin_api.get(API, {"cursor": "", "page": 2})

    assert response.status_code == 400


def test_a_deep_page_costs_the_queries_of_the_second(
    admin_api, patients, django_assert_max_num_queries
):
    # the user, the page's ids, its rows with their users, the audit insert (and a
    # transaction's savepoint on SQLite); every page after the first also looks up the row its
    # cursor names
    with django_assert_max_num_queries(5):
        body = admin_api.get(API, {"cursor": "", "page_size": 1}).json()
    with django_assert_max_num_queries(6):
        body = admin_api.get(body["next"]).json()
    for _ in range(4):
        body = admin_api.get(body["next"]).json()

    with django_assert_max_num_queries(6):
        assert admin_api.get(body["next"]).status_code == 200


def test_a_cursor_is_an_opaque_id_not_a_name(admin_api, patients):
    body = admin_api.get(API, {"cursor": "", "page_size": 2}).json()
    cursor = body["next"].split("cursor=")[1].split("&")[0]

    assert cursor == body["results"][-1]["id"]


def test_a_patient_archived_mid_walk_still_leads_to_the_next_page(admin_api, patients):
    first = admin_api.get(API, {"cursor": "", "page_size": 3}).json()
    Patient.objects.filter(pk=first["results"][-1]["id"]).update(is_archived=True)

    second = admin_api.get(first["next"])

    assert second.status_code == 200
    everyone = admin_api.get(API, {"page_size": 100}).json()["results"]
    assert [row["id"] for row in second.json()["results"]] == [r["id"] for r in everyone[2:5]]
