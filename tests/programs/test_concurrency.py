"""One draft per programme and one programme per name under real concurrency: a live gunicorn
(several processes and threads) against the test database, and "Start a new version" or a new
programme of one name asked for ten times at once. Runs on SQLite and on MongoDB (no
transactions there: the unique (lineage, version) and (clinic, name) indexes decide)."""

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


def _templates_named(tmp_path, name: str) -> int:
    if settings.USES_MONGODB:
        return ProgramTemplate.objects.filter(name=name).count()
    with contextlib.closing(sqlite3.connect(tmp_path / "live.sqlite3")) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM programs_programtemplate WHERE name = ?", (name,)
        ).fetchone()
    return count


@pytest.mark.django_db(transaction=True)
def test_ten_programmes_of_one_name_at_once_make_one(admin_user, programs_clinic, tmp_path):
    """Each request reads the name as free before any inserts: the claim's unique index lets
    one through and refuses the rest as a taken name (400), never a 500."""
    token = str(AccessToken.for_user(admin_user))
    body = {"name": "Walking", "duration_days": 28}
    log = tmp_path / "gunicorn.log"
    with gunicorn(_database_url(tmp_path), log) as base:
        url = f"{base}/api/v1/programs/"
        codes = all_at_once([lambda: post(url, token, body) for _ in range(THREADS)])
    assert sorted(codes) == [201] + [400] * (THREADS - 1), codes
    assert _templates_named(tmp_path, "Walking") == 1
