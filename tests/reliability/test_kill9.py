"""Kill -9 under load: concurrent clients create lab orders (with a panel: an order and its items
and its audit row are one unit) through a real gunicorn while its workers are killed.

Afterwards every acknowledged order exists exactly once, retries with the same Idempotency-Key
created nothing more, every order is whole and audited, /readyz goes 503 when the database
is unreachable, and the JSON log lines parse and carry no PHI.

SQLite only: the CongoDB stand-in is not a replica set, so on it a worker killed mid-unit can
leave a half-written order (what `manage.py reconcile` reports); a real MongoDB replica set
(MONGODB_TEST_URL) would make the units atomic there too.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import AuditEvent
from core.roles import Role
from labs.models import LabOrder
from tests.conftest import atomic_units, free_port
from tests.labs.factories import install_catalogue, make_patient, panel
from tests.notifications.conftest import WorkerDatabase

pytestmark = [atomic_units]  # see the docstring
REPO = Path(__file__).resolve().parents[2]
CLIENTS, ORDERS_EACH, KILLS = 6, 12, 3
PHI = ("Lovelace", "1980-05-17")  # the patient's surname and date of birth


class Server:
    """gunicorn (gunicorn.conf.py) on a free port, its output in a file."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.log = log
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "2"}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "health_passport.wsgi"],
            cwd=REPO,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        for _attempt in range(300):
            try:
                if self.get("/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(log.read_text())

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            conn.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)


@pytest.fixture
def server_db(transactional_db, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    database = WorkerDatabase(tmp_path)
    yield database
    database.remove()


def test_acknowledged_writes_survive_kill_9_exactly_once_whole_and_audited(
    server_db, clinic, staff, tmp_path
):
    clinician = staff[Role.CLINICIAN]
    install_catalogue(clinic)
    lipid = panel(clinic, "Lipid")
    patient = make_patient(clinic, actor=staff[Role.ADMIN])
    server_db.push()
    env = server_db.env(LOG_FORMAT="json", IDEMPOTENCY_LEASE_SECONDS="2", GUNICORN_TIMEOUT="20")
    server = Server(env, tmp_path / "gunicorn.log")
    headers = {
        "Authorization": f"Bearer {AccessToken.for_user(clinician)}",
        "Content-Type": "application/json",
    }
    body = json.dumps({"patient": patient.pk, "panels": [lipid.pk]})
    acks: dict[str, list[str]] = {}  # key -> ids of every 201 received for it
    acknowledged = threading.Semaphore(0)
    errors = []

    def client(number):
        for n in range(ORDERS_EACH):
            key = f"client-{number}-order-{n}"
            for _attempt in range(200):
                try:
                    status, content, answer = server.request(
                        "POST", "/api/v1/labs/orders/", body, {**headers, "Idempotency-Key": key}
                    )
                except (OSError, http.client.HTTPException):
                    continue  # the worker died under us: send it again, same key
                if status == 201:
                    acks.setdefault(key, []).append(json.loads(content)["id"])
                    acknowledged.release()
                    break
                if status not in (409, 500, 502, 503):
                    errors.append((key, status, content[:200]))
                    return
                time.sleep(float(answer.get("Retry-After", "0.05")))
            else:
                errors.append((key, "gave up"))

    def killer():
        for _kill in range(KILLS):
            for _n in range(CLIENTS * ORDERS_EACH // (KILLS + 1)):
                acknowledged.acquire()
            os.kill(server.workers()[0], signal.SIGKILL)
            killed.append(True)

    killed: list[bool] = []
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    kill_thread = threading.Thread(target=killer, daemon=True)
    kill_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kill_thread.join(5)

    # A retry after the burst: same key, same body → the same order, nothing new.
    replay = server.request(
        "POST", "/api/v1/labs/orders/", body, {**headers, "Idempotency-Key": "client-0-order-0"}
    )
    ready = server.get("/readyz")
    probe = server.get("/healthz", headers={"X-Request-ID": "probe-123"})

    # The database out of reach: not ready, and nothing said about why.
    folder = server_db.file.parent
    hidden = folder.with_name(folder.name + "-hidden")
    server_db.pull()
    folder.rename(hidden)
    try:
        unreachable = server.get("/readyz")
    finally:
        hidden.rename(folder)
    server.stop()

    assert errors == [] and len(killed) == KILLS
    assert len(acks) == CLIENTS * ORDERS_EACH
    orders = {o.pk: o for o in LabOrder.objects.all()}
    # every key acknowledged exactly one order, whatever the retries; no order without a key
    assert all(len(set(ids)) == 1 for ids in acks.values())
    assert sorted(ids[0] for ids in acks.values()) == sorted(orders)
    # every unit whole and audited
    items = {o.pk: o.items.count() for o in orders.values()}
    assert set(items.values()) == {lipid.items.count()}
    audited = set(
        AuditEvent.objects.filter(object_type="labs.LabOrder", action="create").values_list(
            "object_id", flat=True
        )
    )
    assert audited == set(orders)

    assert replay[0] == 201 and replay[2].get("Idempotent-Replayed") == "true"
    assert json.loads(replay[1])["id"] == acks["client-0-order-0"][0]
    assert ready[0] == 200 and probe[2]["X-Request-ID"] == "probe-123"
    assert unreachable[0] == 503 and json.loads(unreachable[1]) == {"status": "unavailable"}

    log = server.log.read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [line for line in lines if "route" in line]
    assert len(requests) >= len(acks)
    assert {line["route"] for line in requests if line["method"] == "POST"} == {
        "api/v1/labs/orders/"
    }
    assert all(line["request_id"] and "duration_ms" in line for line in requests)
    assert any(line["request_id"] == "probe-123" for line in requests)
    for word in PHI:
        assert word not in log
