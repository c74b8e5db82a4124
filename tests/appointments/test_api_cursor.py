"""The appointments API walked by cursor (`?cursor=`), as the patients, labs and programmes APIs
are: the numbered pages' rows in order (two providers' appointments at the same times
included), filters kept, each page audited, a patient walking only their own, and a cursor from
elsewhere refused."""

import pytest

from accounts.models import AuditEvent
from appointments.models import Appointment
from core.roles import Role
from tests.appointments.conftest import local
from tests.cursor_walk import queries_of_deep_pages, walk, walk_changing, walk_pages
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db

API = "/api/v1/appointments/"


@pytest.fixture
def appointments(book, patient, patient2, provider, nurse, monday, tz):
    """Eight appointments, each time booked twice (the clinician and the nurse), so only the id
    orders each pair."""
    booked = []
    for hhmm in ("09:00", "09:20", "10:00", "11:40"):
        booked += book(patient, provider, local(monday, hhmm, tz))
        booked += book(patient2, nurse, local(monday, hhmm, tz))
    return booked


def numbered(client, **params) -> list[str]:
    return [row["id"] for row in client.get(API, {"page_size": 100, **params}).json()["results"]]


@pytest.mark.parametrize("by_provider", [False, True], ids=["all", "one provider"])
def test_walking_by_cursor_gives_the_numbered_pages_rows_in_order(
    api_as, staff, provider, appointments, by_provider
):
    api = api_as(staff[Role.RECEPTIONIST])
    params = {"provider": provider.pk} if by_provider else {}

    ids, pages = walk(api, API, page_size=3, **params)

    assert ids == numbered(api, **params) and len(ids) == (4 if by_provider else 8)
    assert pages == (len(ids) + 2) // 3


def test_each_page_of_a_walk_audits_its_patients(api_as, staff, appointments):
    before = AuditEvent.objects.filter(detail="appointments").count()

    pages = walk_pages(api_as(staff[Role.RECEPTIONIST]), API, page_size=3)

    shown = sum(len({row["patient"] for row in page}) for page in pages)
    assert AuditEvent.objects.filter(detail="appointments").count() - before == shown


def test_a_patient_walks_only_their_own(api_as, patient, appointments):
    me = api_as(portal_user(patient))

    ids, _pages = walk(me, API, page_size=1)
    from_someone_else = me.get(API, {"cursor": appointments[1].pk})

    assert ids == [a.pk for a in appointments[0::2]]
    assert from_someone_else.status_code == 400


@pytest.mark.parametrize("cursor", ["not-a-cursor", "x" * 65, "6b15c268fd2e968ceb45fc89"])
def test_a_cursor_not_from_the_list_is_a_400(api_as, staff, appointments, cursor):
    response = api_as(staff[Role.RECEPTIONIST]).get(API, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["errors"]["cursor"] == ["Not a cursor from this list."]


def test_a_page_after_a_cursor_skips_no_rows_to_reach_its_own(api_as, staff, appointments):
    queries = queries_of_deep_pages(api_as(staff[Role.RECEPTIONIST]), API)

    assert queries[0] == queries[1] == queries[2]


def test_an_appointment_cancelled_mid_walk_still_leads_on(api_as, staff, appointments):
    """A walk of booked appointments whose last one on each page is cancelled before `next` is
    followed still reaches every appointment it started with, in order."""
    api = api_as(staff[Role.RECEPTIONIST])
    booked = numbered(api, status="booked")

    def cancel(pk):
        Appointment.objects.filter(pk=pk).update(status="cancelled")

    assert walk_changing(api, API, cancel, status="booked", page_size=3) == booked
    assert len(booked) == 8
