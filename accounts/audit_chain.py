"""The audit trail's hash chains: one per clinic, sealed in order after the rows are written.

Why seal afterwards instead of linking at insert: MongoDB has no transactions, and every request
writes audit rows, so "read the clinic's last hash, insert a row that carries it" races (two
requests link to the same parent) and a compare-and-set on a per-clinic head at insert time would
serialise every request of a clinic on one document. Instead rows are inserted unsealed (no
contention), and `seal()` — a periodic task, and the first step of `verify()` — gives each
unsealed row of a clinic the next sequence number, the previous row's hash and its own hash,
holding a per-clinic lease (a compare-and-set on AuditChain.lease_until) so one sealer at a time
advances a chain. A row can be altered undetectably only in the seconds before it is sealed.
"""

import contextlib
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.db import IntegrityError, connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import AuditChain, AuditEvent
from core.transactions import unit

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
PLATFORM = "platform"  # the chain of rows that belong to no clinic
LEASE = timedelta(minutes=5)
BATCH = 2000
# Rows sealed in one unit (SQLite holds its one write lock ~1 ms for 50).
WRITTEN_TOGETHER = 50
# On SQLite, after each unit the sealer waits this many times as long as the unit took. A
# waiting writer retries the lock after sleeps of up to 100 ms (SQLite's busy handler), so a
# sealer taking it back at once kept the pages' audit writes waiting: the busy provider's week
# reached 848 ms at p99 under a sealer with no pause, 258-301 with it (217-329 with none).
WRITE_LOCK_LEFT_FREE = 2


def chain_key(clinic_id) -> str:
    return clinic_id or PLATFORM


def _rows_of(key: str):
    rows = AuditEvent.objects.all()
    return rows.filter(clinic__isnull=True) if key == PLATFORM else rows.filter(clinic_id=key)


def row_digest(row: AuditEvent, *, seq: int, prev_hash: str) -> str:
    """The hash of a row's content, its place in the chain and its parent's hash."""
    created = row.created_at.astimezone(UTC).isoformat(timespec="milliseconds")
    content = [
        row.pk,
        seq,
        prev_hash,
        created,
        row.actor_id or "",
        row.actor_label,
        row.actor_role,
        row.clinic_id or "",
        row.action,
        row.object_type,
        row.object_id,
        row.patient_id,
        row.ip_address or "",
        row.user_agent,
        row.detail,
    ]
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _lease(key: str) -> AuditChain | None:
    """Take the chain's sealing lease (compare-and-set), or None when another sealer holds it."""
    with contextlib.suppress(IntegrityError):  # another sealer created it first
        AuditChain.objects.get_or_create(pk=key)
    now = timezone.now()
    taken = (
        AuditChain.objects.filter(pk=key)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )
    return AuditChain.objects.get(pk=key) if taken == 1 else None


def _seal_chain(key: str, batch: int) -> int:
    """Up to `batch` of the chain's unsealed rows, oldest first, sealed WRITTEN_TOGETHER at a
    time. Each run and the chain's head are one unit, the head moved only from where this
    sealer last left it: a sealer stopped half-way leaves the head where its sealed rows end,
    and one that outlived its lease writes nothing over its successor's. A standalone MongoDB
    server has no units; there the next sealer catches the head up with rows sealed past it."""
    head = _lease(key)
    if head is None:
        return 0
    stored, sealed = head.seq, 0
    seq, prev_hash = _chain_end(key, head)
    try:
        rows = list(_rows_of(key).filter(seq__isnull=True).order_by("created_at", "id")[:batch])
        for start in range(0, len(rows), WRITTEN_TOGETHER):
            run = rows[start : start + WRITTEN_TOGETHER]
            for row in run:
                seq += 1
                row.seq, row.prev_hash = seq, prev_hash
                row.row_hash = row_digest(row, seq=seq, prev_hash=prev_hash)
                prev_hash = row.row_hash
            began = time.monotonic()
            try:
                with unit():  # the rows first: without units, a stop between leaves them ahead
                    if _write_seals(run) != len(run):
                        raise _Taken
                    moved = AuditChain.objects.filter(pk=key, seq=stored)
                    if not moved.update(seq=seq, head_hash=prev_hash):
                        raise _Taken
            except _Taken:
                logger.warning(
                    "Audit chain %s: another sealer wrote it meanwhile; left to it.", key
                )
                break
            stored, sealed = seq, sealed + len(run)
            if start + WRITTEN_TOGETHER < len(rows):
                _leave_write_lock_free(time.monotonic() - began)
    finally:
        AuditChain.objects.filter(pk=key, lease_until=head.lease_until).update(lease_until=None)
    return sealed


def _chain_end(key: str, head: AuditChain) -> tuple[int, str]:
    """The last sealed row's number and hash: the head's, or a row's sealed past it by a
    sealer that stopped between its rows and the head (possible only without units)."""
    last = _rows_of(key).filter(seq__gt=head.seq).order_by("-seq").first()
    if last is None:
        return head.seq, head.head_hash or GENESIS
    return last.seq, last.row_hash


def _leave_write_lock_free(held: float) -> None:
    """On SQLite, wait WRITE_LOCK_LEFT_FREE times as long as the lock was held; not inside an
    outer transaction, which keeps the lock all along."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        time.sleep(held * WRITE_LOCK_LEFT_FREE)


class _Taken(Exception):
    """Rows of a run, or the chain's head, were written meanwhile by another sealer (this one
    outlived its lease): the run is not written (its unit rolls back) and this sealer stops."""


def _write_seals(rows) -> int:
    """The one write to a stored audit row, past its model's guard, and only while unsealed:
    how many of `rows` it sealed. MongoDB: one bulk write a run (the ORM's update of each row,
    a round trip each: 196 rows a second on the test suite's stand-in, 1,100 so). SQL: one
    statement a row, compiled once (on SQLite 10,500-12,000 rows a second before the pause
    between units, where the ORM's update of each row, compiled each time, sealed 2,000; an
    executemany would reach 17,000-22,000, but its rowcount is each driver's own)."""
    fields = AuditEvent._meta.get_field
    table, pk, seq, prev_hash, row_hash = (
        AuditEvent._meta.db_table,
        *(fields(name).column for name in ("id", "seq", "prev_hash", "row_hash")),
    )
    if connection.vendor == "mongodb":
        from pymongo import UpdateOne

        sealed = connection.get_collection(table).bulk_write(
            [
                UpdateOne(
                    {pk: row.pk, seq: None},
                    {"$set": {seq: row.seq, prev_hash: row.prev_hash, row_hash: row.row_hash}},
                )
                for row in rows
            ],
            session=connection.session,  # the unit's transaction, on a replica set
        )
        return sealed.matched_count
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} = %s, {} = %s, {} = %s WHERE {} = %s AND {} IS NULL".format(  # noqa: S608 (names from the model, quoted)
        *(quote(name) for name in (table, seq, prev_hash, row_hash, pk, seq))
    )
    sealed = 0
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(sql, (row.seq, row.prev_hash, row.row_hash, row.pk))
            sealed += cursor.rowcount
    return sealed


def seal(batch: int = BATCH) -> int:
    """Seal every unsealed audit row, chain by chain, oldest first; the number sealed."""
    total = 0
    while True:
        pending = AuditEvent.objects.filter(seq__isnull=True).order_by("created_at", "id")
        keys = {chain_key(c) for c in pending.values_list("clinic_id", flat=True)[:batch]}
        if not keys:
            return total
        done = sum(_seal_chain(key, batch) for key in keys)
        total += done
        if not done:  # every pending chain is being sealed by someone else
            return total


@dataclass(frozen=True)
class Break:
    """The first place a chain stops holding together."""

    chain: str
    seq: int
    row_id: str
    reason: str

    def __str__(self):
        return f"chain {self.chain}: row #{self.seq} ({self.row_id or '-'}): {self.reason}"


def _verify_chain(head: AuditChain) -> tuple[int, Break | None]:
    expected, prev_hash, count = 1, GENESIS, 0
    for row in _rows_of(head.key).filter(seq__isnull=False).order_by("seq").iterator(1000):
        count += 1
        if row.seq != expected:
            return count, Break(head.key, expected, "", "missing (deleted) row")
        if row.prev_hash != prev_hash:
            return count, Break(head.key, row.seq, row.pk, "does not link to the previous row")
        if row_digest(row, seq=row.seq, prev_hash=row.prev_hash) != row.row_hash:
            return count, Break(head.key, row.seq, row.pk, "content changed after sealing")
        expected, prev_hash = expected + 1, row.row_hash
    if head.seq != expected - 1 or (head.seq and head.head_hash != prev_hash):
        return count, Break(head.key, expected, "", "rows missing at the end of the chain")
    return count, None


def verify() -> tuple[int, list[Break]]:
    """Seal what is pending, then walk every chain: rows checked, and each chain's first break."""
    seal()
    checked, breaks = 0, []
    for head in AuditChain.objects.order_by("key"):
        count, broken = _verify_chain(head)
        checked += count
        if broken is not None:
            breaks.append(broken)
    return checked, breaks
