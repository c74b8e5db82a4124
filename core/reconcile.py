"""Finding half-written units: what a crash could leave where the database has no transactions.

With `core.transactions.unit` on SQL (and on a MongoDB replica set) a unit is written whole or
not at all, so nothing is ever found there. On a standalone MongoDB server a worker killed
mid-unit can leave, e.g., a lab order without its tests or a record without its audit row;
`manage.py reconcile` (and the hourly periodic task) lists them for an administrator.

What to look for is configuration (`settings.RECONCILE`), by model label, so core names no app:
- "audited": models whose every row has a "create" audit row;
- "with_children": {model: reverse relation} whose rows have at least one child.
New apps add their models there.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from core.audit import CREATE, audit_model

logger = logging.getLogger(__name__)
CHUNK = 500
SETTLE = timedelta(minutes=2)  # a unit younger than this may still be being written


@dataclass(frozen=True)
class Finding:
    model: str
    id: str
    problem: str

    def __str__(self):
        return f"{self.model} {self.id}: {self.problem}"


def _window(model, since):
    rows = model.objects.filter(created_at__lt=timezone.now() - SETTLE)
    return rows.filter(created_at__gte=since) if since else rows


def unaudited(label: str, since=None) -> list[Finding]:
    model = apps.get_model(label)
    ids = [str(pk) for pk in _window(model, since).values_list("pk", flat=True)]
    found = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        audited = set(
            audit_model()
            .objects.filter(object_type=model._meta.label, action=CREATE, object_id__in=chunk)
            .values_list("object_id", flat=True)
        )
        found += [Finding(label, pk, "no audit row") for pk in chunk if pk not in audited]
    return found


def childless(label: str, relation: str, since=None) -> list[Finding]:
    model = apps.get_model(label)
    child_field = model._meta.get_field(relation).field
    parents = [str(pk) for pk in _window(model, since).values_list("pk", flat=True)]
    found = []
    for start in range(0, len(parents), CHUNK):
        chunk = parents[start : start + CHUNK]
        with_children = {
            str(pk)
            for pk in child_field.model.objects.filter(**{f"{child_field.name}__in": chunk})
            .values_list(child_field.attname, flat=True)
            .distinct()
        }
        found += [Finding(label, pk, f"no {relation}") for pk in chunk if pk not in with_children]
    return found


def reconcile(*, since=None) -> list[Finding]:
    """Every half-written unit created after `since` (None: ever)."""
    config = getattr(settings, "RECONCILE", {})
    found = []
    for label, relation in config.get("with_children", {}).items():
        found += childless(label, relation, since)
    for label in config.get("audited", []):
        found += unaudited(label, since)
    return found


def reconcile_report() -> int:
    """The periodic task: log each half-written unit of the last two days; how many."""
    found = reconcile(since=timezone.now() - timedelta(days=2))
    for finding in found:
        logger.error("half-written unit: %s", finding)
    return len(found)
