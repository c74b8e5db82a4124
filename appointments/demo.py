"""Demo appointments for `manage.py seed_demo` (`--appointments N`, default 40).

The demo clinician and nurse get weekday hours (09:00-17:00, the clinic's time) and the clinic
its default types; then about a third of N appointments lie in the past weeks (mostly completed,
a few no-shows and cancellations, written directly: the past cannot be booked) and the rest in
the next two weeks, booked through the service (so they hold their time like any booking).
A clinic that already has appointments gets none: running it again creates nothing.
"""

import datetime
import random

from django.utils import timezone

from appointments import claims, selectors, services
from appointments.models import (
    Appointment,
    AppointmentType,
    AvailabilityRule,
    Status,
)
from core.roles import Role
from patients.models import Patient

DEFAULT_APPOINTMENTS = 40
SEED = "health-passport-demo-appointments"
REASONS = ["", "Annual review", "Follow-up of blood pressure", "Vaccination", "Back pain", ""]


def add_arguments(parser):
    parser.add_argument(
        "--appointments",
        type=int,
        default=DEFAULT_APPOINTMENTS,
        help="Demo appointments, past and future (default %(default)s; 0 for none).",
    )


def _hours(clinic, provider):
    if AvailabilityRule.objects.filter(provider=provider).exists():
        return
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            clinic=clinic,
            provider=provider,
            weekday=weekday,
            start_time=datetime.time(9),
            end_time=datetime.time(17),
            location="Room 1" if provider.role == Role.CLINICIAN else "Treatment room",
        )
        for weekday in range(5)
    )


def seed(*, clinic, users, options, stdout):
    total = options.get("appointments", DEFAULT_APPOINTMENTS)
    services.types_install(clinic=clinic)
    providers = [users[Role.CLINICIAN], users[Role.NURSE]]
    for provider in providers:
        _hours(clinic, provider)
    if not total or Appointment.objects.filter(clinic=clinic).exists():
        return
    patients = list(Patient.objects.filter(clinic=clinic, is_archived=False).order_by("id")[:200])
    if not patients:
        return
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    types = list(AppointmentType.objects.filter(clinic=clinic, telehealth=False))
    tz = selectors.clinic_tz(clinic)
    today = timezone.now().astimezone(tz).date()
    past = _past(clinic, patients, providers, types, tz, today, rng, total // 3)
    future = _future(clinic, users, patients, providers, types, today, rng, total - past)
    stdout.write(f"Appointments: {past} past and {future} upcoming for {clinic.name}.")


def _past(clinic, patients, providers, types, tz, today, rng, count) -> int:
    rows = []
    for i in range(count):
        day = today - datetime.timedelta(days=1 + i % 20)
        if day.weekday() >= 5:
            continue
        kind = types[i % len(types)]
        start = datetime.datetime.combine(day, datetime.time(9), tzinfo=tz) + datetime.timedelta(
            minutes=60 * (i % 7)
        )
        status = rng.choices(
            [Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED], weights=[85, 7, 8]
        )[0]
        rows.append(
            Appointment(
                clinic=clinic,
                patient=patients[i % len(patients)],
                provider=providers[i % len(providers)],
                type=kind,
                start=start,
                end=start + kind.duration,
                busy_until=start + kind.duration + kind.buffer,
                status=status,
                reason=rng.choice(REASONS),
                cancel_reason="Patient unwell" if status == Status.CANCELLED else "",
            )
        )
    Appointment.objects.bulk_create(rows)
    return len(rows)


def _future(clinic, users, patients, providers, types, today, rng, count) -> int:
    booked = 0
    desk = users[Role.RECEPTIONIST]
    for i in range(count * 3):
        if booked >= count:
            break
        kind = types[i % len(types)]
        provider = providers[i % len(providers)]
        day = today + datetime.timedelta(days=1 + (i // 4) % 14)
        slots = selectors.slot_list(
            actor=desk, clinic=clinic, type_id=kind.pk, start=day, end=day, provider=provider.pk
        )
        if not slots:
            continue
        slot = rng.choice(slots)
        try:
            services.appointment_book(
                actor=desk,
                patient=patients[(i * 7) % len(patients)],
                provider_id=provider.pk,
                type_id=kind.pk,
                start=slot.start,
                reason=rng.choice(REASONS),
            )
        except claims.Clash:
            continue
        booked += 1
    return booked
