"""The patient filter of other apps' lists (lab orders, the review queue, documents, messages):
every matching patient's rows, or a refusal that says to narrow the search. Never some of the
matches in silence (keeping the first 500 patients left half the Smiths of a large clinic out of
the review queue, and the page said nothing)."""

import pytest
from django.test import Client

from core.roles import Role
from patients import selectors as patient_selectors
from tests.files.factories import stored_file
from tests.labs.factories import GLUCOSE, install_catalogue, make_order, make_result
from tests.messaging.factories import make_thread
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

FIRST_NAMES = ["Ann", "Bea", "Cal", "Dov"]
TOO_BROAD = "More than 3 patients match this search. Type more of the name, or the MRN."
# Each list's page and what it shows of a Smith's row: the patient's name (the review queue,
# orders, messages) or the file's title, which names its patient here.
PAGES = {
    "review queue": "/labs/review/?q=smith",
    "lab orders": "/labs/orders/?q=smith",
    "documents": "/files/?patient=smith",
    "messages": "/messages/?tab=open&q=smith",
}
APIS = {
    "review queue": "/api/v1/labs/results/review-queue/?search=smith",
    "messages": "/api/v1/messages/threads/?tab=open&search=smith",
}


@pytest.fixture
def smiths(clinic, staff):
    """Four Smiths, each with an open order, a result waiting for review, a document and a
    message thread; and a Jones with the same, whom no search for "smith" shows."""
    clinician = staff[Role.CLINICIAN]
    glucose = install_catalogue(clinic)[GLUCOSE]
    patients = [PatientFactory(clinic=clinic, first_name=n, last_name="Smith") for n in FIRST_NAMES]
    patients.append(PatientFactory(clinic=clinic, first_name="Eve", last_name="Jones"))
    for patient in patients:
        name = f"{patient.first_name} {patient.last_name}"
        make_order(patient, actor=clinician, tests=[glucose])
        make_result(patient, glucose, "85", actor=staff[Role.ADMIN])
        stored_file(clinician, patient, name=f"Letter about {name}.pdf")
        make_thread(clinician, patient, subject="Your visit")
    return patients


def patient_of(row: dict) -> str:
    """A row's patient id: a result names its patient in full, a thread by id."""
    return row["patient"]["id"] if isinstance(row["patient"], dict) else row["patient"]


def shown(page: str) -> set[str]:
    """The first names of the patients a page shows, found by full name: a bare "Cal" turns
    up in a page's random CSRF tokens now and then, and failed a run that way."""
    people = [(name, "Smith") for name in FIRST_NAMES] + [("Eve", "Jones")]
    return {
        first for first, last in people if f"{first} {last}" in page or f"{last}, {first}" in page
    }


@pytest.mark.parametrize("url", PAGES.values(), ids=PAGES.keys())
def test_a_list_shows_every_patient_the_search_finds_up_to_the_limit(
    url, smiths, staff, monkeypatch
):
    monkeypatch.setattr(patient_selectors, "PATIENT_FILTER_LIMIT", 4)
    client = Client()
    client.force_login(staff[Role.CLINICIAN])

    page = client.get(url).content.decode()

    assert shown(page) == set(FIRST_NAMES)


@pytest.mark.parametrize("url", PAGES.values(), ids=PAGES.keys())
def test_a_search_matching_more_patients_than_the_limit_is_refused_on_the_page(
    url, smiths, staff, monkeypatch
):
    monkeypatch.setattr(patient_selectors, "PATIENT_FILTER_LIMIT", 3)
    client = Client()
    client.force_login(staff[Role.CLINICIAN])

    response = client.get(url)
    narrowed = client.get(url.replace("smith", "ann+smith")).content.decode()

    page = response.content.decode()
    assert response.status_code == 200
    assert TOO_BROAD in page and 'role="alert"' in page
    assert shown(page) == set()  # none of them, rather than three of the four
    assert "Nothing to show" not in page and "waiting for review" not in page
    assert 'value="smith"' in page  # the search stays in its box, to be narrowed
    assert shown(narrowed) == {"Ann"}


@pytest.mark.parametrize("url", APIS.values(), ids=APIS.keys())
def test_the_api_refuses_a_search_matching_more_patients_than_the_limit(
    url, smiths, staff, api_as, monkeypatch
):
    client = api_as(staff[Role.CLINICIAN])
    monkeypatch.setattr(patient_selectors, "PATIENT_FILTER_LIMIT", 4)
    every_smith = client.get(url)
    monkeypatch.setattr(patient_selectors, "PATIENT_FILTER_LIMIT", 3)

    refused = client.get(url)

    assert every_smith.status_code == 200
    assert {patient_of(row) for row in every_smith.json()["results"]} == {
        patient.pk for patient in smiths[:4]
    }
    assert refused.status_code == 400
    assert refused.json()["detail"] == TOO_BROAD
