"""Workers recycled after GUNICORN_MAX_REQUESTS keep answering: gunicorn.conf.py forks them from
a master that has loaded, warmed and frozen the application (core.warmup), so a replacement
needs no start-up of its own. How much faster that is lives in the benchmark (docs/performance.md,
"Fifth round"); here, that it works and what the warm-up leaves behind."""

import contextlib
import gc
import sqlite3
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from core.warmup import warm
from tests.notifications.conftest import WorkerDatabase
from tests.reliability.test_kill9 import Server

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_recycled_workers_answer_every_request(tmp_path):
    database = WorkerDatabase(tmp_path)
    server = Server(database.env(GUNICORN_MAX_REQUESTS="3"), tmp_path / "gunicorn.log")
    try:
        first = set(server.workers())
        answers = [server.get(reverse("accounts:login")) for _ in range(16)]
        later = set(server.workers())
    finally:
        server.stop()
        database.remove()
    assert [status for status, _body, _headers in answers] == [200] * 16
    assert all(b'name="password"' in body for _status, body, _headers in answers)
    assert first and later and not first & later  # both first workers were replaced
    log = (tmp_path / "gunicorn.log").read_text()
    assert log.count("Autorestarting worker") >= 4
    assert "Traceback" not in log


@pytest.mark.django_db
def test_warm_up_compiles_every_template_without_touching_the_database(
    django_assert_num_queries,
):
    """A template that does not compile stops the server at start, not a user on a rare page;
    no query, so the master forks its workers holding no connection."""
    try:
        with django_assert_num_queries(0):
            compiled = warm()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert compiled > len(list(TEMPLATES.rglob("*.html")))  # and the form widgets'


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the journal mode is SQLite's")
@pytest.mark.django_db(transaction=True)
def test_the_master_switches_a_sqlite_file_to_wal_before_forking(tmp_path):
    """Workers' first connections racing to switch the journal mode fail one request in ~100
    bursts ("database is locked"); a file copied in without WAL is switched once, at start."""
    database = WorkerDatabase(tmp_path)
    database.push()
    with contextlib.closing(sqlite3.connect(database.file)) as copy:
        assert copy.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    server = Server(database.env(), tmp_path / "gunicorn.log")  # up: /healthz touches no table
    try:
        with contextlib.closing(sqlite3.connect(database.file)) as copy:
            mode = copy.execute("PRAGMA journal_mode").fetchone()
    finally:
        server.stop()
        database.remove()
    assert mode == ("wal",)
