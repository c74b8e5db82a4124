"""A page reached by its number (`?page=3`, typed or bookmarked) shows the rows the list holds
there, and the OFFSET that reaches it skips ids alone: the rows it passes over are not joined
to their patient, author or uploader (core.lists.page_of(by_id=True)). At the benchmark's
200,000 documents, page 4,000 typed by number joined the 100,000 files before it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import lists
from core.roles import Role
from files.models import StoredFile
from tests.conftest import bearer_client
from tests.cursor_walk import joined_past_offset, linked_ids, skipped
from tests.files.factories import stored_file
from tests.labs.factories import install_catalogue, make_order, make_result
from tests.messaging.factories import make_thread
from tests.notes.factories import install, make_note
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

ROWS = 7


@pytest.fixture
def patients(clinic):
    return [PatientFactory(clinic=clinic, first_name=name) for name in ("Ada", "Bea", "Cy")]


@pytest.fixture(autouse=True)
def private_storage(private_storage):
    return private_storage


def documents(staff, patients, *, one_patient=False):
    for n in range(ROWS):
        patient = patients[0 if one_patient else n % 3]
        stored_file(staff[Role.NURSE], patient, name=f"letter-{n}.pdf", title=f"Letter {n}")
    return f"/api/v1/patients/{patients[0].pk}/files/"


def one_patients_documents(staff, patients):
    return documents(staff, patients, one_patient=True)


def threads(staff, patients):
    for n in range(ROWS):
        make_thread(staff[Role.CLINICIAN], patients[n % 3], subject=f"Question {n}")
    return "/api/v1/messages/threads/"


def one_patients_threads(staff, patients):
    for n in range(ROWS):
        make_thread(staff[Role.CLINICIAN], patients[0], subject=f"Question {n}")


def results(staff, patients):
    glucose = install_catalogue(patients[0].clinic)["2345-7"]
    for n in range(ROWS):
        collected = timezone.now() - datetime.timedelta(hours=n + 1)
        make_result(patients[n % 3], glucose, str(80 + n), collected_at=collected)
    return "/api/v1/labs/results/"


def orders(staff, patients):
    glucose = install_catalogue(patients[0].clinic)["2345-7"]
    for n in range(ROWS):
        make_order(patients[n % 3], actor=staff[Role.CLINICIAN], tests=[glucose])
    return "/api/v1/labs/orders/"


def notes(staff, patients):
    install(patients[0].clinic)
    for n in range(ROWS):
        make_note(staff[Role.CLINICIAN], patients[n % 3], title=f"Visit {n}")
    return "/api/v1/notes/"


API_LISTS = {  # each makes ROWS rows and gives the list's address
    "message threads": threads,
    "lab results": results,
    "lab orders": orders,
    "notes": notes,
}


@pytest.mark.parametrize("name", API_LISTS)
def test_api_page_typed_by_number_shows_its_rows_skipping_ids_alone(staff, patients, name):
    url = API_LISTS[name](staff, patients)
    api = bearer_client(staff[Role.CLINICIAN])
    whole = api.get(url, {"page_size": ROWS})
    assert whole.status_code == 200, whole.content
    every = whole.json()["results"]
    assert len(every) == ROWS

    with CaptureQueriesContext(connection) as read:
        third = api.get(url, {"page": 3, "page_size": 2})

    assert third.status_code == 200, third.content
    assert third.json()["results"] == every[4:6]  # the same rows, whole, in the list's order
    assert not joined_past_offset(read)


ONE_PATIENTS_LISTS = {  # (make the rows, the list of patients[0]'s, its filter by them)
    "documents": (one_patients_documents, "/api/v1/patients/{pk}/files/", {}),
    "message threads": (one_patients_threads, "/api/v1/messages/threads/", {"patient": "{pk}"}),
}


@pytest.mark.parametrize("name", ONE_PATIENTS_LISTS)
def test_one_patients_page_typed_by_number_costs_what_page_1_does(staff, patients, name):
    """One patient's pages skip a few rows: read whole, with no query for their ids first."""
    make, address, filters = ONE_PATIENTS_LISTS[name]
    make(staff, patients)
    url = address.format(pk=patients[0].pk)
    filters = {key: value.format(pk=patients[0].pk) for key, value in filters.items()}
    api = bearer_client(staff[Role.CLINICIAN])
    every = api.get(url, {"page_size": ROWS, **filters}).json()["results"]
    assert len(every) == ROWS

    with CaptureQueriesContext(connection) as first_read:
        first = api.get(url, {"page_size": 2, **filters})
    with CaptureQueriesContext(connection) as third_read:
        third = api.get(url, {"page": 3, "page_size": 2, **filters})

    assert first.json()["results"] == every[:2]
    assert third.json()["results"] == every[4:6]
    assert len(third_read) == len(first_read)


def test_a_patients_access_log_page_typed_by_number(staff, patients):
    """Every read of a record is in its log, reading the log too (newest first): the page read
    second starts one row further on than the same rows in the first read."""
    admin = bearer_client(staff[Role.ADMIN])
    nurse = bearer_client(staff[Role.NURSE])
    for _ in range(ROWS):
        assert nurse.get(f"/api/v1/patients/{patients[0].pk}/").status_code == 200
    url = f"/api/v1/patients/{patients[0].pk}/access-log/"
    every = admin.get(url, {"page_size": 20}).json()["results"]

    with CaptureQueriesContext(connection) as read:
        third = admin.get(url, {"page": 3, "page_size": 2})

    assert third.status_code == 200, third.content
    assert third.json()["results"] == every[3:5]
    assert not joined_past_offset(read)


def test_documents_page_typed_by_number_in_the_html_list(client, staff, patients):
    """Page 2 of 4 is in the list's first half: cut by OFFSET (the second half is read from
    the end, core.lists.Walk)."""
    documents(staff, patients)
    client.force_login(staff[Role.CLINICIAN])
    every = linked_ids(client.get("/files/", {"page_size": ROWS}), "/files/")

    with CaptureQueriesContext(connection) as read:
        second = client.get("/files/", {"page": 2, "page_size": 2})

    assert linked_ids(second, "/files/") == every[2:4]
    shown = second.content.decode()
    for stored in StoredFile.objects.filter(pk__in=every[2:4]).select_related("patient"):
        assert stored.title in shown and stored.patient.first_name in shown
    assert skipped(read)
    assert not joined_past_offset(read)


def test_page_1_and_the_pages_after_it_show_one_count(staff, patients, monkeypatch):
    """Past the exact count's limit a list says "about N", N counted at most every 10 minutes:
    the pages read by id share page 1's count rather than taking their own."""
    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 3)
    url = threads(staff, patients)
    api = bearer_client(staff[Role.CLINICIAN])
    first = api.get(url, {"page_size": 2}).json()

    with CaptureQueriesContext(connection) as read:
        third = api.get(url, {"page": 3, "page_size": 2}).json()

    assert (first["count"], first["count_estimated"]) == (ROWS, True)
    assert (third["count"], third["count_estimated"]) == (ROWS, True)
    assert not [q for q in read.captured_queries if "__count" in q["sql"]]  # none counted


def test_a_page_past_the_end_is_still_a_404_in_the_api(staff, patients):
    url = notes(staff, patients)
    api = bearer_client(staff[Role.CLINICIAN])

    assert api.get(url, {"page": 4, "page_size": 2}).json()["results"] != []
    assert api.get(url, {"page": 5, "page_size": 2}).status_code == 404


@pytest.mark.parametrize(("page", "status"), [(2, 404), (1000, 404), (0, 400)])
def test_a_search_that_finds_nothing_has_no_page_but_the_first(staff, patients, page, status):
    """A rare word no note holds is looked up in the word index and finds no ids: page 1 says
    so, a page after it is a 404 (it was a 500: the count of "none of these ids" has no SQL),
    and page 0 a 400."""
    url = notes(staff, patients)
    api = bearer_client(staff[Role.CLINICIAN])

    first = api.get(url, {"search": "salbutamol"})
    other = api.get(url, {"search": "salbutamol", "page": page})

    assert (first.status_code, first.json()["count"], first.json()["results"]) == (200, 0, [])
    assert other.status_code == status, other.content
