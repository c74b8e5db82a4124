"""gunicorn settings from the environment (read by `make run` and the Dockerfile).

GUNICORN_BIND (127.0.0.1:8000), GUNICORN_WORKERS (or WEB_CONCURRENCY; 2), GUNICORN_THREADS (1),
GUNICORN_TIMEOUT (30 s: a worker silent that long is killed and replaced),
GUNICORN_GRACEFUL_TIMEOUT (30 s: on SIGTERM workers finish their requests for that long),
GUNICORN_KEEPALIVE (5 s), GUNICORN_MAX_REQUESTS (10000, with 10 % jitter: workers are recycled),
FORWARDED_ALLOW_IPS (127.0.0.1: the proxies whose X-Forwarded-* headers are trusted).
Each request is logged once by the application (core.requestlog), so gunicorn's own access
log is off: it would repeat the line with the raw path and query string.
"""

import logging
import os
import sys


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Each recycle delays the requests around it (a new worker's first page is ~50 ms slower): at
# 1000 one fell every 15-25 s at full load and set the 8-client p99 of whichever page it hit. A
# worker grew 1.5 % in the 10-minute soak without recycling: this is insurance, not a cure.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
if os.path.isdir("/dev/shm"):  # noqa: S108 - a memory filesystem, not a shared temp dir
    worker_tmp_dir = "/dev/shm"  # noqa: S108 - heartbeat files off slow disks (containers)
# Workers are forks of a master that has loaded and warmed the application (health_passport/
# wsgi.py, core.warmup): a worker recycled after max_requests answers at once instead of
# spending its first second importing Django (a 1 s p99 at 8 clients before). A code change then
# needs a restart, not a HUP.
preload_app = True


def _close_database_connections():
    """Django's `close_all()`, and on MongoDB the MongoClient as well: django-mongodb-backend
    keeps one client per database for the whole process and its `close()` leaves it open. A
    client opened before a fork is not fork-safe: workers forked with one answered 500 ("Attempted
    to check out a connection from closed connection pool") to some of 20 requests arriving
    at once (tests/appointments/test_concurrency.py)."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
        if hasattr(connection, "close_pool"):  # a MongoClient, or PostgreSQL's pool
            connection.close_pool()


def pre_fork(server, worker):
    """A fork must never share the master's database connections (a SQLite handle or a
    MongoClient across processes corrupts both); the master holds none, this keeps it so."""
    _close_database_connections()


def worker_exit(server, worker):
    """A worker recycled after `max_requests` leaves at once (`os._exit`) instead of tearing its
    heap down object by object: 50-100 ms in which the master cannot fork its replacement, and
    the requests that worker would take wait for the other ones. It has answered its last
    request; its log lines are flushed and its database connections closed first. Any other
    exit (a shutdown, an error and its exit code) is Python's own."""
    if worker.nr < worker.max_requests:
        return
    _close_database_connections()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def when_ready(server):
    """Open the database once before the first worker is forked: a SQLite file not yet in WAL mode
    is switched here (the settings' `PRAGMA journal_mode=WAL`), not by the workers' first
    connections racing to do it, one of which fails with "database is locked". A database that
    does not answer is left to /readyz to report."""
    from django.db import connections

    try:
        connections["default"].ensure_connection()
    except Exception:  # noqa: BLE001 - start anyway; /readyz says what is missing
        server.log.warning("the database did not answer at start-up")
    _close_database_connections()
