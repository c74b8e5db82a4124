"""Catalogue API: tests (search, detail with ranges, admin edits), ranges, panels."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from core.roles import Role
from labs.models import LabTest, ReferenceRange
from tests.labs.factories import GLUCOSE, HEMOGLOBIN, install_catalogue

pytestmark = pytest.mark.django_db
TESTS = "/api/v1/labs/tests/"


@pytest.fixture
def tests(clinic, other_clinic):
    install_catalogue(other_clinic)
    return install_catalogue(clinic)


def names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_list_is_the_clinics_catalogue_with_ranges(admin_api, tests):
    data = admin_api.get(TESTS, {"page_size": 100}).json()
    assert data["count"] == len(tests) >= 40
    assert len({row["id"] for row in data["results"]}) == data["count"]  # no other clinic's
    glucose = next(row for row in data["results"] if row["loinc_code"] == GLUCOSE)
    assert glucose["unit"] == "mg/dL" and glucose["value_type"] == "numeric"
    assert (glucose["critical_low"], glucose["critical_high"]) == (40, 500)
    assert [(r["sex"], r["low"], r["high"], r["display"]) for r in glucose["ranges"]] == [
        ("any", 70, 99, "70–99")
    ]


@pytest.mark.parametrize(
    ("search", "expected"),
    [("glucose", ["Glucose"]), ("GLUC", ["Glucose"]), ("2345-7", ["Glucose"]), ("zzz", [])],
)
def test_search_by_name_or_loinc(admin_api, tests, search, expected):
    assert names(admin_api.get(TESTS, {"search": search})) == expected


def test_search_ignores_case_and_accents_beyond_ascii(admin_api, tests, staff):
    """ "Ácido úrico" is found by "ÚRICO" or "acido" on SQLite as on MongoDB, in the catalogue
    and in the order form's type-ahead (panels too)."""
    from labs.services import labtest_create

    labtest_create(actor=staff[Role.ADMIN], name="Ácido úrico", unit="mg/dL", value_type="numeric")
    for search in ["ÚRICO", "úrico", "urico", "ÁCIDO ÚR"]:
        assert names(admin_api.get(TESTS, {"search": search})) == ["Ácido úrico"], search
    found = admin_api.get("/api/v1/labs/orderables/", {"q": "ÚRICO"}).json()
    assert [row["name"] for row in found] == ["Ácido úrico"]
    panels = admin_api.get("/api/v1/labs/orderables/", {"q": "LIPID"}).json()
    assert [row["kind"] for row in panels][:1] == ["panel"]


def test_search_by_loinc_prefix_and_active_filter(admin_api, tests, staff):
    assert "Hemoglobin" in names(admin_api.get(TESTS, {"search": "718-7"}))
    admin_api.patch(f"{TESTS}{tests[HEMOGLOBIN].pk}/", {"is_active": False}, format="json")
    assert "Hemoglobin" not in names(admin_api.get(TESTS, {"active": "true", "page_size": 100}))
    assert admin_api.get(TESTS, {"active": "maybe"}).status_code == 400


def test_list_query_count_is_constant(admin_api, tests):
    with CaptureQueriesContext(connection) as small:
        admin_api.get(TESTS, {"page_size": 1})
    with CaptureQueriesContext(connection) as large:
        admin_api.get(TESTS, {"page_size": 100})
    # the count: a catalogue its page of 100 holds is counted by it (core.lists.ListPaginator)
    assert len(small) == len(large) + 1 <= 5


def test_detail_has_sex_specific_ranges(api_as, staff, tests):
    data = api_as(staff[Role.LAB_TECH]).get(f"{TESTS}{tests[HEMOGLOBIN].pk}").json()
    assert sorted((r["sex"], r["low"], r["high"]) for r in data["ranges"]) == [
        ("female", 12, 15.5),
        ("male", 13.5, 17.5),
    ]


def test_admin_creates_and_edits_a_test(admin_api, tests):
    response = admin_api.post(
        TESTS,
        {"name": "Zinc", "loinc_code": "5763-8", "unit": "ug/dL", "critical_low": 10},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["value_type"], created["is_active"], created["ranges"]) == ("numeric", True, [])
    response = admin_api.patch(
        f"{TESTS}{created['id']}/", {"unit": "umol/L", "critical_high": 50}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["unit"], response.json()["critical_high"]) == ("umol/L", 50)
    actions = AuditEvent.objects.filter(object_id=created["id"]).values_list("action", flat=True)
    assert sorted(actions) == ["create", "update"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Glucose"}, "non_field_errors"),  # already in the catalogue (constraint)
        ({"name": "Thing", "loinc_code": "1234-5"}, "loinc_code"),  # bad check digit
        ({"name": "Thing", "loinc_code": "2345-²"}, "loinc_code"),  # "²".isdigit() (was a 500)
        ({"name": "Thing", "loinc_code": "²-1"}, "loinc_code"),
        ({"name": "Thing", "value_type": "colour"}, "value_type"),
        ({"name": "Thing", "critical_low": 5, "critical_high": 1}, "critical_high"),
        ({"name": "Thing", "critical_low": "lots"}, "critical_low"),
        ({"unit": "mg/dL"}, "name"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_test_is_400(admin_api, tests, payload, field):
    before = LabTest.objects.count()
    response = admin_api.post(TESTS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert LabTest.objects.count() == before


def test_duplicate_loinc_is_400(admin_api, tests):
    body = {"name": "Glucose again", "loinc_code": GLUCOSE, "unit": "mg/dL"}
    response = admin_api.post(TESTS, body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["loinc_code"] == [
        "Another test of the catalogue has this LOINC code."
    ]


def test_ranges_crud(admin_api, tests):
    glucose = tests[GLUCOSE]
    path = f"{TESTS}{glucose.pk}/ranges/"
    response = admin_api.post(
        path, {"sex": "male", "age_min": 65, "low": 70, "high": 110}, format="json"
    )
    assert response.status_code == 201, response.content
    added = response.json()
    assert (added["age_max"], added["display"]) == (None, "70–110")
    assert len(admin_api.get(path).json()) == 2
    response = admin_api.patch(f"{path}{added['id']}/", {"high": 120}, format="json")
    assert response.json()["high"] == 120
    assert_bad = admin_api.patch(f"{path}{added['id']}/", {"low": 200}, format="json")
    assert assert_bad.status_code == 400 and "high" in assert_bad.json()["errors"]
    assert admin_api.delete(f"{path}{added['id']}").status_code == 204
    assert admin_api.get(path).json()[0]["sex"] == "any"
    assert admin_api.delete(f"{path}{added['id']}").status_code == 404


def test_a_second_range_for_the_same_sex_and_age_band_is_400(admin_api, tests):
    """Two would flag a result by whichever was read first; the existing one is edited."""
    glucose = tests[GLUCOSE]
    path = f"{TESTS}{glucose.pk}/ranges/"
    band = {"sex": "male", "age_min": 65}
    first = admin_api.post(path, {**band, "low": 70, "high": 110}, format="json").json()

    again = admin_api.post(path, {**band, "low": 60, "high": 140}, format="json")

    assert again.status_code == 400
    assert "already has a range for this sex and age band" in again.json()["detail"]
    other = admin_api.post(path, {"sex": "female", "age_min": 65, "low": 60}, format="json")
    moved = admin_api.patch(f"{path}{other.json()['id']}/", {"sex": "male"}, format="json")
    assert moved.status_code == 400
    assert admin_api.patch(f"{path}{first['id']}/", {"high": 115}, format="json").status_code == 200
    assert len(admin_api.get(path).json()) == 3


@pytest.mark.parametrize(
    "payload",
    [
        {"low": 10, "high": 5},
        {"age_min": 40, "age_max": 30},
        {"sex": "robot"},
        {"age_min": -1},
        {"low": "x"},
    ],
)
def test_bad_range_is_400(admin_api, tests, payload):
    before = ReferenceRange.objects.count()
    response = admin_api.post(f"{TESTS}{tests[GLUCOSE].pk}/ranges/", payload, format="json")
    assert response.status_code == 400, response.content
    assert ReferenceRange.objects.count() == before


def test_a_range_of_another_test_is_404(admin_api, tests):
    other_range = tests[HEMOGLOBIN].ranges.first()
    path = f"{TESTS}{tests[GLUCOSE].pk}/ranges/{other_range.pk}/"
    assert admin_api.patch(path, {"high": 1}, format="json").status_code == 404


def test_panels_list_their_tests(api_as, staff, tests):
    client = api_as(staff[Role.NURSE])
    with CaptureQueriesContext(connection) as queries:
        data = client.get("/api/v1/labs/panels/").json()
    assert data["count"] >= 5 and len(queries) <= 5
    lipid = next(p for p in data["results"] if "ipid" in p["name"])
    assert {"2093-3", "2085-9", "2571-8"} <= {t["loinc_code"] for t in lipid["tests"]}
    detail = client.get(f"/api/v1/labs/panels/{lipid['id']}").json()
    assert detail["tests"] == lipid["tests"]


def test_a_text_test_refuses_a_unit_or_critical_limits_and_keeps_its_own(admin_api, tests):
    """The catalogue's page leaves these fields out for a test of text results; the API, going
    through the same service, refuses them by field, and writes nothing."""
    text_test = next(t for t in tests.values() if t.value_type == "text")
    response = admin_api.patch(
        f"{TESTS}{text_test.pk}/", {"unit": "mg/dL", "critical_high": "9"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "no unit or critical limits" in str(errors["unit"])
    assert "critical_high" in errors
    text_test.refresh_from_db()
    assert (text_test.unit, text_test.critical_high) == ("", None)
    renamed = admin_api.patch(f"{TESTS}{text_test.pk}/", {"name": "ABO group"}, format="json")
    assert renamed.status_code == 200
