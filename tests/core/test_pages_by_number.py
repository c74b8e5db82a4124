"""A page reached by its number (`?page=3`, typed or bookmarked) shows the rows the list holds
there, and the OFFSET that reaches it skips ids alone: the rows it passes over are not joined
to their patient, author or uploader (core.lists.page_of(by_id=True)). At the benchmark's
200,000 documents, page 4,000 typed by number joined the 100,000 files before it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.roles import Role
from files.models import StoredFile
from tests.conftest import bearer_client
from tests.cursor_walk import linked_ids
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
    "a patient's documents": one_patients_documents,
    "message threads": threads,
    "lab results": results,
    "lab orders": orders,
    "notes": notes,
}


def joined_past_offset(read: CaptureQueriesContext) -> list[str]:
    """The queries that skip rows (OFFSET, `$skip`) while joining another table (JOIN,
    `$lookup`) to each of them."""
    return [
        q["sql"]
        for q in read.captured_queries
        if ("OFFSET" in q["sql"] or "$skip" in q["sql"])
        and ("JOIN" in q["sql"] or "$lookup" in q["sql"])
    ]


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


def test_documents_page_typed_by_number_in_the_browser(client, staff, patients):
    documents(staff, patients)
    client.force_login(staff[Role.CLINICIAN])
    every = linked_ids(client.get("/files/", {"page_size": ROWS}), "/files/")

    with CaptureQueriesContext(connection) as read:
        third = client.get("/files/", {"page": 3, "page_size": 2})

    assert linked_ids(third, "/files/") == every[4:6]
    shown = third.content.decode()
    for stored in StoredFile.objects.filter(pk__in=every[4:6]).select_related("patient"):
        assert stored.title in shown and stored.patient.first_name in shown
    assert not joined_past_offset(read)


def test_a_page_past_the_end_is_still_a_404_in_the_api(staff, patients):
    url = notes(staff, patients)
    api = bearer_client(staff[Role.CLINICIAN])

    assert api.get(url, {"page": 4, "page_size": 2}).json()["results"] != []
    assert api.get(url, {"page": 5, "page_size": 2}).status_code == 404
