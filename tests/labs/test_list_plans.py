"""The clinic's results of one status or one flag, and all its orders, come from an index in
the list's order: at 1,000,000 results the 867 preliminary or 794 critically high ones were
found by reading every result, 1.3-1.5 s for the API's page and count. Counting across the
clinic stops at 10,000 ("about" past that), as the patient list's does. The plan is the
behaviour, so it is asserted (SQLite's; MongoDB plans from the same indexes)."""

import pytest
from django.db import connection

from core.lists import after_key, edge_key, ids_only
from core.planner import statistics_refresh
from core.roles import Role
from labs.selectors import order_list, result_list
from tests.factories import ClinicFactory
from tests.labs.factories import (
    GLUCOSE,
    days_ago,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def results(clinic, staff):
    """Four patients' glucose results over twelve days: critically low, high and normal ones,
    two of them still preliminary."""
    for _ in range(3):  # a deployment of several clinics
        ClinicFactory()
    tech = staff[Role.LAB_TECH]
    glucose = install_catalogue(clinic)[GLUCOSE]
    for n in range(4):
        patient = make_patient(clinic, actor=staff[Role.ADMIN], last_name=f"Results{n}")
        for day, value in enumerate(("30", "200", "85")):
            status = "preliminary" if (n, day) in {(1, 0), (3, 2)} else "final"
            make_result(
                patient,
                glucose,
                value,
                actor=tech,
                status=status,
                collected_at=days_ago(3 * n + day),
            )
    statistics_refresh()
    return list(result_list(actor=staff[Role.CLINICIAN]))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    "filters, index",
    [
        ({"status": "preliminary"}, "result_clinic_status"),
        ({"flag": "critical_low"}, "result_clinic_flag"),
    ],
)
def test_a_status_or_a_flag_is_read_off_its_index(results, staff, filters, index):
    plan = result_list(actor=staff[Role.CLINICIAN], **filters)[:25].explain()

    assert f"labs_labresult USING INDEX {index} (clinic_id=? AND" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


@pytest.mark.parametrize(
    "query",
    ["status=preliminary", "flag=critical_low", "flag=high&status=final", "status=final"],
)
def test_the_clinics_results_of_a_status_or_flag_newest_first(results, staff, api_as, query):
    wanted = dict(pair.split("=") for pair in query.split("&"))
    expected = [r for r in results if all(getattr(r, k) == v for k, v in wanted.items())]

    body = api_as(staff[Role.CLINICIAN]).get(f"/api/v1/labs/results/?{query}").json()

    assert [row["id"] for row in body["results"]] == [r.pk for r in expected] and expected
    assert body["count"] == len(expected) and body["count_estimated"] is False


def test_one_patients_results_are_counted_exactly_without_an_estimate(results, staff, api_as):
    patient_id = results[0].patient_id

    body = api_as(staff[Role.CLINICIAN]).get(f"/api/v1/labs/results/?patient={patient_id}").json()

    assert body["count"] == 3 and "count_estimated" not in body


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_the_clinics_orders_are_read_newest_first_off_an_index(results, staff, api_as):
    glucose = results[0].test
    patients = {r.patient for r in results}
    orders = [
        make_order(p, actor=staff[Role.CLINICIAN], tests=[glucose]) for p in patients for _ in "ab"
    ]
    statistics_refresh()

    plan = order_list(actor=staff[Role.CLINICIAN])[:25].explain()
    body = api_as(staff[Role.CLINICIAN]).get("/api/v1/labs/orders/").json()

    assert "labs_laborder USING INDEX laborder_clinic_time (clinic_id=?)" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
    assert [row["id"] for row in body["results"]] == [o.pk for o in reversed(orders)]
    assert body["count"] == 8 and body["count_estimated"] is False


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize("status", ["open", ""])
def test_a_patient_search_of_the_orders_checks_each_order_on_the_index(clinic, staff, status):
    """The walk of the clinic's orders newest first checks each order's patient and status on
    `laborder_clinic_time`, and reads the row of a match only (a search for "smi" among 16,953
    orders read every row: 12 ms, 5 off the index). The count's walk is the index alone."""
    glucose = install_catalogue(clinic)[GLUCOSE]
    clinician = staff[Role.CLINICIAN]
    smiths = [make_patient(clinic, actor=staff[Role.ADMIN], last_name=f"Smith{n}") for n in "ab"]
    for patient in [*smiths, *(make_patient(clinic, last_name=f"Other{n}") for n in range(6))]:
        for _ in range(3):
            make_order(patient, actor=clinician, tests=[glucose])
    statistics_refresh()
    searched = order_list(actor=clinician, search="smi", status=status)

    plan = searched.values_list("pk").explain()

    assert "COVERING INDEX laborder_clinic_time (clinic_id=?)" in plan, plan
    assert searched.count() == 6 and {o.patient_id for o in searched} == {p.pk for p in smiths}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_a_page_after_a_cursor_walks_the_clinics_time_index(results, staff):
    """`?cursor=` pages read ids off the clinic's time index from the edge row on: with the
    list's joins in the query SQLite scanned every patient instead (1.1 s at 1,000,000
    results; a page by OFFSET 4,000 deep 0.6–0.9 s)."""
    rows = result_list(actor=staff[Role.CLINICIAN])
    order = list(rows.query.order_by)
    key = edge_key(rows, str(results[5].pk), order)

    plan = ids_only(rows).filter(after_key(order, key))[:26].explain()

    assert (
        "labs_labresult USING COVERING INDEX result_clinic_time (clinic_id=? AND collected_at<?)"
        in plan
    ), plan
    assert "patients_patient" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    "filters, index",
    [
        ({}, "result_clinic_time"),
        ({"status": "final"}, "result_clinic_status"),
        ({"flag": "high"}, "result_clinic_flag"),
    ],
)
def test_a_page_typed_by_its_number_skips_index_entries_alone(results, staff, filters, index):
    """`?page=N` skips the ids before its page (core.lists.page_of(by_id=True)) off an index
    that ends in the id, as the list's order does: without it each skipped entry's row was read
    for its id and each time's ties sorted (page 4,000 of 1,000,000: 124 ms, 19 with it)."""
    rows = ids_only(result_list(actor=staff[Role.CLINICIAN], **filters))

    plan = rows[2:4].explain()

    assert f"labs_labresult USING COVERING INDEX {index} (clinic_id=?" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
