"""Probes for load balancers and orchestrators: no login, no session, no detail in the answer.

`/healthz`: the process answers (liveness; touches nothing). `/readyz`: the database, the cache
and the task queue answer and every migration is applied (readiness), else 503. What failed is
logged (with the request id), never shown: the probe is public.
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)
_migrated = False  # once every migration is applied it stays so for this process


def _database() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "mongodb":
        # A connection made now: the worker's kept one (CONN_MAX_AGE) can outlive the database
        # file it opened, or a password since changed. MongoClient is a pool that reconnects.
        connection.close()
    connection.ensure_connection()
    if connection.vendor == "mongodb":
        connection.connection.admin.command("ping")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")


def _migrations() -> None:
    global _migrated
    if _migrated:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")
    _migrated = True


def _cache() -> None:
    cache.set("readyz", "1", 10)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not keep a value")


def _queue() -> None:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_rq"):
        import django_rq

        django_rq.get_connection("default").ping()
    elif backend.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("pk").first()


CHECKS = {"database": _database, "migrations": _migrations, "cache": _cache, "queue": _queue}


@login_not_required
@never_cache
def healthz(request):
    """Liveness: the process is up (no database, no session)."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
def readyz(request):
    """Readiness: 200 when every dependency answers, else 503; which one failed is logged."""
    failed = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("readiness check %s failed", name, exc_info=True)
            failed.append(name)
            if name == "database":
                break  # the other checks need it
    if failed:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
