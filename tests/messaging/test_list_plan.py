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

from core import lists, words
from core.planner import statistics_refresh
from core.roles import Role
from core.words import short_search_text
from messaging.models import Thread, ThreadWord
from messaging.selectors import patient_panel, thread_list, thread_page
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
    for thread in rows:  # as the service writes them: found by their subject's words
        thread.search_text = short_search_text(thread.subject)
    Thread.objects.bulk_create(rows)
    ThreadWord.objects.bulk_create(ThreadWord.rows_for(rows))
    statistics_refresh()
    return rows[:30]


def in_order(rows):
    return [
        t.pk for t in sorted(rows, key=lambda t: (t.urgent, t.last_message_at, t.pk), reverse=True)
    ]


def plans_of_a_page(actor, **filters) -> tuple[str, str]:
    """The plans of the page and of the count (if any: a list its page holds is not counted)
    that `thread_page` reads for the first 5 threads and "Showing 1–5 of N"."""
    with CaptureQueriesContext(connection) as ran:
        listed = thread_page(actor=actor, per_page=5, **filters)
        listed.paginator.count  # noqa: B018 (read as the page's "of N" reads it)
    of_threads = [q["sql"] for q in ran.captured_queries if 'FROM "messaging_thread"' in q["sql"]]
    page = next(sql for sql in of_threads if "ORDER BY" in sql)
    count = next((sql for sql in of_threads if sql.startswith("SELECT COUNT(")), "")
    with connection.cursor() as cursor:
        plans = []
        for sql in (page, count):
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}" if sql else "SELECT ''")
            plans.append(" ".join(str(row[-1]) for row in cursor.fetchall()))
    return plans[0], plans[1]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    "filters",
    [{}, {"category": "billing"}, {"urgent": True}],
    ids=["every thread", "a category", "the urgent ones"],
)
def test_the_lists_of_every_status_are_read_in_order_off_an_index(threads, staff, filters):
    for role in (Role.CLINICIAN, Role.RECEPTIONIST):  # the front desk's two categories too
        page, _count = plans_of_a_page(staff[role], **filters)

        assert "messaging_thread USING INDEX thread_clinic (clinic_id=?" in page, page
        assert "TEMP B-TREE" not in page, page


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    "filters, index",
    [
        ({"tab": "closed", "search": "question"}, "thread_inbox (clinic_id=? AND status=?)"),
        ({"search": "question"}, "thread_clinic (clinic_id=?)"),
        ({"assigned": "me"}, "thread_clinic (clinic_id=?)"),
    ],
    ids=["closed, searched", "every status, searched", "assigned to me, every status"],
)
def test_a_filtered_list_is_checked_and_counted_on_the_index_alone(
    threads, staff, filters, index, monkeypatch
):
    """A common word's subjects, the category and the assignee are checked on the index's
    entries: the count of a search of 196,000 closed threads read each thread's row (the
    count may read any of the clinic's thread indexes that holds them). (A rare word's threads
    are read by id: tests/messaging/test_search_words.py.)"""
    monkeypatch.setattr(words, "RARE_UP_TO", 0)  # "question" starts 24 of the 30 subjects
    page, count = plans_of_a_page(staff[Role.CLINICIAN], **filters)

    assert f"USING INDEX {index}" in page, page
    assert "TEMP B-TREE" not in page, page
    assert "SEARCH messaging_thread USING COVERING INDEX thread_" in count, count


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.RECEPTIONIST])
def test_one_patients_threads_are_read_in_order_off_their_index(threads, staff, role):
    """thread_clinic holds the patient too: where the planner's statistics favoured it, one
    patient's threads were read by walking the whole clinic's (14-16 ms against 0.01)."""
    listed = thread_list(actor=staff[role], patient=threads[0].patient_id)
    panel = patient_panel(actor=staff[role], patient=threads[0].patient)

    plan = listed.select_related("patient", "assigned_to")[:5].explain()
    assert "USING INDEX thread_patient (patient_id=?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert [t.pk for t in panel["threads"]] == [t.pk for t in listed[:10]]


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
    exactly); one patient's threads are counted, in the API and the inbox alike."""
    api = api_as(staff[Role.CLINICIAN])
    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 5)
    patient = threads[0].patient
    client.force_login(staff[Role.CLINICIAN])

    about = api.get(API, {"page_size": 5}).json()
    one_patient = api.get(API, {"patient": patient.pk, "page_size": 5}).json()
    closed_tab = client.get("/messages/", {"tab": "closed", "page_size": 5}).content.decode()
    patients_tab = client.get("/messages/", {"tab": "all", "patient": patient.pk, "page_size": 5})

    assert (about["count"], about["count_estimated"]) == (30, True)
    assert len(about["results"]) == 5 and about["next"]
    assert one_patient["count"] == 10 and "count_estimated" not in one_patient
    assert "of about 22" in closed_tab
    assert "Showing 1–5 of 10" in patients_tab.content.decode()
