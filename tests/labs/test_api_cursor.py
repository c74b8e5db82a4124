"""The lab results and orders APIs walked by cursor (`?cursor=`), as the patients API is: the
numbered pages' rows in the same order (ties on the time included), each page audited, only
what the caller may read, and a cursor from anywhere else refused."""

import datetime

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from labs.models import LabOrder, LabResult
from labs.serializers import STAFF_ONLY_RESULT_FIELDS
from tests.cursor_walk import queries_of_deep_pages, walk, walk_changing, walk_pages
from tests.labs.factories import GLUCOSE, POTASSIUM, install_catalogue, make_order, make_patient
from tests.labs.factories import make_result as result
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db

RESULTS, ORDERS = "/api/v1/labs/results/", "/api/v1/labs/orders/"


def numbered(client, url, **params) -> list[str]:
    return [row["id"] for row in client.get(url, {"page_size": 100, **params}).json()["results"]]


@pytest.fixture
def ada(clinic):
    return make_patient(clinic, first_name="Ada")


@pytest.fixture
def grace(clinic):
    return make_patient(clinic, first_name="Grace", born=datetime.date(1970, 1, 1))


@pytest.fixture
def results(clinic, staff, ada, grace):
    """Seven results, four of them collected at the same moment (only the id orders those)."""
    tests = install_catalogue(clinic)
    tied = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)
    writer = staff[Role.LAB_TECH]
    for n in range(7):
        when = tied if n < 4 else tied - datetime.timedelta(days=n)
        patient, test = (ada, tests[GLUCOSE]) if n % 2 else (grace, tests[POTASSIUM])
        result(patient, test, str(80 + n) if test.loinc_code == GLUCOSE else "4.1",
               actor=writer, collected_at=when)  # fmt: skip


@pytest.fixture
def orders(clinic, staff, ada, grace):
    tests = install_catalogue(clinic)
    for n in range(5):
        make_order(ada if n % 2 else grace, actor=staff[Role.CLINICIAN], tests=[tests[GLUCOSE]])


@pytest.mark.parametrize(
    ("url", "rows", "params"),
    [
        (RESULTS, "results", {}),
        (RESULTS, "results", {"test": "glucose"}),  # the fixture's glucose test's id, below
        (ORDERS, "orders", {}),
        (ORDERS, "orders", {"status": "ordered"}),
    ],
    ids=["results", "results of one test", "orders", "open orders"],
)
def test_walking_by_cursor_gives_the_numbered_pages_rows_in_order(
    request, api_as, staff, url, rows, params
):
    request.getfixturevalue(rows)
    if params.get("test") == "glucose":
        params = {"test": install_catalogue(staff[Role.ADMIN].clinic)[GLUCOSE].pk}
    api = api_as(staff[Role.CLINICIAN])
    expected = numbered(api, url, **params)

    ids, pages = walk(api, url, page_size=2, **params)

    assert ids == expected
    assert len(ids) == {RESULTS: 3 if params else 7, ORDERS: 5}[url]
    assert pages == (len(ids) + 1) // 2


def test_a_walk_audits_each_patient_shown_once_a_page(api_as, staff, results, ada, grace):
    api = api_as(staff[Role.CLINICIAN])
    before = AuditEvent.objects.filter(action="view", detail="lab results").count()

    pages = walk_pages(api, RESULTS, page_size=3)

    viewed = AuditEvent.objects.filter(action="view", detail="lab results")
    assert len(pages) == 3
    assert viewed.count() - before == sum(
        len({row["patient"]["id"] for row in page}) for page in pages
    )
    assert set(viewed.values_list("patient_id", flat=True)) == {ada.pk, grace.pk}


def test_a_patient_walks_only_their_own_final_results_without_the_clinic_s_working(
    api_as, clinic, staff, results, ada, grace
):
    glucose = install_catalogue(clinic)[GLUCOSE]
    pending = result(ada, glucose, "99", actor=staff[Role.LAB_TECH], status="preliminary")
    me, mine = api_as(portal_user(ada)), f"/api/v1/patients/{ada.pk}/labs/"

    pages = walk_pages(me, mine, page_size=2)
    from_pending = me.get(mine, {"cursor": pending.pk})
    grace_s = LabResult.objects.filter(patient=grace).values_list("pk", flat=True).first()
    from_grace = me.get(mine, {"cursor": grace_s})

    rows = [row for page in pages for row in page]
    assert [row["id"] for row in rows] == numbered(me, mine) and len(rows) == 3
    assert pending.pk not in {row["id"] for row in rows}
    assert all(not set(STAFF_ONLY_RESULT_FIELDS) & set(row) for row in rows)
    assert from_pending.status_code == 400 and from_grace.status_code == 400


def test_a_cursor_never_reaches_another_clinic_s_results(api_as, staff, other_staff, results):
    other_clinic = other_staff[Role.LAB_TECH].clinic
    tests = install_catalogue(other_clinic)
    stranger = result(
        make_patient(other_clinic), tests[GLUCOSE], "90", actor=other_staff[Role.LAB_TECH]
    )
    api = api_as(staff[Role.CLINICIAN])

    ids, _pages = walk(api, RESULTS, page_size=3)
    named_by_a_stranger = api.get(RESULTS, {"cursor": stranger.pk})

    assert len(ids) == 7 and stranger.pk not in ids
    assert named_by_a_stranger.status_code == 400


@pytest.mark.parametrize("url", [RESULTS, ORDERS])
@pytest.mark.parametrize("cursor", ["not-a-cursor", "x" * 65, "6b15c268fd2e968ceb45fc89"])
def test_a_cursor_not_from_the_list_is_a_400_naming_it(api_as, staff, results, url, cursor):
    response = api_as(staff[Role.CLINICIAN]).get(url, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["errors"]["cursor"] == ["Not a cursor from this list."]


@pytest.mark.parametrize("url", [RESULTS, ORDERS])
def test_cursor_and_page_together_is_a_400(api_as, staff, url):
    response = api_as(staff[Role.CLINICIAN]).get(url, {"cursor": "", "page": 2})

    assert response.status_code == 400
    assert response.json()["errors"]["cursor"] == ["Send either page or cursor, not both."]


@pytest.mark.parametrize(("url", "rows"), [(RESULTS, "results"), (ORDERS, "orders")])
def test_a_deep_page_by_cursor_skips_no_rows_to_reach_its_own(request, api_as, staff, url, rows):
    """Each page after a cursor starts from its edge row: no OFFSET (SQLite) or $skip
    (MongoDB), and as many queries as the page before it, however deep."""
    request.getfixturevalue(rows)
    api = api_as(staff[Role.CLINICIAN])
    queries = queries_of_deep_pages(api, url)

    assert queries[0] == queries[1] == queries[2]


@pytest.mark.parametrize(
    ("url", "rows", "listed", "model", "becomes"),
    [
        (RESULTS, "results", {"status": "final"}, LabResult, "corrected"),
        (ORDERS, "orders", {"status": "ordered"}, LabOrder, "collected"),
    ],
    ids=["a result corrected", "an order collected"],
)
def test_a_row_that_leaves_the_list_mid_walk_still_leads_on(
    request, api_as, staff, url, rows, listed, model, becomes
):
    """The last row of each page leaves the filtered list before `next` is followed (another
    user's work): the walk still reaches every row it started with, in order."""
    request.getfixturevalue(rows)
    api = api_as(staff[Role.CLINICIAN])
    expected = numbered(api, url, **listed)

    def leave(pk):
        model.objects.filter(pk=pk).update(status=becomes)

    assert walk_changing(api, url, leave, page_size=2, **listed) == expected
    assert len(expected) == {RESULTS: 7, ORDERS: 5}[url]
