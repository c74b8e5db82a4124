"""Benchmark the task queues and the unread count (stdlib + the project; never part of tests).

    bench/run.sh tasks                          # or: .venv/bin/python -m bench.tasks
    .venv/bin/python -m bench.tasks --tasks 2000 --workers 2 --notifications 100000

Measures, on its own SQLite file (bench/results/tasks.sqlite3) and a redis-server of its own on
a free loopback port:
1. tasks/second through the database queue: `--tasks` no-op tasks enqueued, then drained by
   `--workers` `manage.py db_worker --batch` processes (the conditional-write claim);
2. the same through Redis/RQ: `manage.py rqworker --burst` processes (RQ's forking worker);
3. the unread count for one user with `--notifications` notifications: queries and time of
   `notifications.services.unread_count` (the bell) — one primary-key read at any count.
Writes bench/results/latest-tasks.md.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_for(db: Path, tasks_url: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        ENV_FILE="",
        DEBUG="False",
        ENVIRONMENT="production",
        SECRET_KEY="bench-" + "x9Q2" * 16,
        SECURE_SSL_REDIRECT="False",
        DATABASE_URL=f"sqlite:///{db}",
        TASKS_URL=tasks_url,
        DJANGO_SETTINGS_MODULE="health_passport.settings",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(*args, env, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **popen,
    )


def enqueue(count: int, env: dict) -> float:
    """Enqueue `count` no-op tasks in a child process; its enqueue rate (tasks/s)."""
    code = (
        "import django, time; django.setup()\n"
        "from bench.tasks_noop import noop\n"
        "start = time.perf_counter()\n"
        f"for n in range({count}): noop.enqueue(n)\n"
        "print(time.perf_counter() - start)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return count / float(out.stdout.strip().splitlines()[-1])


def drain(args: list[str], workers: int, env: dict) -> float:
    start = time.perf_counter()
    procs = [manage(*args, env=env) for _ in range(workers)]
    for proc in procs:
        _out, err = proc.communicate(timeout=1800)
        if proc.returncode:
            raise SystemExit(err.decode())
    return time.perf_counter() - start


def database_queue(db: Path, tasks: int, workers: int) -> dict:
    env = env_for(db)
    rate_in = enqueue(tasks, env)
    seconds = drain(["db_worker", "--batch", "--no-reload", "--interval=0"], workers, env)
    return {"enqueue": rate_in, "run": tasks / seconds}


def redis_queue(db: Path, tasks: int, workers: int) -> dict | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        env = env_for(db, f"redis://127.0.0.1:{port}/0")
        rate_in = enqueue(tasks, env)
        seconds = drain(["rqworker", "default", "--burst"], workers, env)
        return {"enqueue": rate_in, "run": tasks / seconds}
    finally:
        server.terminate()
        server.wait()


def unread_count(db: Path, notifications: int) -> dict:
    code = f"""
import django, time; django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from accounts.models import User
from notifications import services
from notifications.models import Notification, UnreadCount
user, _ = User.objects.get_or_create(email="bench-bell@example.org", defaults={{"name": "Bell"}})
missing = {notifications} - Notification.objects.filter(recipient=user).count()
for start in range(0, max(missing, 0), 5000):
    Notification.objects.bulk_create(
        Notification(recipient=user, event="bench", title="t")
        for _ in range(min(5000, missing - start))
    )
services.unread_recount()
with CaptureQueriesContext(connection) as queries:
    start = time.perf_counter()
    for _ in range(1000):
        count = services.unread_count(actor=user)
    seconds = (time.perf_counter() - start) / 1000
print(count, len(queries) // 1000, seconds)
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env_for(db),
        check=True,
        capture_output=True,
        text=True,
    )
    count, queries, seconds = out.stdout.split()
    return {"count": int(count), "queries": int(queries), "ms": float(seconds) * 1000}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--notifications", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=RESULTS / "tasks.sqlite3")
    options = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    options.db.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=env_for(options.db),
        check=True,
    )
    db = database_queue(options.db, options.tasks, options.workers)
    rq = redis_queue(options.db, options.tasks, options.workers)
    bell = unread_count(options.db, options.notifications)
    lines = [
        "# Task queues and the unread count",
        "",
        f"{options.tasks} no-op tasks, {options.workers} workers; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "",
        "| queue | enqueue tasks/s | run tasks/s |",
        "|---|---:|---:|",
        f"| database (SQLite file, db_worker) | {db['enqueue']:.0f} | {db['run']:.0f} |",
    ]
    if rq:
        lines.append(f"| Redis (rqworker, forking) | {rq['enqueue']:.0f} | {rq['run']:.0f} |")
    else:
        lines.append("| Redis | redis-server not installed | |")
    lines += [
        "",
        f"Unread count with {bell['count']:,} unread notifications for one user: "
        f"{bell['queries']} query, {bell['ms']:.2f} ms per call.",
    ]
    report = "\n".join(lines) + "\n"
    (RESULTS / "latest-tasks.md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
