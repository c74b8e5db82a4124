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
from django.utils import translation

from core.warmup import warm
from patients.templatetags.patient_tags import _clinical_add_fields, clinical_add_fields
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
    # Each left through the fast exit (gunicorn.conf.py worker_exit): its last lines written,
    # its exit clean.
    assert log.count("Worker exiting") >= 4
    assert "exited with code" not in log and "Traceback" not in log


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


def test_warm_up_draws_the_apps_fixed_parts_in_every_language():
    """A clinic's locale is a language of its own to Django: the patient page's add forms
    (patients' Warmer) are drawn for the settings' languages and each locale given, with no
    database at hand (pytest-django refuses any query here)."""
    _clinical_add_fields.cache_clear()
    try:
        warm(languages=["en-GB", "fr"])
    finally:
        gc.unfreeze()
    assert _clinical_add_fields.cache_info().currsize == 3 * 4  # en, es, en-gb, fr
    with translation.override("es"):
        spanish = clinical_add_fields("allergies")
    assert _clinical_add_fields.cache_info().misses == 3 * 4  # that one was drawn already
    assert "Sustancia" in spanish


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
