"""The appointments benchmark's data, seeded inside Django (`bench/appointments.py` runs it
through `manage.py shell`): a busy clinic's providers and a year of their appointments."""

import datetime
import json
import zoneinfo

from django.db import connection
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment, AppointmentType, AvailabilityRule
from clinics.models import Clinic
from core.reconcile import audit_seeded, seeding_mark
from core.roles import Role
from patients.models import Patient

BUSY_EMAIL = "busy@bench.clinic"
PATIENTS = 2000


def seed(providers: int) -> str:
    """The demo clinic given `providers` clinicians working 08:00-18:00 on weekdays with 14
    appointments a day from six months back to six ahead, and one provider with 10-minute
    slots 07:00-21:00 every day holding 2,000 appointments in the coming month (once: a
    second call finds them). Returns the ids the scenarios need (and a patient to book for),
    as JSON."""
    clinic = Clinic.objects.get(slug="demo-clinic")
    quick, _ = AppointmentType.objects.get_or_create(
        clinic=clinic, name="Quick", defaults={"duration_minutes": 10}
    )
    follow_up = AppointmentType.objects.get(clinic=clinic, name="Follow-up")
    busy = User.objects.filter(email=BUSY_EMAIL).first()
    if busy is None:
        busy = _seed(clinic, providers, follow_up, quick)
    patient = Patient.objects.filter(clinic=clinic).order_by("pk").values_list("pk", flat=True)
    return json.dumps(
        {"busy": busy.pk, "quick": quick.pk, "follow_up": follow_up.pk, "patient": patient[0]}
    )


def _seed(clinic, count, follow_up, quick) -> User:
    mark = seeding_mark()
    providers = User.objects.bulk_create(
        User(
            email=f"p{i}@bench.clinic", name=f"Provider {i:02d}", role=Role.CLINICIAN, clinic=clinic
        )
        for i in range(count)
    )
    busy = User.objects.create(
        email=BUSY_EMAIL, name="Busy Provider", role=Role.CLINICIAN, clinic=clinic
    )
    patients = list(Patient.objects.filter(clinic=clinic).order_by("pk")[:PATIENTS])
    hours = [(p, range(5), 8, 18) for p in providers] + [(busy, range(7), 7, 21)]
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            clinic=clinic,
            provider=provider,
            weekday=weekday,
            start_time=datetime.time(start),
            end_time=datetime.time(end),
        )
        for provider, weekdays, start, end in hours
        for weekday in weekdays
    )
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    today = timezone.now().astimezone(tz).date()
    rows, n = [], 0

    def add(patient, provider, kind, start, status):
        rows.append(
            Appointment(
                clinic=clinic,
                patient=patient,
                provider=provider,
                type=kind,
                start=start,
                end=start + kind.duration,
                busy_until=start + kind.duration,
                status=status,
            )
        )

    for p in providers:
        for offset in range(-182, 183):
            day = today + datetime.timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for k in range(14):
                start = datetime.datetime.combine(day, datetime.time(8), tzinfo=tz)
                start += datetime.timedelta(minutes=40 * k)
                add(
                    patients[n % len(patients)],
                    p,
                    follow_up,
                    start,
                    "completed" if offset < 0 else "booked",
                )
                n += 1
            if len(rows) >= 20000:
                Appointment.objects.bulk_create(rows, batch_size=2000)
                rows.clear()
    month = [today + datetime.timedelta(days=d) for d in range(1, 31)]
    starts = [
        datetime.datetime.combine(day, datetime.time(7), tzinfo=tz)
        + datetime.timedelta(minutes=10 * k)
        for day in month
        for k in range(84)
    ]
    for start in [s for i, s in enumerate(starts) if i % 5 != 4][:2000]:
        add(patients[n % len(patients)], busy, quick, start, "booked")
        n += 1
    Appointment.objects.bulk_create(rows, batch_size=2000)
    audit_seeded(mark=mark, clinic_id=clinic.pk)  # their create audit rows: reconcile stays quiet
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return busy
