"""Real worker processes against the test database, and a local endpoint that records requests."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class WorkerDatabase:
    """Where worker processes find the test database. MongoDB: the same server and database.
    SQLite (in memory here): `push()` copies it to a file the workers open, `pull()` copies the
    file back so the test reads what they wrote."""

    def __init__(self, tmp_path):
        # In memory where the machine has it: every commit's fsync would dominate the timing.
        shm = Path("/dev/shm")
        folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
        self.file = folder / "workers.sqlite3"

    def remove(self) -> None:
        shutil.rmtree(self.file.parent, ignore_errors=True)

    def env(self, **extra) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PYTEST_", "TEST_DATABASE"))
        }
        env.update(
            ENV_FILE="",
            DEBUG="True",
            DJANGO_SETTINGS_MODULE="health_passport.settings",
            TASKS_URL="",
            SITE_URL="http://testserver",
            PYTHONPATH=str(REPO),
        )
        if settings.USES_MONGODB:
            env["DATABASE_URL"] = settings.DATABASES["default"]["HOST"]
            env["DATABASE_NAME"] = connection.settings_dict["NAME"]
        else:
            env["DATABASE_URL"] = f"sqlite:///{self.file}"
        env.update({key: str(value) for key, value in extra.items()})
        return env

    def push(self) -> None:
        if not settings.USES_MONGODB:
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            # Persistent in the file: writers stop blocking readers, commits stop syncing.
            target.execute("PRAGMA journal_mode=WAL")
            target.close()

    def pull(self) -> None:
        if not settings.USES_MONGODB:
            source = sqlite3.connect(self.file)
            source.backup(connection.connection)
            source.close()

    def manage(self, *args, env: dict, **popen) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(REPO / "manage.py"), *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            **popen,
        )


@pytest.fixture
def worker_db(transactional_db, settings, tmp_path):
    """Tasks go to the database queue, which worker processes read (see WorkerDatabase)."""
    settings.TASKS = DB_TASKS
    database = WorkerDatabase(tmp_path)
    yield database
    database.remove()


def finish(process: subprocess.Popen, timeout: float = 120) -> str:
    output, _ = process.communicate(timeout=timeout)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    return text


# --- a local HTTP endpoint that records what it is sent -------------------------------------------
class Recorder:
    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answers to give, in order; then 201

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else 201


@pytest.fixture
def http_sink():
    """`http_sink.url`, `.requests` ({path, headers, body}) and `.statuses` to answer with."""
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length", 0))
            recorder.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": self.rfile.read(length),
                }
            )
            status = recorder.next_status()
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield recorder
    server.shutdown()
    server.server_close()


def payload_json(request: dict) -> dict:
    return json.loads(request["body"])


@pytest.fixture
def rq_queue(redis_url, settings):
    """Tasks go to Redis through RQ, as with TASKS_URL=redis://…; the queue starts empty."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    return redis_url
