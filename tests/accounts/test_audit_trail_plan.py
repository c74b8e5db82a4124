"""The audit trail page reads an index for every filter, never the whole table: the table
holds millions of rows, so the plan is the behaviour (SQLite, with its planner statistics
refreshed as they are nightly and after `migrate`; see core.planner)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import selectors
from accounts.models import AuditEvent
from core.audit import audit, audit_created_in_bulk
from core.planner import statistics_refresh
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's planner statistics: other backends keep theirs"
)
TABLE = AuditEvent._meta.db_table


@pytest.fixture
def busy_clinics(clinic, other_clinic, clinician, other_admin):
    """Two clinics of 3,000 seeded rows each, some reads of patients and some logins, so that
    the planner has a choice."""
    for place in (clinic, other_clinic):
        rows = [(f"seeded-{n}", place.pk, "") for n in range(3_000)]
        audit_created_in_bulk(object_type="patients.Patient", rows=rows, detail="seeded")
    patient = PatientFactory(clinic=clinic, last_name="Lovelace")
    for _ in range(20):
        audit(actor=clinician, action="view", obj=patient, patient_id=patient.pk)
        audit(actor=other_admin, action="login")
    assert statistics_refresh() is True
    return patient


def audit_plans(**filters) -> list[str]:
    """The plan of each query of the audit table one page makes."""
    with CaptureQueriesContext(connection) as queries:
        selectors.audit_trail_page(**filters)
    plans = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.startswith("SELECT") and f'FROM "{TABLE}"' in sql:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plans.append("\n".join(row[-1] for row in cursor.fetchall()))
    assert plans
    return plans


def test_the_newest_page_walks_the_clinics_time_index(busy_clinics, admin_user):
    for plan in audit_plans(actor=admin_user):
        assert f"SEARCH {TABLE} USING INDEX audit_clinic_time (clinic_id=?)" in plan
        assert f"SCAN {TABLE}" not in plan
        assert "TEMP B-TREE" not in plan  # in the index's order, the id's tie-break included


def test_a_date_range_is_a_range_of_the_clinics_time_index(busy_clinics, admin_user):
    since = timezone.now() - datetime.timedelta(days=2)
    for plan in audit_plans(actor=admin_user, since=since, until=timezone.now()):
        assert "audit_clinic_time (clinic_id=? AND created_at>? AND created_at<?)" in plan


def test_a_staff_member_is_read_from_the_actors_index(busy_clinics, admin_user, clinician):
    for plan in audit_plans(actor=admin_user, actor_id=clinician.pk):
        assert f"SEARCH {TABLE} USING INDEX audit_actor_time (actor_id=?)" in plan
        assert "TEMP B-TREE" not in plan


def test_a_patient_is_read_from_the_patients_index(busy_clinics, admin_user):
    for plan in audit_plans(actor=admin_user, patient_search="lovelace"):
        assert f"SEARCH {TABLE} USING INDEX audit_patient_time (patient_id=?)" in plan
        assert "TEMP B-TREE" not in plan


def test_an_action_is_read_from_the_clinics_action_index(busy_clinics, admin_user):
    for plan in audit_plans(actor=admin_user, action="login_failed"):
        assert f"SEARCH {TABLE} USING INDEX audit_clinic_action (clinic_id=? AND action=?)" in plan
        assert f"SCAN {TABLE}" not in plan
        assert "TEMP B-TREE" not in plan
