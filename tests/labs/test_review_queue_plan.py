"""The review queue (its pages, its groups and the home widget) reads results in the index's
order, tie-breaking id included: a queue of 20,000 waiting results sorted on every page was the
slowest page of the lab benchmark. The plan is the behaviour, so it is asserted (SQLite's;
MongoDB and PostgreSQL plan from the same index)."""

import pytest
from django.db import connection

from core.planner import statistics_refresh
from core.roles import Role
from labs.selectors import review_queue
from tests.factories import ClinicFactory
from tests.labs.factories import GLUCOSE, days_ago, install_catalogue, make_patient, make_result

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans"),
]


@pytest.mark.parametrize("severity", ["", "critical", "abnormal"])
@pytest.mark.parametrize("mine", [False, True], ids=["everyone's", "mine"])
def test_the_review_queue_is_read_off_its_index_without_a_sort(clinic, staff, mine, severity):
    for _ in range(3):  # a deployment of several clinics (of one, SQLite starts from the clinic)
        ClinicFactory()
    tech, clinician = staff[Role.LAB_TECH], staff[Role.CLINICIAN]
    glucose = install_catalogue(clinic)[GLUCOSE]
    for n in range(4):
        patient = make_patient(clinic, actor=staff[Role.ADMIN], last_name=f"Queue{n}")
        for value in ("30", "120", "85"):
            make_result(patient, glucose, value, actor=tech, collected_at=days_ago(n + 1))
    statistics_refresh()

    plan = review_queue(actor=clinician, mine=mine, severity=severity)[:25].explain()

    assert "labs_labresult USING INDEX result_review_queue" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
