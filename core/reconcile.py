"""Finding half-written units: what a crash could leave where the database has no transactions.

With `core.transactions.unit` on SQL (and on a MongoDB replica set) a unit is written whole or
not at all, so nothing is ever found there. On a standalone MongoDB server a worker killed
mid-unit can leave, e.g., a lab order without its tests or a record without its audit row;
`manage.py reconcile` (and the hourly periodic task) lists them for an administrator.

What to look for is declared by each app next to the unit's code, as a `Reconciled` item in its
contributions.py (core.contributions.reconciled), so core names no app and a new app's units are
checked as soon as it declares them:
- audited: every row has a "create" audit row;
- children: every row has at least one row in each named reverse relation.

Seeders insert in bulk, bypassing the services; `audit_seeded` then gives what a seeding run
wrote its create audit rows (marked as demo data), so seeded data is not reported.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from core.audit import CREATE, audit_created_in_bulk, audit_model
from core.contributions import Reconciled, reconciled
from core.models import new_id
from core.services import pages

logger = logging.getLogger(__name__)
CHUNK = 500
SETTLE = timedelta(minutes=2)  # a unit younger than this may still be being written
SEEDED = "demo data (seeded)"
SEED_PAGE = 5000


@dataclass(frozen=True)
class Finding:
    model: str
    id: str
    problem: str

    def __str__(self):
        return f"{self.model} {self.id}: {self.problem}"


def _window(model, since):
    rows = model._base_manager.filter(created_at__lt=timezone.now() - SETTLE)
    return rows.filter(created_at__gte=since) if since else rows


def _chunks(values):
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _audited(label: str, ids) -> set[str]:
    """Those of `ids` (one chunk) that have their create audit row."""
    return set(
        audit_model()
        .objects.filter(object_type=label, action=CREATE, object_id__in=ids)
        .values_list("object_id", flat=True)
    )


def unaudited(target: Reconciled, since=None) -> list[Finding]:
    model = apps.get_model(target.model)
    ids = [str(pk) for pk in _window(model, since).values_list("pk", flat=True)]
    found = []
    for chunk in _chunks(ids):
        audited = _audited(model._meta.label, chunk)
        found += [Finding(target.model, pk, "no audit row") for pk in chunk if pk not in audited]
    return found


def childless(target: Reconciled, relation: str, since=None) -> list[Finding]:
    model = apps.get_model(target.model)
    child_field = model._meta.get_field(relation).field
    parents = [str(pk) for pk in _window(model, since).values_list("pk", flat=True)]
    found = []
    for chunk in _chunks(parents):
        with_children = {
            str(pk)
            for pk in child_field.model._base_manager.filter(**{f"{child_field.name}__in": chunk})
            .values_list(child_field.attname, flat=True)
            .distinct()
        }
        found += [
            Finding(target.model, pk, f"no {relation}") for pk in chunk if pk not in with_children
        ]
    return found


def reconcile(*, since=None) -> list[Finding]:
    """Every half-written unit created after `since` (None: ever)."""
    found = []
    for target in reconciled:
        for relation in target.children:
            found += childless(target, relation, since)
        if target.audited:
            found += unaudited(target, since)
    return found


def reconcile_report() -> int:
    """The periodic task: log each half-written unit of the last two days; how many."""
    found = reconcile(since=timezone.now() - timedelta(days=2))
    for finding in found:
        logger.error("half-written unit: %s", finding)
    return len(found)


# --- seeded data -------------------------------------------------------------------------------
def seeding_mark() -> str:
    """Taken before a seeding run: every id this process mints later sorts above it (ids are
    ObjectIds: time, then a per-process counter), whatever `created_at` the seeder backdates
    its rows to."""
    return new_id()


def audit_seeded(*, mark: str, clinic_id=None) -> int:
    """Give each checked record written since `mark` (of `clinic_id`, when given) that lacks its
    create audit row one, marked as seeded demo data; how many. Only the seeding commands call
    this, right after their seeders, so a unit a crash half-wrote before the seeding started is
    still reported. Only rows minted since the mark are read (records and audit rows alike, by
    id), in pages."""
    written = 0
    for target in reconciled:
        if not target.audited:
            continue
        model = apps.get_model(target.model)
        label = model._meta.label
        audited = set(
            audit_model()
            .objects.filter(pk__gt=mark, object_type=label, action=CREATE)
            .values_list("object_id", flat=True)
        )
        rows = model._base_manager.filter(pk__gt=mark)
        has_clinic = any(field.name == "clinic" for field in model._meta.fields)
        if clinic_id is not None and has_clinic:
            rows = rows.filter(clinic_id=clinic_id)
        patient = "pk" if target.patient == "" else target.patient
        fields = ["pk", "clinic_id" if has_clinic else "pk", *([patient] if patient else [])]
        for page in pages(rows.values_list(*fields), SEED_PAGE):
            written += audit_created_in_bulk(
                object_type=label,
                rows=[
                    (str(row[0]), row[1] if has_clinic else None, row[2] if patient else "")
                    for row in page
                    if str(row[0]) not in audited
                ],
                detail=SEEDED,
            )
    return written
