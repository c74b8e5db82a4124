"""The nightly unread recount finishes while the clinic keeps writing.

A recount that walked the threads with `.iterator()` kept its read open while it wrote, and on
SQLite such a connection cannot write once another one (any page's audit row) has committed: the
job died with "database is locked" on the first repair. It now reads a page, then writes.
SQLite only: MongoDB has no connection-wide read snapshot to pin.
"""

import sqlite3

import pytest
from django.db import connection

from messaging import selectors
from messaging.models import ReadState, Thread, UnreadCounter
from tests.messaging.factories import make_thread
from tests.notifications.conftest import finish, worker_db  # noqa: F401 (a fixture)

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="an open read pins a snapshot on SQLite only"
)

# Run in a process of its own on the file the test wrote; before each thread is recounted,
# another connection commits, as a web request does.
RECOUNT_WHILE_BUSY = """
import os, sqlite3
from messaging import services
web = sqlite3.connect(os.environ["WEB_DATABASE"], isolation_level=None, timeout=20)
recount_one = services._sync_counts
def after_a_web_commit(thread):
    web.execute("INSERT INTO web_traffic VALUES (1)")
    recount_one(thread)
services._sync_counts = after_a_web_commit
print("repaired", services.unread_recount())
"""


def test_the_nightly_recount_repairs_counts_while_others_write(worker_db, patient_user, nurse):  # noqa: F811
    thread = make_thread(patient_user, patient_user.patient_record)
    # What a crash between two writes leaves: the nurse's unread message is not counted.
    ReadState.objects.filter(thread=thread, user=nurse).update(counted=0)
    UnreadCounter.objects.filter(user=nurse).update(unread=0)
    assert selectors.unread_count(actor=nurse) == 0
    # More open threads than one chunk of `.iterator()` (2,000), so a read stays open.
    Thread.objects.bulk_create(
        Thread(clinic=thread.clinic, patient=thread.patient, subject="Older", category="other")
        for _ in range(2000)
    )
    worker_db.push()
    with sqlite3.connect(worker_db.file) as database:
        database.execute("CREATE TABLE web_traffic (n)")
    env = worker_db.env(WEB_DATABASE=worker_db.file)
    output = finish(worker_db.manage("shell", "-c", RECOUNT_WHILE_BUSY, env=env))
    assert "repaired" in output
    worker_db.pull()
    assert selectors.unread_count(actor=nurse) == 1
    assert ReadState.objects.get(thread=thread, user=nurse).counted == 1
