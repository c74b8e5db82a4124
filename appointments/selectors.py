"""Reads of appointments, built on the one access rule (core.access) and audited.

- `appointment_get`: one appointment, 404 out of reach, then 403 unless the role may, audited.
- `appointment_list` (unaudited, for filtering) / `appointment_page` (one 'view' row per
  patient shown) / `calendar` (a day or week, audited the same way) / `today_page` (the day's
  list a page at a time, opening where the day has got to).
- `slot_list`: free slots of a type over local days, with a constant number of queries.

Staff reach their clinic's appointments; a patient user reaches their own.
"""

import datetime
import zoneinfo
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from appointments.models import (
    HOLDING,
    UPCOMING,
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    CalendarFeed,
    ClinicAppointmentSettings,
)
from appointments.slots import (
    Availability,
    Busy,
    WeeklyHours,
    free_slots,
    local_instant,
    one_per_start,
)
from core.access import get_in_reach, get_or_404, in_reach, is_patient_user, open_record
from core.audit import EXPORT, VIEW, audit, audit_patients_read
from core.lists import PER_PAGE, audited_by_patient, keyset_page, page_of, showing
from core.roles import Role, require
from patients.models import full_name

PROVIDER_ROLES = (Role.CLINICIAN, Role.NURSE)
MAX_SLOT_DAYS = 62
# The longest an appointment (with its buffer) can last: bounds the index walk for overlaps.
LONGEST = datetime.timedelta(hours=10)
APPOINTMENT_RELATED = ("patient", "provider", "type", "clinic")
# A list leaves out the clinic (the actor's, for every row): SQLite put the join's one clinic
# outside the loop and then sorted every appointment of the clinic for each page (185,000 at
# the benchmark: 0.2 s a page).
LIST_RELATED = ("patient", "provider", "type")


# --- the clinic an actor books in, its settings and its timezone ----------------------------
def _clinic_holder(actor):
    """What the actor's clinic hangs on: a staff user themself, a patient user's own record
    while it is open (None once it is archived, or for a user with none)."""
    return open_record(actor) if is_patient_user(actor) else actor


def actor_clinic_id(actor) -> str | None:
    """Staff: their clinic. A patient user: the clinic of their own open patient record."""
    return getattr(_clinic_holder(actor), "clinic_id", None)


def clinic_settings(clinic_id: str) -> ClinicAppointmentSettings:
    """Reminder and feed settings (the defaults, unsaved, for a clinic that has none yet)."""
    found = ClinicAppointmentSettings.objects.filter(clinic_id=clinic_id).first()
    return found or ClinicAppointmentSettings(clinic_id=clinic_id)


def clinic_tz(clinic) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(clinic.timezone)


def day_has_come(appointment, now=None) -> bool:
    """The appointment's day (the clinic's) is today or past: a patient can be checked in. A
    check-in on another day recorded an attendance that had not happened, with no undo."""
    tz = clinic_tz(appointment.clinic)
    return appointment.start.astimezone(tz).date() <= (now or timezone.now()).astimezone(tz).date()


# --- types and providers ---------------------------------------------------------------------
def type_list(*, actor, active_only: bool = False):
    """The clinic's appointment types; a patient user sees the active, patient-bookable ones."""
    clinic_id = actor_clinic_id(actor)
    types = AppointmentType.objects.filter(clinic_id=clinic_id) if clinic_id else None
    if types is None:
        return AppointmentType.objects.none()
    if is_patient_user(actor):
        types = types.filter(is_active__in=[True], patient_bookable__in=[True])
    elif active_only:
        types = types.filter(is_active__in=[True])
    return types.order_by("name", "id")


def type_get(*, actor, id: str, permission: str | None = "appointments.view") -> AppointmentType:
    """One type in reach (404 otherwise), then 403 unless the role grants `permission`."""
    found = get_or_404(type_list(actor=actor), id)
    if permission is not None:
        require(actor, permission)
    return found


def _providers(clinic_id: str):
    """The clinic's providers as whole rows (what a booking's service reads of one)."""
    return User.objects.filter(
        clinic_id=clinic_id, role__in=PROVIDER_ROLES, is_active__in=[True]
    ).order_by("name", "email")


def provider_list(*, clinic_id: str):
    """The clinic's providers: active staff with the clinician or nurse role, with what their
    lists and choices show (a calendar read 51 whole staff rows of 26 columns for a name each)."""
    return _providers(clinic_id).only("pk", "name", "role")


def provider_in_clinic(*, clinic_id: str, id) -> User:
    """The provider with this id in the clinic; a 400 naming the field otherwise."""
    provider = _providers(clinic_id).filter(pk=str(id or "")[:64]).first()
    if provider is None:
        raise ValidationError({"provider": _("Not a provider of this clinic.")})
    return provider


def former_providers(*, clinic_id: str, ids) -> list[User]:
    """Staff of the clinic among `ids` who hold appointments here but are no longer providers
    (deactivated, or now another role): their booked appointments stay booked, so the calendar
    still shows them, to be moved. Called only with ids that are not the clinic's providers
    (none on a usual page)."""
    ids = [str(id)[:64] for id in ids]
    if not ids:
        return []
    held = Appointment.objects.filter(clinic_id=clinic_id, provider_id__in=ids).order_by()
    held = list(held.values_list("provider_id", flat=True).distinct())
    rows = User.objects.filter(clinic_id=clinic_id, pk__in=held)
    rows = rows.exclude(role__in=PROVIDER_ROLES, is_active__in=[True])
    return list(rows.only("pk", "name", "role").order_by("name", "email"))


# --- appointments ----------------------------------------------------------------------------
def _in_reach(actor):
    return in_reach(Appointment.objects.all(), actor=actor)


def appointment_get(
    *,
    actor,
    id: str,
    permission: str | None = "appointments.view",
    audited: bool = True,
    detail: str = "",
) -> Appointment:
    """One appointment: 404 out of reach, then 403 unless the role grants `permission`, then one
    audited 'view'. Writes pass `audited=False`: the service audits the write."""
    appointment = get_in_reach(
        Appointment.objects.select_related(*APPOINTMENT_RELATED, "series"),
        actor=actor,
        id=id,
        permission=permission,
    )
    if audited:
        audit(
            actor=actor,
            action=VIEW,
            obj=appointment,
            patient_id=appointment.patient_id,
            detail=detail,
        )
    return appointment


def appointment_list(
    *,
    actor,
    provider: str = "",
    patient: str = "",
    status: str = "",
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
):
    """Appointments in reach, filtered, ordered by start (unaudited: pages audit what they show)."""
    rows = _in_reach(actor).select_related(*LIST_RELATED)
    if provider:
        rows = rows.filter(provider_id=provider)
    if patient:
        rows = rows.filter(patient_id=patient)
    if status:
        rows = rows.filter(status=status)
    if start is not None:
        rows = rows.filter(start__gte=start)
    if end is not None:
        rows = rows.filter(start__lt=end)
    return rows.order_by("start", "id")


def appointment_page(*, actor, number=1, per_page: int = PER_PAGE, strict=False, **filters):
    """One page of `appointment_list`, audited as one 'view' row per patient shown."""
    across_clinic = not filters.get("patient")
    return page_of(
        appointment_list(actor=actor, **filters),
        number=number,
        per_page=per_page,
        strict=strict,
        # A clinic's appointments are counted up to 10,000, then "about"; a patient's exactly.
        estimate_count=across_clinic,
        by_id=across_clinic,
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("appointments")),
    )


def appointment_keyset_page(*, actor, cursor: str = "", per_page: int = PER_PAGE, **filters):
    """`appointment_page` walked by cursor (the API's `?cursor=`): no count, no OFFSET. A
    cursor may name any appointment in reach (of the one patient): one cancelled mid-walk still
    leads on."""
    return keyset_page(
        appointment_list(actor=actor, **filters),
        cursor=cursor,
        per_page=per_page,
        by_id=True,
        edges=appointment_list(actor=actor, patient=filters.get("patient", "")),
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("appointments")),
    )


class CalendarEntry(NamedTuple):
    """An appointment as the calendars show it (its provider heads the column), read as one row
    of values: a busy provider's week of 470 as model instances (each with its patient and type)
    took 11.7 ms, as values 2.4."""

    pk: str
    provider_id: str
    type_id: str
    type_name: str
    start: datetime.datetime
    end: datetime.datetime
    status: str
    patient_id: str
    patient_name: str


# CalendarEntry's fields as columns, the patient's name as its two parts.
CALENDAR_VALUES = (
    "pk", "provider", "type", "type__name", "start", "end", "status", "patient",
    "patient__first_name", "patient__last_name",
)  # fmt: skip
# The desk's day list, which names the provider on each row.
TODAY_COLUMNS = (
    "start", "end", "status", "type", "type__name", "patient", "patient__first_name",
    "patient__last_name", "provider", "provider__name",
)  # fmt: skip


def calendar(
    *,
    actor,
    start: datetime.datetime,
    end: datetime.datetime,
    providers: list[str],
    detail: str,
) -> list[CalendarEntry]:
    """The appointments of `providers` over a day or a week (cancelled ones left out), audited
    per patient."""
    rows = appointment_list(actor=actor, start=start, end=end).filter(
        provider_id__in=providers, status__in=HOLDING
    )
    entries = [
        CalendarEntry(*row[:-2], full_name(*row[-2:])) for row in rows.values_list(*CALENDAR_VALUES)
    ]
    audit_patients_read(actor=actor, patient_ids=[row.patient_id for row in entries], detail=detail)
    return entries


def today_page(
    *, actor, start: datetime.datetime, end: datetime.datetime, provider: str = "", number=None
) -> Page:
    """The front desk's list of a day, a page at a time (a clinic of 50 providers holds 700
    appointments a day: 800 KB on one page), audited per patient shown. Without a page number,
    the page holding the first appointment that has not ended yet: where the desk is working."""
    rows = appointment_list(actor=actor, provider=provider, start=start, end=end)
    rows = showing(rows.filter(status__in=HOLDING), TODAY_COLUMNS)
    if not number:
        number = rows.filter(end__lte=timezone.now()).count() // PER_PAGE + 1
    return page_of(
        rows,
        number=number,
        per_page=PER_PAGE,
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("today")),
    )


def calendar_counts(*, actor, days: list[datetime.date], tz) -> dict:
    """(provider id, local date) -> number of appointments: the whole clinic's week at a
    glance, counted in the database (reading a week's 3,500 rows to count them took 12 ms).
    Shows no patient, so it writes no audit row; one query."""
    edges = [local_instant(day, datetime.time(), tz) for day in days]
    edges.append(local_instant(days[-1] + datetime.timedelta(days=1), datetime.time(), tz))
    per_day = {
        f"day{i}": Count("pk", filter=Q(start__gte=edges[i], start__lt=edges[i + 1]))
        for i in range(len(days))
    }
    rows = _in_reach(actor).filter(start__gte=edges[0], start__lt=edges[-1], status__in=HOLDING)
    counts: dict = {}
    for row in rows.values("provider_id").annotate(**per_day).order_by():
        for i, day in enumerate(days):
            if row[f"day{i}"]:
                counts[row["provider_id"], day] = row[f"day{i}"]
    return counts


def series_following(appointment: Appointment) -> list[Appointment]:
    """This occurrence and the later upcoming ones of its series, in order."""
    if appointment.series_id is None:
        return [appointment]
    later = Appointment.objects.filter(
        series_id=appointment.series_id, start__gt=appointment.start, status__in=UPCOMING
    ).select_related(*APPOINTMENT_RELATED)
    return [appointment, *later.order_by("start", "id")]


# How many of a patient's upcoming and past appointments their page's panel lists.
PANEL_UPCOMING, PANEL_PAST = 20, 10


def patient_panel(*, actor, patient) -> dict:
    """The patient page's Appointments panel: upcoming and recent past, each saying whether more
    exist (part of the page's one audited view, so nothing here writes an audit row). Two
    queries."""
    now = timezone.now()
    rows = appointment_list(actor=actor, patient=patient.pk)  # the page has the patient
    rows = showing(rows, ("start", "status", "type", "type__name", "provider", "provider__name"))
    upcoming = rows.filter(start__gte=now, status__in=UPCOMING)
    past = rows.filter(start__lt=now).order_by("-start", "-id")
    upcoming, past = list(upcoming[: PANEL_UPCOMING + 1]), list(past[: PANEL_PAST + 1])
    return {
        "upcoming": upcoming[:PANEL_UPCOMING],
        "more_upcoming": len(upcoming) > PANEL_UPCOMING,
        "past": past[:PANEL_PAST],
        "more_past": len(past) > PANEL_PAST,
    }


TODAY_WIDGET_SIZE = 15
# What the widget shows of each appointment.
TODAY_WIDGET_COLUMNS = (
    "start", "status", "patient", "patient__first_name", "patient__last_name",
    "type", "type__name", "provider", "provider__name",
)  # fmt: skip


def today_widget(*, actor) -> dict:
    """The staff home's "Today": the first of the clinic's (a provider's: their own)
    appointments of today, audited as one 'view' row per patient shown."""
    clinic = actor.clinic
    tz = clinic_tz(clinic)
    today = timezone.now().astimezone(tz).date()
    start = local_instant(today, datetime.time(), tz)
    end = local_instant(today + datetime.timedelta(days=1), datetime.time(), tz)
    mine = actor.role in PROVIDER_ROLES
    rows = appointment_list(actor=actor, provider=actor.pk if mine else "", start=start, end=end)
    rows = showing(rows.filter(status__in=HOLDING), TODAY_WIDGET_COLUMNS)
    rows = list(rows[: TODAY_WIDGET_SIZE + 1])
    shown = rows[:TODAY_WIDGET_SIZE]
    audit_patients_read(
        actor=actor,
        patient_ids=[row.patient_id for row in shown],
        detail=gettext_noop("today widget"),
    )
    return {"appointments": shown, "more": len(rows) > TODAY_WIDGET_SIZE, "mine": mine, "tz": tz}


# --- availability ----------------------------------------------------------------------------
def rule_list(*, actor, provider: str = ""):
    rules = in_reach(AvailabilityRule.objects.all(), actor=actor, patient=None)
    if provider:
        rules = rules.filter(provider_id=provider)
    return rules.select_related("provider").order_by("provider__name", "weekday", "start_time")


def rule_get(*, actor, id: str, permission: str | None = "appointments.availability.view"):
    return get_in_reach(
        rule_list(actor=actor), actor=actor, id=id, permission=permission, patient=None
    )


def exception_list(*, actor, provider: str = "", date_from: datetime.date | None = None):
    rows = in_reach(AvailabilityException.objects.all(), actor=actor, patient=None)
    if provider:
        rows = rows.filter(provider_id=provider)
    if date_from is not None:
        rows = rows.filter(date__gte=date_from)
    return rows.select_related("provider").order_by("date", "start_time", "id")


# How many of a provider's coming exceptions (leave, extra hours) the availability page lists.
EXCEPTIONS_LISTED = 100


def coming_exceptions(*, actor, provider: str, tz) -> dict:
    """The provider's exceptions from today, the first EXCEPTIONS_LISTED, and whether more
    follow (the page says so rather than seeming to hold them all)."""
    if not provider:
        return {"exceptions": [], "more_exceptions": False}
    today = timezone.now().astimezone(tz).date()
    rows = exception_list(actor=actor, provider=provider, date_from=today)
    rows = list(rows[: EXCEPTIONS_LISTED + 1])
    return {
        "exceptions": rows[:EXCEPTIONS_LISTED],
        "more_exceptions": len(rows) > EXCEPTIONS_LISTED,
    }


def exception_get(*, actor, id: str, permission: str | None = "appointments.availability.view"):
    return get_in_reach(
        exception_list(actor=actor), actor=actor, id=id, permission=permission, patient=None
    )


def availability_for(*, clinic, provider_ids, day_from, day_to) -> Availability:
    """Rules (of the weekdays the days fall on) and exceptions of these providers over local
    days: two queries. A day's booking page at 50 providers read all their 267 rules for 55."""
    span = min((day_to - day_from).days + 1, 7)
    weekdays = sorted({(day_from + datetime.timedelta(days=n)).weekday() for n in range(span)})
    rules = AvailabilityRule.objects.filter(
        clinic_id=clinic.pk, provider_id__in=provider_ids, weekday__in=weekdays
    ).values_list(*WeeklyHours._fields)
    exceptions = AvailabilityException.objects.filter(
        clinic_id=clinic.pk, provider_id__in=provider_ids, date__gte=day_from, date__lte=day_to
    )
    return Availability(
        rules=[WeeklyHours._make(rule) for rule in rules],
        exceptions=list(exceptions),
        tz=clinic_tz(clinic),
    )


def busy_by_provider(*, provider_ids, start, end, exclude=()) -> dict[str, list]:
    """Each provider's held time (appointments with their buffers) overlapping [start, end)."""
    rows = Appointment.objects.filter(
        provider_id__in=provider_ids,
        status__in=HOLDING,
        start__gte=start - LONGEST,
        start__lt=end,
        busy_until__gt=start,
    ).exclude(pk__in=list(exclude))
    busy: dict[str, list] = {}  # unordered: Busy sorts each provider's own
    for provider_id, begin, until in rows.order_by().values_list(
        "provider_id", "start", "busy_until"
    ):
        busy.setdefault(provider_id, []).append((begin, until))
    return busy


def patient_busy(*, patient_id: str, start, end, exclude=()) -> Busy:
    rows = Appointment.objects.filter(
        patient_id=patient_id,
        status__in=HOLDING,
        start__gte=start - LONGEST,
        start__lt=end,
        end__gt=start,
    ).exclude(pk__in=list(exclude))
    return Busy(rows.values_list("start", "end"))


def _as_days(start, end, tz) -> tuple[datetime.date, datetime.date]:
    def day(value):
        return value.astimezone(tz).date() if isinstance(value, datetime.datetime) else value

    day_from, day_to = day(start), day(end)
    if day_to < day_from:
        raise ValidationError({"end": _("The end is before the start.")})
    if (day_to - day_from).days + 1 > MAX_SLOT_DAYS:
        raise ValidationError(
            {"end": _("Ask for at most %(n)s days of slots at a time.") % {"n": MAX_SLOT_DAYS}}
        )
    return day_from, day_to


def bookable_type(*, actor, clinic_id: str, type_id: str) -> AppointmentType:
    """The type a booking or a slot search names: 400 unless one of the clinic's active types;
    a patient user asking for a type patients may not book is a 403."""
    found = AppointmentType.objects.filter(clinic_id=clinic_id, pk=str(type_id or "")[:64]).first()
    if found is None or not found.is_active:
        raise ValidationError({"type": _("Not an appointment type of this clinic.")})
    if is_patient_user(actor) and not found.patient_bookable:
        raise PermissionDenied(_("Patients cannot book this type of appointment themselves."))
    return found


def earliest_start(*, actor, clinic, now=None) -> datetime.datetime:
    """No slot in the past; for patients none inside the clinic's minimum notice."""
    now = now or timezone.now()
    if is_patient_user(actor):
        return now + datetime.timedelta(hours=clinic.min_notice_hours)
    return now


def slot_list(
    *,
    actor,
    clinic,
    type_id: str,
    start: datetime.date | datetime.datetime,
    end: datetime.date | datetime.datetime,
    provider: str = "",
    patient_id: str = "",
    once_per_time: bool = False,
    now=None,
):
    """Free slots of a type over a range of local days (dates, end inclusive) or instants,
    for one provider or all (with `once_per_time`, each start once: `one_per_start`); the past
    part of the range is ignored. Constant queries: type, providers, rules, exceptions,
    appointments (and the patient's appointments)."""
    tz = clinic_tz(clinic)
    day_from, day_to = _as_days(start, end, tz)
    appointment_type = bookable_type(actor=actor, clinic_id=clinic.pk, type_id=type_id)
    if provider:
        ids = [provider_in_clinic(clinic_id=clinic.pk, id=provider).pk]
    else:  # their ids alone: 50 users' every column was read to take the id
        ids = list(provider_list(clinic_id=clinic.pk).values_list("pk", flat=True))
    lo = local_instant(day_from, datetime.time(), tz)
    hi = local_instant(day_to + datetime.timedelta(days=1), datetime.time(), tz)
    earliest = earliest_start(actor=actor, clinic=clinic, now=now)
    if isinstance(start, datetime.datetime):
        earliest = max(earliest, start)
    slots = free_slots(
        availability=availability_for(
            clinic=clinic, provider_ids=ids, day_from=day_from, day_to=day_to
        ),
        provider_ids=ids,
        appointment_type=appointment_type,
        day_from=day_from,
        day_to=day_to,
        busy=busy_by_provider(provider_ids=ids, start=lo, end=hi),
        patient_busy=patient_busy(patient_id=patient_id, start=lo, end=hi)
        if patient_id
        else Busy([]),
        earliest=earliest,
    )
    if isinstance(end, datetime.datetime):
        slots = [slot for slot in slots if slot.start < end]
    if once_per_time and not provider:
        slots = one_per_start(slots, ids)
    return slots


SLOT_LOOK_AHEAD = 14  # days searched for the next free slot when the day asked for has none


def slot_offer(
    *, actor, clinic, type_id: str, provider: str, day: datetime.date, providers, patient_id=""
):
    """The booking and moving pages' slots of a day: (every free slot, the ones to offer — for
    any provider each time once, `one_per_start`, between equals in the order of `providers`,
    the clinic's as `provider_list` gives them — and, when the day has none, the next day
    within SLOT_LOOK_AHEAD days that has one, else None). Every free slot is kept so that a
    time the page offered with one provider still books with another still free."""
    options = {"actor": actor, "clinic": clinic, "type_id": type_id, "provider": provider}
    found = slot_list(**options, start=day, end=day, patient_id=patient_id)
    offered = found if provider else one_per_start(found, [p.pk for p in providers])
    next_day = None
    if not found:  # a weekend, a day off, a full day: which day has a slot
        next_day = _next_day_with_a_slot(options, day=day, patient_id=patient_id)
    return found, offered, next_day


def _next_day_with_a_slot(options: dict, *, day: datetime.date, patient_id) -> datetime.date | None:
    """The first day after `day`, within SLOT_LOOK_AHEAD days, with a free slot: searched in
    spans of 1, 2, 4 and 7 days, as it is usually the next working day (every provider's
    slots for all 14 days was most of a Saturday's booking page: 59 -> 23 ms at 50 providers)."""
    end = day + datetime.timedelta(days=SLOT_LOOK_AHEAD)
    first, span = day + datetime.timedelta(days=1), 1
    while first <= end:
        last = min(first + datetime.timedelta(days=span - 1), end)
        ahead = slot_list(**options, start=first, end=last, patient_id=patient_id)
        if ahead:
            return ahead[0].start.astimezone(clinic_tz(options["clinic"])).date()
        first, span = last + datetime.timedelta(days=1), span * 2
    return None


# --- calendar feeds --------------------------------------------------------------------------
def feed_list(*, actor):
    return CalendarFeed.objects.filter(owner_id=actor.pk).order_by("-created_at", "-id")


def feed_get(*, actor, id: str) -> CalendarFeed:
    """One of the actor's own feeds (anyone else's is a 404)."""
    return get_or_404(feed_list(actor=actor), id)


FEED_PAST = datetime.timedelta(days=30)
FEED_FUTURE = datetime.timedelta(days=366)


def feed_appointments(*, feed: CalendarFeed, now=None) -> list[Appointment]:
    """What a feed shows: its provider's (or its patient's) appointments from a month ago to a
    year ahead, cancelled ones left out; read on the owner's behalf, audited per patient."""
    now = now or timezone.now()
    rows = Appointment.objects.filter(
        clinic_id=feed.clinic_id,
        status__in=HOLDING,
        start__gte=now - FEED_PAST,
        start__lt=now + FEED_FUTURE,
    ).select_related("type", "patient")
    if feed.patient_id:
        rows = rows.filter(patient_id=feed.patient_id)
    else:
        rows = rows.filter(provider_id=feed.owner_id)
    rows = list(rows.order_by("start", "id"))
    audit_patients_read(
        actor=feed.owner,
        patient_ids=[row.patient_id for row in rows],
        detail=gettext_noop("calendar feed"),
    )
    return rows


def actor_clinic(actor):
    """The clinic whose calendar the actor books in (404 for users of none)."""
    clinic = getattr(_clinic_holder(actor), "clinic", None)
    if clinic is None:
        raise Http404(_("You do not belong to a clinic."))
    return clinic


def appointment_export(*, actor, id: str, detail: str = "iCalendar") -> Appointment:
    """One appointment leaving the system (an .ics download): audited as an export."""
    appointment = appointment_get(actor=actor, id=id, audited=False)
    audit(
        actor=actor,
        action=EXPORT,
        obj=appointment,
        patient_id=appointment.patient_id,
        detail=detail,
    )
    return appointment
