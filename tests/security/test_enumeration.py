"""No enumeration: asking for a reset link does the same work whether or not the account exists;
the lookup and the mail happen in a worker (bench/reset_timing.py measures the times)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def forgot(client, email):
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/auth/forgot-password", {"email": email}, format="json")
    return response, [q["sql"].split(" ")[0:3] for q in queries.captured_queries]


@pytest.mark.sql_only  # compares the SQL statements the request ran
def test_known_and_unknown_addresses_run_the_same_statements(api_client, clinician, settings):
    settings.TASKS = DATABASE_QUEUE
    known, known_sql = forgot(api_client, clinician.email)
    unknown, unknown_sql = forgot(api_client, "nobody@example.org")

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    assert known_sql == unknown_sql
    assert not any("accounts_user" in " ".join(statement) for statement in known_sql)


def test_the_request_only_queues_work_and_sends_nothing(api_client, clinician, settings, mailbox):
    settings.TASKS = DATABASE_QUEUE
    forgot(api_client, clinician.email)

    assert OutboxMessage.objects.count() == 0
    assert mailbox.messages == []


def test_the_worker_mails_the_link_to_an_existing_account_only(
    api_client, clinician, mailbox
):  # the test queue runs tasks as they are enqueued
    forgot(api_client, "nobody@example.org")
    assert mailbox.messages == []
    forgot(api_client, clinician.email)
    assert [m.envelope_recipients for m in mailbox.messages] == [[clinician.email]]
