"""Writes of the appointments app: booking (single or series), moving, the status machine,
cancelling, availability, types, the clinic's policy and calendar feeds.

Every booking or move claims its time through appointments.claims (a unique index, so it holds
on MongoDB without transactions); every status change is one conditional write
(`filter(pk=..., status__in=allowed).update(...) == 1`), so two clicks or two clients never
both succeed. Every write is audited with the patient's id. Booking, moving and cancelling
are raised as events (core.events) in the same unit, for the apps that act on visits.
"""

import copy
import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from appointments import claims, selectors
from appointments.models import (
    CHANGE_LABELS,
    UPCOMING,
    Appointment,
    AppointmentChange,
    AppointmentSeries,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    CalendarFeed,
    ClinicAppointmentSettings,
    Status,
)
from appointments.recurrence import occurrences
from core.access import is_patient_user, open_record
from core.audit import CREATE, DELETE, UPDATE, audit
from core.dates import clinic_format
from core.errors import Conflict
from core.events import emit
from core.models import new_id
from core.roles import Role, can, require
from core.services import model_update, only_fields
from core.transactions import current, unit

UTC = datetime.UTC
DEFAULT_TYPES = [
    # name, minutes, buffer, colour, telehealth
    (gettext_lazy("New patient"), 40, 5, "#0d6efd", False),
    (gettext_lazy("Follow-up"), 20, 0, "#198754", False),
    (gettext_lazy("Telehealth"), 20, 0, "#6f42c1", True),
    (gettext_lazy("Procedure"), 60, 10, "#fd7e14", False),
]
# action: (statuses it may leave, status it sets, timestamp field, permission)
TRANSITIONS = {
    "confirm": (UPCOMING[:1], Status.CONFIRMED, "confirmed_at", "appointments.confirm"),
    "check_in": (UPCOMING, Status.CHECKED_IN, "checked_in_at", "appointments.attend"),
    "complete": ((Status.CHECKED_IN,), Status.COMPLETED, "completed_at", "appointments.attend"),
    "no_show": (UPCOMING, Status.NO_SHOW, None, "appointments.attend"),
}
# Raised inside the write's unit, once per appointment (obj), with the actor: a listener's
# writes (programs closes the visit's task) commit, or fail, with the booking.
EVENT_BOOKED = "appointments.booked"
EVENT_RESCHEDULED = "appointments.rescheduled"
EVENT_CANCELLED = "appointments.cancelled"
EVENT_NO_SHOW = "appointments.no_show"
# A type renamed (obj: the type; clinic_id, old_name, new_name), in the rename's unit: programmes
# name the type their visit steps book, and rename those references with it.
EVENT_TYPE_RENAMED = "appointments.type_renamed"


# What each change writes as its audit detail: English words, read in the reader's language
# (accounts.selectors.detail_label). A change of notes names the fields it changed after it.
AUDIT_DETAILS = {
    "book": gettext_noop("appointment booked"),
    "confirm": gettext_noop("appointment confirmed"),
    "check_in": gettext_noop("patient checked in"),
    "complete": gettext_noop("appointment completed"),
    "no_show": gettext_noop("patient did not attend"),
    "cancel": gettext_noop("appointment cancelled"),
    "reschedule": gettext_noop("appointment moved"),
    "notes": gettext_noop("appointment"),
}


def _record(*, actor, appointment, action, note="", previous_start=None, previous_provider=None):
    """The change in the appointment's history, and its audit row. For "notes", `note` is the
    changed fields' names, shown by their labels in the audit trail."""
    detail = AUDIT_DETAILS[action]
    if action == "notes":
        detail = f"{detail}: {note}"
    AppointmentChange.objects.create(
        appointment=appointment,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        note=note[:500],
        previous_start=previous_start,
        previous_provider_id=previous_provider,
    )
    audit(
        actor=actor,
        action=CREATE if action == "book" else UPDATE,
        obj=appointment,
        patient_id=appointment.patient_id,
        detail=detail,
    )


def _not_allowed(appointment, action) -> Conflict:
    return Conflict(
        _("A %(status)s appointment cannot be %(action)s.")
        % {"status": appointment.get_status_display().lower(), "action": CHANGE_LABELS[action]},
        code="invalid_transition",
        current_status=appointment.status,
    )


def reschedule_refusal(appointment) -> Conflict | ValidationError | None:
    """Why this appointment cannot be moved (cancelled, attended…, its patient's record archived),
    or None: the Move page says it before offering slots; the service checks it again on the
    record as it is now."""
    if appointment.status not in UPCOMING:
        return _not_allowed(appointment, "reschedule")
    if appointment.patient.is_archived:  # as booking: restored first (cancelling stays)
        return ValidationError(
            _("Restore the record of %(name)s to move their appointment.")
            % {"name": appointment.patient.full_name}
        )
    return None


def _kept_provider(appointment: Appointment):
    """The provider a move keeps, if they still are one: someone deactivated or now a
    receptionist keeps their booked appointments, but no new time may be set with them."""
    try:
        return selectors.provider_in_clinic(
            clinic_id=appointment.clinic_id, id=appointment.provider_id
        )
    except ValidationError:
        raise ValidationError({"provider": former_provider_note(appointment)}) from None


def former_provider_note(appointment: Appointment) -> str:
    """Why a move may not keep this appointment's provider (the Move page says it above its
    search; a move that keeps them is refused with it on `provider`)."""
    return _("%(name)s no longer sees patients here: choose another provider.") % {
        "name": appointment.provider.name
    }


def _aware(value: datetime.datetime, field: str = "start") -> datetime.datetime:
    if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
        raise ValidationError({field: _("Give a date and time with a timezone offset.")})
    return value


def _clash_times(exc: claims.Clash, tz) -> claims.Clash:
    """The clashes of a 409 in the clinic's offset (as the rest of the API shows times)."""
    exc.extra["clashes"] = [
        {"start": h.start.astimezone(tz).isoformat(), "end": h.end.astimezone(tz).isoformat()}
        for h in exc.holds
    ]
    return exc


# --- booking ---------------------------------------------------------------------------------
def _hold(appointment_id, *, provider_id, patient_id, start, appointment_type) -> claims.Hold:
    end = start + appointment_type.duration
    return claims.Hold(
        appointment_id=appointment_id,
        provider_id=provider_id,
        patient_id=patient_id,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        busy_until=(end + appointment_type.buffer).astimezone(UTC),
    )


def _check_slots(*, clinic, provider, appointment_type, starts):
    """(the starts that are not slots of the provider's hours or fall in time off, the
    availability read): the first start outside is a 400; later ones of a series clash (409)."""
    tz = selectors.clinic_tz(clinic)
    local_days = [start.astimezone(tz).date() for start in starts]
    availability = selectors.availability_for(
        clinic=clinic, provider_ids=[provider.pk], day_from=min(local_days), day_to=max(local_days)
    )
    off = availability.time_off_of(provider.pk)
    outside = []
    for start, day in zip(starts, local_days, strict=True):
        # Compared in UTC: a local time in the hour the clocks repeat carries `fold`, and Python
        # never finds such a time equal to one of another zone (01:20 was listed, not bookable).
        boundaries = {
            b.astimezone(UTC) for b in availability.starts(provider.pk, day, appointment_type)
        }
        end = start + appointment_type.duration + appointment_type.buffer
        if start.astimezone(UTC) not in boundaries or any(a < end and start < b for a, b in off):
            outside.append(start)
    if outside and outside[0] == starts[0]:
        first_day = [
            time_format(s.astimezone(tz), "TIME_FORMAT")
            for s in availability.starts(provider.pk, local_days[0], appointment_type)
        ]
        hint = (
            _("Slots that day start at %(times)s.") % {"times": ", ".join(first_day[:12])}
            if first_day
            else _("The provider has no hours for this type that day.")
        )
        raise ValidationError(
            {"start": _("The start is not on a slot boundary of the provider's hours. ") + hint}
        )
    return outside, availability


@unit
def appointment_book(
    *,
    actor,
    patient,
    provider_id: str,
    type_id: str,
    start: datetime.datetime,
    reason: str = "",
    staff_notes: str = "",
    recurrence: dict | None = None,
    now=None,
) -> list[Appointment]:
    """Book one appointment, or a whole series all or nothing; the booked ones, in order.

    400 for bad input (start not on a slot boundary, in the past, another clinic's type, not a
    provider, a recurrence over 52), 403 for a type patients may not book or a series (patient
    users),
    409 listing the clashing times when any is taken (then nothing is booked).
    """
    require(actor, "appointments.book")
    if recurrence and is_patient_user(actor):  # a year of a provider's Mondays in one call
        raise PermissionDenied(
            _("A series of appointments is booked by the clinic: call or message them.")
        )
    if current(patient).is_archived:  # closed: restored first, as for an invitation
        raise ValidationError(
            _("Restore the record of %(name)s to book for them.") % {"name": patient.full_name}
        )
    clinic = patient.clinic
    now = now or timezone.now()
    start = _aware(start)
    appointment_type = selectors.bookable_type(actor=actor, clinic_id=clinic.pk, type_id=type_id)
    provider = selectors.provider_in_clinic(clinic_id=clinic.pk, id=provider_id)
    tz = selectors.clinic_tz(clinic)
    if start <= now:
        raise ValidationError({"start": _("The start is in the past.")})
    if start < selectors.earliest_start(actor=actor, clinic=clinic, now=now):
        raise Conflict(
            _("Appointments must be booked at least %(n)s hours ahead.")
            % {"n": clinic.min_notice_hours},
            code="min_notice",
        )
    local_start = start.astimezone(tz)
    series = None
    if recurrence:
        starts = occurrences(first=local_start, **recurrence)
        series = AppointmentSeries(clinic=clinic, patient=patient, created_by=actor, **recurrence)
    else:
        starts = [local_start]
    ids = [new_id() for _start in starts]
    holds = [
        _hold(
            i,
            provider_id=provider.pk,
            patient_id=patient.pk,
            start=s,
            appointment_type=appointment_type,
        )
        for i, s in zip(ids, starts, strict=True)
    ]
    outside, availability = _check_slots(
        clinic=clinic, provider=provider, appointment_type=appointment_type, starts=starts
    )
    if outside:
        raise _clash_times(
            claims.Clash([h for h, s in zip(holds, starts, strict=True) if s in outside]), tz
        )
    try:
        token = claims.claim(holds)
    except claims.Clash as exc:
        raise _clash_times(exc, tz) from None
    by_patient = is_patient_user(actor)
    rows = [
        Appointment(
            id=hold.appointment_id,
            clinic=clinic,
            patient=patient,
            provider=provider,
            type=appointment_type,
            series=series,
            start=hold.start,
            end=hold.end,
            busy_until=hold.busy_until,
            reason=reason[:500],
            staff_notes="" if by_patient else staff_notes,
            location=""
            if appointment_type.telehealth
            else _location(availability, provider.pk, s, appointment_type),
            telehealth_room=secrets.token_urlsafe(18) if appointment_type.telehealth else "",
            booked_by=actor,
            booked_by_patient=by_patient,
        )
        for hold, s in zip(holds, starts, strict=True)
    ]
    try:
        if series is not None:
            series.save(force_insert=True)
        Appointment.objects.bulk_create(rows)
    except Exception:
        claims.release(token)
        if series is not None and series.pk:
            AppointmentSeries.objects.filter(pk=series.pk).delete()
        raise
    for row in rows:
        _record(actor=actor, appointment=row, action="book")
        emit(EVENT_BOOKED, obj=row, actor=actor)
    return rows


def _location(availability, provider_id, local_start, appointment_type) -> str:
    """The location of the rule (or extra hours) whose window holds this start."""
    day, type_id = local_start.date(), appointment_type.pk
    for rule in availability.rules[provider_id]:
        in_window = rule.start_time <= local_start.time() < rule.end_time
        if in_window and rule.location and rule.applies_on(day) and rule.offers(type_id):
            return rule.location
    for extra in availability.extras[(provider_id, day)]:
        if extra.location and extra.start_time <= local_start.time() < extra.end_time:
            return extra.location
    return ""


# --- moving ----------------------------------------------------------------------------------
@unit
def appointment_reschedule(
    *,
    actor,
    appointment: Appointment,
    start: datetime.datetime | None = None,
    provider_id: str | None = None,
    scope: str = "this",
    note: str = "",
    now=None,
) -> list[Appointment]:
    """Move an appointment (or it and the following ones of its series by the same wall-clock
    shift) to a new start and/or provider: the same rules as booking, all or nothing. The old
    time stays in the appointment's history; its reminder goes out for the new time."""
    require(actor, "appointments.reschedule")
    current(appointment.patient)  # archived meanwhile: refused below as on the Move page
    refusal = reschedule_refusal(appointment)
    if refusal is not None:
        raise refusal
    now = now or timezone.now()
    clinic = appointment.clinic
    tz = selectors.clinic_tz(clinic)
    new_start = _aware(start) if start is not None else appointment.start
    if new_start <= now:
        raise ValidationError({"start": _("The start is in the past.")})
    if provider_id:
        provider = selectors.provider_in_clinic(clinic_id=clinic.pk, id=provider_id)
    else:
        provider = _kept_provider(appointment)
    targets = selectors.series_following(appointment) if scope == "following" else [appointment]
    old_local = appointment.start.astimezone(tz).replace(tzinfo=None)
    shift = new_start.astimezone(tz).replace(tzinfo=None) - old_local
    starts = [
        ((t.start.astimezone(tz).replace(tzinfo=None) + shift).replace(tzinfo=tz))
        .astimezone(UTC)
        .astimezone(tz)
        for t in targets
    ]
    holds = [
        _hold(
            t.pk, provider_id=provider.pk, patient_id=t.patient_id, start=s, appointment_type=t.type
        )
        for t, s in zip(targets, starts, strict=True)
    ]
    outside, _availability = _check_slots(
        clinic=clinic, provider=provider, appointment_type=appointment.type, starts=starts
    )
    if outside:
        raise _clash_times(
            claims.Clash([h for h, s in zip(holds, starts, strict=True) if s in outside]), tz
        )
    try:
        token = claims.claim(holds)
    except claims.Clash as exc:
        raise _clash_times(exc, tz) from None
    moved = []
    for target, hold in zip(targets, holds, strict=True):
        updated = Appointment.objects.filter(
            pk=target.pk,
            status__in=UPCOMING,
            start=target.start,
            provider_id=target.provider_id,
        ).update(
            start=hold.start,
            end=hold.end,
            busy_until=hold.busy_until,
            provider_id=provider.pk,
            updated_at=timezone.now(),
        )
        if updated != 1:
            if not moved:  # changed under us before anything moved: undo the whole claim
                claims.release(token)
                raise Conflict(_("The appointment was changed meanwhile; reload and try again."))
            continue
        claims.keep_only(hold)
        _record(
            actor=actor,
            appointment=target,
            action="reschedule",
            note=note,
            previous_start=target.start,
            previous_provider=target.provider_id,
        )
        moved.append(target.pk)
    rows = Appointment.objects.filter(pk__in=moved).select_related(*selectors.APPOINTMENT_RELATED)
    rows = sorted(rows, key=lambda row: row.start)
    for row in rows:
        emit(EVENT_RESCHEDULED, obj=row, actor=actor)
    return rows


# --- the status machine ----------------------------------------------------------------------
@unit
def appointment_transition(*, actor, appointment: Appointment, action: str, now=None):
    """confirm, check_in, complete or no_show: one conditional write; 409 from any other state
    (and for a no-show before the start)."""
    allowed, to_status, stamp, permission = TRANSITIONS[action]
    require(actor, permission)
    now = now or timezone.now()
    if is_patient_user(actor) and action != "confirm":
        raise PermissionDenied(_("Your role does not allow this action."))
    if action == "no_show" and appointment.start > now:
        raise Conflict(_("An appointment can be marked as a no-show only after its start."))
    if action == "check_in" and not selectors.day_has_come(appointment, now):
        clinic = appointment.clinic
        day = appointment.start.astimezone(selectors.clinic_tz(clinic)).date()
        raise Conflict(
            _("A patient is checked in on the day of their appointment (%(day)s).")
            % {"day": clinic_format(clinic, day)}
        )
    fields = {"status": to_status, "updated_at": now}
    if stamp:
        fields[stamp] = now
    if Appointment.objects.filter(pk=appointment.pk, status__in=allowed).update(**fields) != 1:
        appointment.refresh_from_db(fields=["status"])
        raise _not_allowed(appointment, action)
    for name, value in fields.items():
        setattr(appointment, name, value)
    _record(actor=actor, appointment=appointment, action=action)
    if action == "no_show":
        emit(EVENT_NO_SHOW, obj=appointment, actor=actor)
    return appointment


@unit
def appointment_cancel(
    *, actor, appointment: Appointment, reason: str = "", scope: str = "this", now=None
) -> list[Appointment]:
    """Cancel (this one, or this and the following ones of its series) and free the time.
    A patient cancels only up to the clinic's cut-off (409 with the policy after it)."""
    require(actor, "appointments.cancel")
    now = now or timezone.now()
    if appointment.status not in UPCOMING:
        raise _not_allowed(appointment, "cancel")
    if is_patient_user(actor):
        cutoff = appointment.clinic.cancel_cutoff_hours
        if appointment.start - now < datetime.timedelta(hours=cutoff):
            raise Conflict(
                _(
                    "Appointments can be cancelled online up to %(n)s hours before they start; "
                    "please call the clinic."
                )
                % {"n": cutoff},
                code="cancel_cutoff",
            )
    targets = selectors.series_following(appointment) if scope == "following" else [appointment]
    cancelled = []
    for target in targets:
        updated = Appointment.objects.filter(pk=target.pk, status__in=UPCOMING).update(
            status=Status.CANCELLED,
            cancelled_at=now,
            cancelled_by=actor,
            cancel_reason=reason[:500],
            updated_at=now,
        )
        if updated != 1:
            if target is appointment:
                appointment.refresh_from_db(fields=["status"])
                raise _not_allowed(appointment, "cancel")
            continue
        claims.release_appointment(target.pk)
        target.status, target.cancelled_at, target.cancel_reason = Status.CANCELLED, now, reason
        target.cancelled_by = actor
        _record(actor=actor, appointment=target, action="cancel", note=reason)
        emit(EVENT_CANCELLED, obj=target, actor=actor)
        cancelled.append(target)
    return cancelled


@unit
def appointment_update_notes(*, actor, appointment: Appointment, staff_notes: str, reason=None):
    require(actor, "appointments.reschedule")
    fields = {"staff_notes": staff_notes}
    if reason is not None:
        fields["reason"] = reason
    changed = model_update(appointment, fields=fields, allowed={"staff_notes", "reason"})
    if changed:
        _record(actor=actor, appointment=appointment, action="notes", note=", ".join(changed))
    return appointment


# --- types and the clinic's policy ----------------------------------------------------------
@unit
def types_install(*, clinic) -> None:
    """A new clinic's defaults: four appointment types and its reminder and feed settings."""
    ClinicAppointmentSettings.objects.get_or_create(clinic=clinic)
    existing = set(AppointmentType.objects.filter(clinic=clinic).values_list("name", flat=True))
    AppointmentType.objects.bulk_create(
        [
            AppointmentType(
                clinic=clinic,
                name=str(name),
                duration_minutes=minutes,
                buffer_minutes=buffer,
                colour=colour,
                telehealth=telehealth,
            )
            for name, minutes, buffer, colour, telehealth in DEFAULT_TYPES
            if str(name) not in existing
        ]
    )


TYPE_FIELDS = {
    "name",
    "duration_minutes",
    "buffer_minutes",
    "colour",
    "telehealth",
    "patient_bookable",
    "is_active",
}


def _name_free(*, clinic_id, name, appointment_type=None) -> None:
    """400 on the name field when the clinic already has a type of this name (the unique
    constraint's own message is "Appointment type with this Clinic and Name already exists.")."""
    taken = AppointmentType.objects.filter(clinic_id=clinic_id, name=name)
    if appointment_type is not None:
        taken = taken.exclude(pk=appointment_type.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("The clinic already has a type called “%(name)s”.") % {"name": name}},
            code="duplicate",
        )


@unit
def type_save(*, actor, appointment_type: AppointmentType | None = None, **fields):
    """Create or change a type (clinic admins). Booked appointments keep their times."""
    require(actor, "appointments.types.edit")
    only_fields(fields, TYPE_FIELDS)
    if "name" in fields:
        _name_free(
            clinic_id=actor.clinic_id, name=fields["name"], appointment_type=appointment_type
        )
    if appointment_type is None:
        appointment_type = AppointmentType(clinic_id=actor.clinic_id, **fields)
        appointment_type.full_clean()
        appointment_type.save(force_insert=True)
        audit(actor=actor, action=CREATE, obj=appointment_type)
        return appointment_type
    old_name = appointment_type.name
    changed = model_update(appointment_type, fields=fields, allowed=TYPE_FIELDS)
    if changed:
        audit(actor=actor, action=UPDATE, obj=appointment_type, detail=", ".join(changed))
    if "name" in changed:
        emit(
            EVENT_TYPE_RENAMED,
            obj=appointment_type,
            actor=actor,
            clinic_id=appointment_type.clinic_id,
            old_name=old_name,
            new_name=appointment_type.name,
        )
    return appointment_type


SETTINGS_FIELDS = {"reminder_hours", "provider_feed_shows_names"}


@unit
def settings_update(*, actor, **fields) -> ClinicAppointmentSettings:
    require(actor, "appointments.settings.edit")
    current, _created = ClinicAppointmentSettings.objects.get_or_create(clinic_id=actor.clinic_id)
    changed = model_update(current, fields=fields, allowed=SETTINGS_FIELDS)
    if changed:
        audit(actor=actor, action=UPDATE, obj=current, detail=", ".join(changed))
    return current


# --- availability ----------------------------------------------------------------------------
def may_edit_hours_of(actor, provider) -> None:
    """403 unless the actor may change these hours: providers their own, clinic admins
    everyone's."""
    require(actor, "appointments.availability.edit")
    if actor.role != Role.ADMIN and provider.pk != actor.pk:
        raise PermissionDenied(_("You can change only your own hours."))


def hours_edit_check(*, actor, provider_id) -> None:
    """403 unless the actor may change this provider's hours (before a form is even read)."""
    may_edit_hours_of(
        actor, selectors.provider_in_clinic(clinic_id=actor.clinic_id, id=provider_id)
    )


RULE_FIELDS = {
    "weekday",
    "start_time",
    "end_time",
    "valid_from",
    "valid_until",
    "location",
    "type_ids",
}
EXCEPTION_FIELDS = {"date", "kind", "start_time", "end_time", "location", "note"}


def _valid_type_ids(clinic_id, type_ids) -> list[str]:
    type_ids = [str(t) for t in type_ids or []]
    known = set(
        AppointmentType.objects.filter(clinic_id=clinic_id, pk__in=type_ids).values_list(
            "pk", flat=True
        )
    )
    if set(type_ids) - known:
        raise ValidationError({"types": _("Not an appointment type of this clinic.")})
    return list(dict.fromkeys(type_ids))


def _hours(start: datetime.time | None, end: datetime.time | None) -> str:
    if start is None:
        return _("whole day")
    return f"{time_format(start, 'TIME_FORMAT')}–{time_format(end, 'TIME_FORMAT')}"


def _dates_meet(first, second) -> bool:
    """Whether two validity windows (None: open-ended) share a day."""
    return (
        first.valid_from is None
        or second.valid_until is None
        or first.valid_from <= second.valid_until
    ) and (
        second.valid_from is None
        or first.valid_until is None
        or second.valid_from <= first.valid_until
    )


def _no_overlapping_rule(rule: AvailabilityRule) -> None:
    """409 when another weekly rule of the provider covers part of the same hours on a day both
    apply: the slot search would offer the time twice, and the two could say different places."""
    if not (rule.start_time and rule.end_time and rule.start_time < rule.end_time):
        return  # full_clean says what is wrong with the times
    others = AvailabilityRule.objects.filter(
        clinic_id=rule.clinic_id,
        provider_id=rule.provider_id,
        weekday=rule.weekday,
        start_time__lt=rule.end_time,
        end_time__gt=rule.start_time,
    ).exclude(pk=rule.pk)
    for other in others:
        if _dates_meet(rule, other):
            raise Conflict(
                _(
                    "These hours overlap the weekly hours already entered for %(weekday)s "
                    "(%(hours)s). Change or remove those first."
                )
                % {
                    "weekday": other.get_weekday_display(),
                    "hours": _hours(other.start_time, other.end_time),
                },
                code="overlap",
            )


@unit
def rule_save(*, actor, rule: AvailabilityRule | None = None, provider_id=None, **fields):
    """Add or change a weekly rule. Appointments already booked are left where they are; hours
    overlapping another rule of the provider are refused."""
    only_fields(fields, RULE_FIELDS)
    if "type_ids" in fields:
        fields["type_ids"] = _valid_type_ids(actor.clinic_id, fields["type_ids"])
    if rule is None:
        provider = selectors.provider_in_clinic(clinic_id=actor.clinic_id, id=provider_id)
        may_edit_hours_of(actor, provider)
        rule = AvailabilityRule(clinic_id=actor.clinic_id, provider=provider, **fields)
        rule.full_clean()
        _no_overlapping_rule(rule)
        rule.save(force_insert=True)
        audit(actor=actor, action=CREATE, obj=rule)
        return rule
    may_edit_hours_of(actor, rule.provider)
    _no_overlapping_rule(_with(rule, fields))
    changed = model_update(rule, fields=fields, allowed=RULE_FIELDS)
    if changed:
        audit(actor=actor, action=UPDATE, obj=rule, detail=", ".join(changed))
    return rule


@unit
def rule_delete(*, actor, rule: AvailabilityRule) -> None:
    may_edit_hours_of(actor, rule.provider)
    audit(actor=actor, action=DELETE, obj=rule)
    rule.delete()


def _with(instance, fields: dict):
    """An unsaved copy of `instance` with `fields` set: what a change would make of it, to check
    against the others before model_update writes it."""
    candidate = copy.copy(instance)
    for name, value in fields.items():
        setattr(candidate, name, value)
    return candidate


def _still_to_come(exception: AvailabilityException, clinic) -> None:
    """400 for time off or extra hours that are over: they change no slot, and the page, which
    lists what is ahead, would not show them."""
    now = timezone.now().astimezone(selectors.clinic_tz(clinic))
    today = now.date()
    if exception.date < today or (
        exception.date == today and exception.end_time and exception.end_time <= now.time()
    ):
        raise ValidationError(
            {"date": _("This is over: enter time off or extra hours still to come.")}
        )


def _no_overlapping_exception(exception: AvailabilityException) -> None:
    """409 when the provider already has time off or extra hours that day overlapping these
    times (a whole day overlaps everything that day): a duplicate, or a contradiction."""
    start = exception.start_time or datetime.time.min
    end = exception.end_time or datetime.time.max
    if start >= end:
        return  # full_clean says what is wrong with the times
    others = AvailabilityException.objects.filter(
        clinic_id=exception.clinic_id, provider_id=exception.provider_id, date=exception.date
    ).exclude(pk=exception.pk)
    for other in others:
        if (other.start_time or datetime.time.min) < end and start < (
            other.end_time or datetime.time.max
        ):
            raise Conflict(
                _(
                    "%(date)s already has %(kind)s (%(hours)s) overlapping these times. "
                    "Change or remove that first."
                )
                % {
                    "date": date_format(other.date, "D j M Y"),
                    "kind": other.get_kind_display().lower(),
                    "hours": _hours(other.start_time, other.end_time),
                },
                code="overlap",
            )


@unit
def exception_save(
    *, actor, exception: AvailabilityException | None = None, provider_id=None, **fields
):
    """Add or change time off or extra hours: still to come, and overlapping no other exception
    of the provider that day."""
    only_fields(fields, EXCEPTION_FIELDS)
    if exception is None:
        provider = selectors.provider_in_clinic(clinic_id=actor.clinic_id, id=provider_id)
        may_edit_hours_of(actor, provider)
        exception = AvailabilityException(clinic_id=actor.clinic_id, provider=provider, **fields)
        exception.full_clean()
        _still_to_come(exception, actor.clinic)
        _no_overlapping_exception(exception)
        exception.save(force_insert=True)
        audit(actor=actor, action=CREATE, obj=exception)
        return exception
    may_edit_hours_of(actor, exception.provider)
    changed_to = _with(exception, fields)
    if fields.keys() & {"date", "start_time", "end_time"}:  # a note on a past one may change
        _still_to_come(changed_to, actor.clinic)
    _no_overlapping_exception(changed_to)
    changed = model_update(exception, fields=fields, allowed=EXCEPTION_FIELDS)
    if changed:
        audit(actor=actor, action=UPDATE, obj=exception, detail=", ".join(changed))
    return exception


@unit
def exception_delete(*, actor, exception: AvailabilityException) -> None:
    may_edit_hours_of(actor, exception.provider)
    audit(actor=actor, action=DELETE, obj=exception)
    exception.delete()


# --- calendar feeds --------------------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@unit
def feed_create(*, actor) -> tuple[CalendarFeed, str]:
    """A new secret feed of the actor's appointments (a provider's calendar, or a patient's
    own): the feed and its URL, shown once (only a hash of the token is kept)."""
    require(actor, "appointments.feeds")
    patient = None
    if is_patient_user(actor):
        patient = open_record(actor)
        if patient is None:
            raise PermissionDenied(_("Your account is not linked to a patient record."))
        clinic_id = patient.clinic_id
    else:
        clinic_id = actor.clinic_id
    token = secrets.token_urlsafe(32)
    try:
        feed = CalendarFeed.objects.create(
            clinic_id=clinic_id, owner=actor, patient=patient, token_hash=token_hash(token)
        )
    except IntegrityError:  # 256 random bits never repeat; refuse rather than share a feed
        raise Conflict(_("Please try again.")) from None
    audit(actor=actor, action=CREATE, obj=feed, patient_id=patient.pk if patient else "")
    return feed, f"{settings.SITE_URL}/calendar/{token}.ics"


@unit
def feed_revoke(*, actor, feed: CalendarFeed) -> None:
    require(actor, "appointments.feeds")
    audit(actor=actor, action=DELETE, obj=feed, patient_id=feed.patient_id or "")
    feed.delete()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed of a token (None for unknown or revoked ones); its use is recorded."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("owner", "clinic", "patient")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if feed is None or not can(feed.owner, "appointments.feeds"):
        return None  # unknown, revoked, or its owner has left or changed role
    if feed.patient_id is not None and feed.patient.is_archived:
        return None  # an archived record is closed to its patient
    if feed.patient_id is None and feed.owner.clinic_id != feed.clinic_id:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed
