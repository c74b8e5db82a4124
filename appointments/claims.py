"""Claiming time: the database's unique index decides who gets a slot, on every backend.

An appointment holds one AppointmentBlock row per BLOCK_MINUTES block of its provider's time
(appointment + buffer) and of its patient's time (the appointment itself), keyed by
(resource, start) under a unique index. Booking inserts all the blocks it needs in one
`bulk_create`; if any exists, the database refuses it (IntegrityError), whatever else is
running at the same moment: no transaction, no lock, no check-then-insert. A refused attempt
deletes what it wrote (MongoDB inserts up to the duplicate; SQL rolls back the statement), reads
which of the wanted times are held, and answers 409 with them.

A claim serves one appointment or a whole series (all or nothing) and moves (blocks the
appointment already holds are kept, so an appointment can move by less than its length).
Blocks left behind by a request that died half-way (their appointment cancelled, or never
written a minute later) are stale: a claim that meets them deletes them and tries again.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import BLOCK, AppointmentBlock, Status
from core.errors import Conflict
from core.models import new_id

UTC = datetime.UTC
STALE_AFTER = datetime.timedelta(minutes=1)
ATTEMPTS = 3


@dataclass(frozen=True)
class Hold:
    """The time one appointment needs."""

    appointment_id: str
    provider_id: str
    patient_id: str
    start: datetime.datetime
    end: datetime.datetime
    busy_until: datetime.datetime


def _floor(moment: datetime.datetime) -> datetime.datetime:
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    return moment - datetime.timedelta(minutes=moment.minute % (BLOCK.seconds // 60))


def _blocks(resource: str, start, end):
    block = _floor(start)
    while block < end:
        yield (resource, block)
        block += BLOCK


def keys_of(hold: Hold) -> list[tuple[str, datetime.datetime]]:
    return [
        *_blocks(f"provider:{hold.provider_id}", hold.start, hold.busy_until),
        *_blocks(f"patient:{hold.patient_id}", hold.start, hold.end),
    ]


class Clash(Conflict):
    """409: some of the wanted times are held. `holds` are the requested ones that clash."""

    def __init__(self, holds: list[Hold]):
        super().__init__(
            _("That time is no longer free.")
            if len(holds) == 1
            else _("%(n)s of the requested times are not free; nothing was booked.")
            % {"n": len(holds)},
            code="clash",
            clashes=[{"start": h.start, "end": h.end} for h in holds],
        )
        self.holds = holds


def _held_by_others(wanted: dict, own_ids: set[str]) -> list[AppointmentBlock]:
    resources = {resource for resource, _start in wanted}
    starts = {start for _resource, start in wanted}
    rows = AppointmentBlock.objects.filter(resource__in=resources, start__in=starts)
    return [
        row
        for row in rows
        if (row.resource, row.start.astimezone(UTC)) in wanted and row.appointment_id not in own_ids
    ]


def _drop_stale(rows: list[AppointmentBlock]) -> list[AppointmentBlock]:
    """Delete blocks no live appointment holds (a request died half-way); return the rest."""
    from appointments.models import Appointment

    ids = {row.appointment_id for row in rows}
    status = dict(Appointment.objects.filter(pk__in=ids).values_list("pk", "status"))
    cutoff = timezone.now() - STALE_AFTER
    stale = [
        row
        for row in rows
        if status.get(row.appointment_id) == Status.CANCELLED
        or (row.appointment_id not in status and row.created_at < cutoff)
    ]
    if stale:
        AppointmentBlock.objects.filter(pk__in=[row.pk for row in stale]).delete()
    return [row for row in rows if row not in stale]


def claim(holds: list[Hold]) -> str:
    """Hold every block these appointments need, or none: returns the claim's token (for
    `release`), or raises Clash listing the holds whose time is taken."""
    own_ids = {hold.appointment_id for hold in holds}
    wanted: dict[tuple[str, datetime.datetime], Hold] = {}
    inner = []
    for hold in holds:
        for key in keys_of(hold):
            if key in wanted and wanted[key].appointment_id != hold.appointment_id:
                inner.append(hold)  # two occurrences of one request overlap each other
            wanted.setdefault(key, hold)
    if inner:
        raise Clash(inner)
    already = set(
        AppointmentBlock.objects.filter(appointment_id__in=own_ids).values_list("resource", "start")
    )
    already = {(resource, start.astimezone(UTC)) for resource, start in already}
    new = {key: hold for key, hold in wanted.items() if key not in already}
    for _attempt in range(ATTEMPTS):
        held = _drop_stale(_held_by_others(new, own_ids))
        if held:
            clashing = {(row.resource, row.start.astimezone(UTC)) for row in held}
            raise Clash(list(dict.fromkeys(new[key] for key in new if key in clashing)))
        token = new_id()
        rows = [
            AppointmentBlock(
                resource=resource, start=start, appointment_id=hold.appointment_id, claim=token
            )
            for (resource, start), hold in new.items()
        ]
        try:
            with transaction.atomic():  # a savepoint where the backend has them
                AppointmentBlock.objects.bulk_create(rows)
        except IntegrityError:
            release(token)
            continue
        return token
    raise Conflict(_("That time is being booked by someone else; try again."), clashes=[])


def release(token: str) -> None:
    """Undo one claim (its appointment was not written after all)."""
    AppointmentBlock.objects.filter(claim=token).delete()


def release_appointment(appointment_id: str) -> None:
    """Free all the time an appointment holds (it was cancelled)."""
    AppointmentBlock.objects.filter(appointment_id=appointment_id).delete()


def keep_only(hold: Hold) -> None:
    """After a move: free the blocks the appointment held at its old time and no longer needs."""
    keep = set(keys_of(hold))
    rows = AppointmentBlock.objects.filter(appointment_id=hold.appointment_id)
    extra = [row.pk for row in rows if (row.resource, row.start.astimezone(UTC)) not in keep]
    if extra:
        AppointmentBlock.objects.filter(pk__in=extra).delete()
