"""The enrolments API walked by cursor (`?cursor=`), as the patients and labs APIs are: the
numbered pages' rows in order (enrolments that start the same day included), filters kept,
each page audited, a patient walking only their own, and a cursor from elsewhere refused."""

import pytest

from accounts.models import AuditEvent
from programs import services
from programs.models import Enrollment
from tests.cursor_walk import walk, walk_changing, walk_pages
from tests.patients.factories import PatientFactory
from tests.programs.factories import enrol

pytestmark = pytest.mark.django_db

API = "/api/v1/enrollments/"


@pytest.fixture
def enrolments(clinician, patient):
    """Seven enrolments, five starting today (only the id orders those), one of them paused."""
    rows = [enrol(clinician, patient)]
    for n in range(6):
        other = PatientFactory(clinic=patient.clinic, last_name=f"Walk{n}")
        rows.append(enrol(clinician, other, days_ago=0 if n < 4 else n))
    services.enrollment_transition(actor=clinician, enrollment=rows[2], action="pause")
    return rows


def numbered(client, **params) -> list[str]:
    return [row["id"] for row in client.get(API, {"page_size": 100, **params}).json()["results"]]


@pytest.mark.parametrize("params", [{}, {"state": "active"}], ids=["all", "active"])
def test_walking_by_cursor_gives_the_numbered_pages_rows_in_order(
    api_as, clinician, enrolments, params
):
    api = api_as(clinician)

    ids, pages = walk(api, API, page_size=2, **params)

    assert ids == numbered(api, **params) and len(ids) == (6 if params else 7)
    assert pages == (len(ids) + 1) // 2


def test_each_page_of_a_walk_audits_its_patients(api_as, clinician, enrolments):
    before = AuditEvent.objects.filter(detail="programme enrolments").count()

    pages = walk_pages(api_as(clinician), API, page_size=3)

    shown = sum(len({row["patient"] for row in page}) for page in pages)
    assert AuditEvent.objects.filter(detail="programme enrolments").count() - before == shown


def test_a_patient_walks_only_their_own(api_as, patient_user, enrolments):
    ids, _pages = walk(api_as(patient_user), API, page_size=1)

    assert ids == [enrolments[0].pk]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "x" * 65, "6b15c268fd2e968ceb45fc89"])
def test_a_cursor_not_from_the_list_is_a_400(api_as, clinician, enrolments, cursor):
    response = api_as(clinician).get(API, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["errors"]["cursor"] == ["Not a cursor from this list."]


def test_a_patient_cannot_walk_from_someone_else_s_enrolment(api_as, patient_user, enrolments):
    response = api_as(patient_user).get(API, {"cursor": enrolments[1].pk})

    assert response.status_code == 400


def test_an_enrolment_paused_mid_walk_still_leads_on(api_as, clinician, enrolments):
    """A walk of active enrolments whose last one on each page is paused before `next` is
    followed still reaches every enrolment it started with, in order."""
    api = api_as(clinician)
    active = numbered(api, state="active")

    def pause(pk):
        Enrollment.objects.filter(pk=pk).update(state="paused")

    assert walk_changing(api, API, pause, state="active", page_size=2) == active
    assert len(active) == 6
