"""The dashboard reads each of its sorts in index order, tie-breaking id included: a sort the
index does not cover is done over every active enrolment of the clinic on every page. The plan
is the behaviour, so it is asserted (SQLite's; MongoDB and PostgreSQL plan from the same
indexes)."""

import pytest
from django.db import connection

from core.lists import after_key, edge_key
from core.planner import statistics_refresh
from programs.selectors import SORTS, enrollment_list
from tests.factories import ClinicFactory
from tests.patients.factories import PatientFactory
from tests.programs.factories import enrol

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans"),
]


@pytest.mark.parametrize("behind", [False, True], ids=["all", "falling behind"])
@pytest.mark.parametrize("sort", sorted(SORTS))
def test_every_dashboard_sort_is_read_off_an_index_without_a_sort(clinician, patient, sort, behind):
    for _ in range(3):  # a deployment of several clinics (of one, SQLite starts from the clinic)
        ClinicFactory()
    for n in range(12):
        enrol(clinician, PatientFactory(clinic=patient.clinic, last_name=f"Plan{n}"))
    statistics_refresh()

    page = enrollment_list(actor=clinician, state="active", sort=sort, behind=behind)[:25]
    plan = page.explain()

    assert "programs_enrollment USING INDEX programs_en_clinic" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize(
    ("sort", "walked"), [("-start", "start_date<?"), ("start", "start_date>?")]
)
def test_a_page_reached_by_next_is_read_off_the_index_from_its_edge_row(
    clinician, patient, sort, walked
):
    for _ in range(3):
        ClinicFactory()
    for n in range(12):
        enrol(clinician, PatientFactory(clinic=patient.clinic, last_name=f"Plan{n}"), days_ago=n)
    statistics_refresh()
    rows = enrollment_list(actor=clinician, state="active", sort=sort)
    order = list(SORTS[sort])
    key = edge_key(rows, str(rows[5].pk), order)

    plan = rows.filter(after_key(order, key))[:25].explain()

    assert (
        f"USING INDEX programs_en_clinic__7c122a_idx (clinic_id=? AND state=? AND {walked})" in plan
    ), plan
    assert "TEMP B-TREE" not in plan, plan
