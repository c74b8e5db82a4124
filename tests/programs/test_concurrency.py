"""One draft per programme under real concurrency: a live gunicorn (several processes and
threads) against the test database, and "Start a new version" asked for ten times at once.
Runs on SQLite and on MongoDB (no transactions there: the unique (lineage, version) index
decides)."""

import contextlib
import sqlite3

import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from programs.models import ProgramTemplate
from tests.appointments.test_concurrency import _database_url, all_at_once, gunicorn, post
from tests.programs.factories import published

THREADS = 10


@pytest.mark.django_db(transaction=True)
def test_ten_new_versions_at_once_make_one_draft(admin_user, programs_clinic, tmp_path):
    v1 = published(programs_clinic)
    token = str(AccessToken.for_user(admin_user))
    log = tmp_path / "gunicorn.log"
    with gunicorn(_database_url(tmp_path), log) as base:
        url = f"{base}/api/v1/programs/{v1.pk}/versions"
        codes = all_at_once([lambda: post(url, token, {}) for _ in range(THREADS)])
    assert sorted(codes) == [200] * (THREADS - 1) + [201], codes
    if settings.USES_MONGODB:
        drafts = ProgramTemplate.objects.filter(lineage=v1.lineage, status="draft").count()
    else:
        with contextlib.closing(sqlite3.connect(tmp_path / "live.sqlite3")) as db:
            (drafts,) = db.execute(
                "SELECT COUNT(*) FROM programs_programtemplate WHERE lineage = ? AND status = ?",
                (v1.lineage, "draft"),
            ).fetchone()
    assert drafts == 1
