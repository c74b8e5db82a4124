"""No double booking under real concurrency: a live gunicorn (several processes and threads)
against the test database, 20 simultaneous requests for one slot, and two clients booking
overlapping series at the same moment. Runs on SQLite and on MongoDB (no transactions there:
the unique index of the time blocks decides)."""

import concurrent.futures
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from appointments.models import Appointment
from core.roles import Role
from tests.appointments.conftest import local
from tests.conftest import free_port
from tests.patients.factories import PatientFactory

ROOT = Path(__file__).resolve().parents[2]
THREADS = 20


def _database_url(workdir: Path) -> str:
    """The URL at which another process reaches the data this test wrote."""
    if settings.USES_MONGODB:
        host = settings.DATABASES["default"]["HOST"].rstrip("/")
        return f"{host}/{connection.settings_dict['NAME']}"
    # The SQLite test database lives in this process's memory: copy it to a file.
    path = workdir / "live.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as target:
        connection.connection.backup(target)
        # WAL is kept in the file, as `migrate` leaves a real one. A copy left in the default
        # mode made the first 20 connections switch it at once, and one in ~100 bursts lost
        # that race: "database is locked" from the settings' `PRAGMA journal_mode=WAL`, a 500.
        target.execute("PRAGMA journal_mode=WAL")
    return f"sqlite:///{path}"


@contextlib.contextmanager
def gunicorn(database_url: str, log_path: Path):
    """Serve the test database with gunicorn.conf.py (as deployed), logging to `log_path`."""
    port = free_port()
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "True",
        "DATABASE_URL": database_url,
        "DATABASE_NAME": "",
        "DJANGO_SETTINGS_MODULE": "health_passport.settings",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    log = log_path.open("wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "health_passport.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not answer /healthz") from None
                time.sleep(0.2)
        yield base
    except AssertionError as failure:  # the server's log explains a failed start or a 500
        text = log_path.read_text()
        failure.add_note("gunicorn's log:\n" + text[max(text.find("Traceback"), 0) :][:6000])
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def post(url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def all_at_once(calls) -> list[int]:
    """Run the calls in threads released together by a barrier; their status codes."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.django_db(transaction=True)
def test_one_slot_one_booking_under_concurrency(
    staff, clinic, provider, follow_up, monday, tz, tmp_path
):
    patients = [PatientFactory(clinic=clinic) for _ in range(THREADS)]
    desk = str(AccessToken.for_user(staff[Role.RECEPTIONIST]))
    nurse = str(AccessToken.for_user(staff[Role.NURSE]))
    start = local(monday, "09:00", tz).isoformat()
    log = tmp_path / "gunicorn.log"
    with gunicorn(_database_url(tmp_path), log) as base:
        url = f"{base}/api/v1/appointments/"
        codes = all_at_once(
            [
                lambda p=p: post(
                    url,
                    desk,
                    {
                        "patient": p.pk,
                        "provider": provider.pk,
                        "type": follow_up.pk,
                        "start": start,
                    },
                )
                for p in patients
            ]
        )
        assert sorted(codes) == [201] + [409] * (THREADS - 1), codes
        # Two clients book overlapping weekly series for two patients at the same moment.
        series = [
            lambda: post(
                url,
                desk,
                {
                    "patient": patients[0].pk,
                    "provider": provider.pk,
                    "type": follow_up.pk,
                    "start": local(monday, "11:00", tz).isoformat(),
                    "recurrence": {"frequency": "weekly", "interval": 1, "count": 4},
                },
            ),
            lambda: post(
                url,
                nurse,
                {
                    "patient": patients[1].pk,
                    "provider": provider.pk,
                    "type": follow_up.pk,
                    "start": local(monday, "11:00", tz).isoformat(),
                    "recurrence": {"frequency": "weekly", "interval": 2, "count": 2},
                },
            ),
        ]
        assert sorted(all_at_once(series)) == [201, 409]
        if settings.USES_MONGODB:
            held = Appointment.objects.filter(provider=provider).count()
        else:
            with contextlib.closing(sqlite3.connect(tmp_path / "live.sqlite3")) as db:
                (held,) = db.execute(
                    "SELECT COUNT(*) FROM appointments_appointment WHERE provider_id = ?",
                    (provider.pk,),
                ).fetchone()
        assert held in (1 + 4, 1 + 2)  # the slot, and exactly one of the two series
    # On MongoDB, workers forked holding the master's MongoClient answered some bookings 500.
    assert "opened before fork" not in log.read_text()
