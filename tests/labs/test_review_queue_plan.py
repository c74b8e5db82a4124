"""The review queue (its pages, its groups and the home widget) reads results in the index's
order, tie-breaking id included: a queue of 20,000 waiting results sorted on every page was the
slowest page of the lab benchmark. The plan is the behaviour, so it is asserted (SQLite's;
MongoDB and PostgreSQL plan from the same index)."""

from copy import copy

import pytest
from django.db import connection

from core.models import new_id
from core.planner import statistics_refresh
from core.roles import Role
from labs.models import LabResult
from labs.selectors import review_queue
from tests.factories import ClinicFactory
from tests.labs.factories import GLUCOSE, days_ago, install_catalogue, make_patient, make_result

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans"),
]


@pytest.fixture
def queue_of_a_busy_clinic(clinic, staff):
    """Four patients' results waiting (critical, abnormal, normal), among 2,520 signed off: a
    clinic's results are mostly reviewed, as the statistics the planner reads then say."""
    for _ in range(3):  # a deployment of several clinics (of one, SQLite starts from the clinic)
        ClinicFactory()
    tech = staff[Role.LAB_TECH]
    glucose = install_catalogue(clinic)[GLUCOSE]
    waiting = []
    for n in range(4):
        patient = make_patient(clinic, actor=staff[Role.ADMIN], last_name=f"Queue{n}")
        for value in ("30", "120", "85"):
            waiting.append(
                make_result(patient, glucose, value, actor=tech, collected_at=days_ago(n + 1))
            )
    reviewed = [copy(row) for row in LabResult.objects.filter(pk__in=[r.pk for r in waiting])]
    reviewed = [copy(row) for row in reviewed * 210]
    for n, row in enumerate(reviewed):
        row.pk, row.review_priority, row.collected_at = new_id(), None, days_ago(10 + n / 10)
    LabResult.objects.bulk_create(reviewed)
    statistics_refresh()


@pytest.mark.parametrize("severity", ["", "critical", "abnormal"])
@pytest.mark.parametrize("mine", [False, True], ids=["everyone's", "mine"])
def test_the_review_queue_is_read_off_its_index_without_a_sort(
    queue_of_a_busy_clinic, staff, mine, severity
):
    queue = review_queue(actor=staff[Role.CLINICIAN], mine=mine, severity=severity)
    page, count = queue[:25].explain(), queue.order_by().values("clinic_id")[:100].explain()

    # A severity is one priority of the index, not a walk from the first waiting result: given
    # both conditions, SQLite read every critical page through the whole queue, or through
    # every result of the clinic (1,000,000 results: 0.66 s a page).
    searched = "review_priority=?" if severity else "review_priority>?"
    for plan in (page, count):
        assert f"INDEX result_review_queue (clinic_id=? AND {searched})" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("mine", [False, True], ids=["everyone's", "mine"])
def test_the_queue_of_a_patient_search_is_grouped_from_the_index_alone(
    queue_of_a_busy_clinic, staff, mine
):
    queue = review_queue(actor=staff[Role.CLINICIAN], mine=mine, search="Queue")

    plan = queue.values_list("patient_id", "order_id")[:501].explain()

    # Each waiting result's patient is read off the index entry, not its row: the walk of a
    # 20,000-result queue for a search's patients took 30-70 ms reading rows.
    assert "COVERING INDEX result_review_queue" in plan, plan
