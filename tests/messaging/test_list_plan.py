"""The thread lists of every status (the API's default, a category, the urgent ones) read in
order off an index: they sorted every thread of the clinic for each page (153 ms at 200,000
threads). A search checks its subject and patient on the index's entries; across the clinic the
lists count "about" past the limit, as every list that can hold a whole clinic. The plans are
SQLite's; the rows and counts are asserted on every backend."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import lists
from core.planner import statistics_refresh
from core.roles import Role
from messaging.models import Thread
from messaging.selectors import thread_list
from tests.factories import ClinicFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/messages/threads/"
CATEGORIES = ["clinical", "billing", "appointment"]


@pytest.fixture
def threads(clinic, staff):
    """30 threads of three patients, each status, category, urgency and assignee (none, the
    clinician, a nurse), newest last; and another clinic's (a deployment of several)."""
    elsewhere = ClinicFactory()
    patients = [PatientFactory(clinic=clinic, last_name=name) for name in ("Ode", "Lund", "Park")]
    first = timezone.now() - datetime.timedelta(days=30)
    assignees = [None, staff[Role.CLINICIAN], staff[Role.NURSE]]
    rows = [
        Thread(
            clinic=clinic,
            patient=patients[n % 3],
            subject=f"Question {n}" if n % 5 else f"Wound dressing {n}",
            category=CATEGORIES[n % 3],
            status="open" if n % 4 == 0 else "closed",
            urgent=n % 7 == 0,
            assigned_to=assignees[n // 2 % 3],
            last_message_at=first + datetime.timedelta(hours=n),
        )
        for n in range(30)
    ]
    stranger = PatientFactory(clinic=elsewhere)
    rows += [
        Thread(clinic=elsewhere, patient=stranger, subject="Wound dressing", category="billing")
        for _ in range(5)
    ]
    Thread.objects.bulk_create(rows)
    statistics_refresh()
    return rows[:30]


def in_order(rows):
    return [
        t.pk for t in sorted(rows, key=lambda t: (t.urgent, t.last_message_at, t.pk), reverse=True)
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    "filters",
    [{}, {"category": "billing"}, {"urgent": True}],
    ids=["every thread", "a category", "the urgent ones"],
)
def test_the_lists_of_every_status_are_read_in_order_off_an_index(threads, staff, filters):
    for role in (Role.CLINICIAN, Role.RECEPTIONIST):  # the front desk's two categories too
        plan = thread_list(actor=staff[role], **filters)[:25].explain()

        assert "messaging_thread USING INDEX thread_clinic (clinic_id=?" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    "filters, index",
    [
        ({"tab": "closed", "search": "lund"}, "thread_inbox (clinic_id=? AND status=?)"),
        ({"search": "lund"}, "thread_clinic (clinic_id=?)"),
        ({"assigned": "me"}, "thread_clinic (clinic_id=?)"),
    ],
    ids=["closed, searched", "every status, searched", "assigned to me, every status"],
)
def test_a_filtered_list_is_counted_on_the_index_alone(threads, staff, filters, index):
    """Its subject, patient, category and assignee are checked on the index's entries: the
    count of a search of 196,000 closed threads read each thread's row."""
    listed = thread_list(actor=staff[Role.CLINICIAN], **filters)

    with CaptureQueriesContext(connection) as counted:
        listed[: lists.EXACT_COUNT_UP_TO + 1].count()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {counted.captured_queries[0]['sql']}")
        plan = " ".join(row[-1] for row in cursor.fetchall())

    assert f"USING COVERING INDEX {index}" in plan, plan


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, lambda t: True),
        ({"category": "billing"}, lambda t: t.category == "billing"),
        ({"urgent": "true"}, lambda t: t.urgent),
        (
            {"status": "closed", "search": "wound"},
            lambda t: t.status == "closed" and "Wound" in t.subject,
        ),
        ({"search": "lund"}, lambda t: t.patient.last_name == "Lund"),
        ({"assigned": "me"}, lambda t: t.assigned_to and t.assigned_to.role == Role.CLINICIAN),
    ],
    ids=[
        "every thread",
        "a category",
        "urgent",
        "closed, by subject",
        "by patient name",
        "assigned to me",
    ],
)
def test_the_api_lists_the_clinics_threads_urgent_first_then_latest(
    threads, staff, api_as, query, expected
):
    wanted = in_order([t for t in threads if expected(t)])

    body = api_as(staff[Role.CLINICIAN]).get(API, {"page_size": 50, **query}).json()

    assert [row["id"] for row in body["results"]] == wanted
    assert (body["count"], body["count_estimated"]) == (len(wanted), False)


def test_the_clinics_threads_are_counted_about_past_the_limit(
    threads, staff, api_as, client, monkeypatch
):
    """An exact count of a big clinic's 200,000 threads took 67 ms a page (the API counted
    exactly); one patient's threads are always counted."""
    api = api_as(staff[Role.CLINICIAN])
    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 10)
    patient = threads[0].patient

    about = api.get(API, {"page_size": 5}).json()
    one_patient = api.get(API, {"patient": patient.pk, "page_size": 5}).json()
    client.force_login(staff[Role.CLINICIAN])
    closed_tab = client.get("/messages/", {"tab": "closed", "page_size": 5}).content.decode()

    assert (about["count"], about["count_estimated"]) == (30, True)
    assert len(about["results"]) == 5 and about["next"]
    assert one_patient["count"] == 10 and "count_estimated" not in one_patient
    assert "of about 22" in closed_tab
