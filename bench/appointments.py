"""Benchmark the appointment reads at a busy clinic (in-process server time, stdlib only).

    .venv/bin/python -m bench.appointments                  # 50 providers, 1 year
    .venv/bin/python -m bench.appointments --providers 10 --requests 20   # a quick look

Prepares its own SQLite file (bench/results/appointments.sqlite3; `--db`): migrate, then one
clinic (Europe/London) with `--providers` providers working 08:00-18:00 on weekdays, a year of
appointments (six months back, six ahead, 14 a day each: about 3,600 per provider), and one
extra provider with 10-minute slots 07:00-21:00 every day holding 2,000 appointments in the
coming month. Then it measures, through Django's test client (the whole request: middleware,
session, JWT, queries, JSON or HTML), with DEBUG off:

- `GET /api/v1/appointments/slots/` for that provider over the month (2,000 appointments);
- the same for "any provider" over one week (every provider's rules and appointments);
- the week calendar `/appointments/?view=week` of the whole clinic, and of one provider.

It prints the median wall-clock and CPU time and the query count of each, and writes
bench/results/latest-appointments.md.
"""

import argparse
import datetime
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(db: Path) -> None:
    os.environ.update(
        {
            "ENV_FILE": "",
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": f"sqlite:///{db}",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": "bench/results/static",
            "DJANGO_SETTINGS_MODULE": "health_passport.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(providers_count: int) -> dict:
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from appointments import services
    from appointments.models import Appointment, AppointmentType, AvailabilityRule
    from clinics.models import Clinic
    from core.reconcile import audit_seeded, seeding_mark
    from core.roles import Role
    from patients.models import Patient

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    clinic, created = Clinic.objects.get_or_create(
        slug="bench-appointments", defaults={"name": "Bench Clinic", "timezone": "Europe/London"}
    )
    services.types_install(clinic=clinic)
    desk = User.objects.filter(clinic=clinic, role=Role.RECEPTIONIST).first()
    if desk is not None:
        busy = User.objects.get(clinic=clinic, email="busy@bench.clinic")
        return {"clinic": clinic, "desk": desk, "busy": busy}
    mark = seeding_mark()
    desk = User.objects.create_user(
        "desk@bench.clinic", "x", name="Desk", role=Role.RECEPTIONIST, clinic=clinic
    )
    providers = [
        User(
            email=f"p{i}@bench.clinic", name=f"Provider {i:02d}", role=Role.CLINICIAN, clinic=clinic
        )
        for i in range(providers_count)
    ]
    busy = User(email="busy@bench.clinic", name="Busy Provider", role=Role.CLINICIAN, clinic=clinic)
    User.objects.bulk_create([*providers, busy])
    patients = Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            first_name=f"P{i}",
            last_name=f"Bench{i}",
            mrn=f"B{i:06d}",
            date_of_birth=datetime.date(1980, 1, 1),
            sex="female",
        )
        for i in range(2000)
    )
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            clinic=clinic,
            provider=p,
            weekday=d,
            start_time=datetime.time(8),
            end_time=datetime.time(18),
        )
        for p in providers
        for d in range(5)
    )
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            clinic=clinic,
            provider=busy,
            weekday=d,
            start_time=datetime.time(7),
            end_time=datetime.time(21),
        )
        for d in range(7)
    )
    follow_up = AppointmentType.objects.get(clinic=clinic, name="Follow-up")
    quick = AppointmentType.objects.create(clinic=clinic, name="Quick", duration_minutes=10)
    tz = __import__("zoneinfo").ZoneInfo(clinic.timezone)
    today = timezone.now().astimezone(tz).date()
    rows, n = [], 0
    for p in providers:
        for offset in range(-182, 183):
            day = today + datetime.timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for k in range(14):
                start = datetime.datetime.combine(day, datetime.time(8), tzinfo=tz)
                start += datetime.timedelta(minutes=40 * k)
                rows.append(
                    Appointment(
                        clinic=clinic,
                        patient=patients[n % 2000],
                        provider=p,
                        type=follow_up,
                        start=start,
                        end=start + follow_up.duration,
                        busy_until=start + follow_up.duration,
                        status="completed" if offset < 0 else "booked",
                    )
                )
                n += 1
            if len(rows) >= 20000:
                Appointment.objects.bulk_create(rows, batch_size=2000)
                rows = []
    month = [today + datetime.timedelta(days=d) for d in range(1, 31)]
    starts = [
        datetime.datetime.combine(day, datetime.time(7), tzinfo=tz)
        + datetime.timedelta(minutes=10 * k)
        for day in month
        for k in range(84)
    ]
    for start in [s for i, s in enumerate(starts) if i % 5 != 4][:2000]:
        rows.append(
            Appointment(
                clinic=clinic,
                patient=patients[n % 2000],
                provider=busy,
                type=quick,
                start=start,
                end=start + quick.duration,
                busy_until=start + quick.duration,
            )
        )
        n += 1
    Appointment.objects.bulk_create(rows, batch_size=2000)
    audit_seeded(mark=mark, clinic_id=clinic.pk)  # their create audit rows: reconcile stays quiet
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"clinic": clinic, "desk": desk, "busy": busy}


def measure(client, url, requests: int) -> dict:
    """Wall-clock and CPU time of the whole request (in this process: CPU time is the server's
    work, and moves much less than wall time when the machine is shared), and its queries."""
    from django.db import connection

    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: (queries.append(sql), execute(sql, *args))[1]
    ):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    wall, cpu = [], []
    for _ in range(requests):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - begin) * 1000)
        cpu.append((time.process_time() - begin_cpu) * 1000)
    return {
        "median": statistics.median(wall),
        "cpu": statistics.median(cpu),
        "queries": len(queries),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", type=Path, default=RESULTS / "appointments.sqlite3")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    setup_django(args.db)
    begin = time.perf_counter()
    world = seed(args.providers)
    print(f"seeded in {time.perf_counter() - begin:.1f}s")
    from django.test import Client
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from appointments.models import Appointment, AppointmentType

    clinic, desk, busy = world["clinic"], world["desk"], world["busy"]
    html = Client()
    html.force_login(desk)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(desk)}")
    quick = AppointmentType.objects.get(clinic=clinic, name="Quick")
    follow_up = AppointmentType.objects.get(clinic=clinic, name="Follow-up")
    today = timezone.now().date()
    month_end = today + datetime.timedelta(days=30)
    week_end = today + datetime.timedelta(days=6)
    busy_month = Appointment.objects.filter(
        provider=busy, start__date__gt=today, start__date__lte=month_end
    ).count()
    scenarios = [
        (
            f"slots, 1 provider, 30 days ({busy_month} appointments)",
            f"/api/v1/appointments/slots/?type={quick.pk}&provider={busy.pk}"
            f"&start={today + datetime.timedelta(days=1)}&end={month_end}",
        ),
        (
            "slots, any provider, 7 days",
            f"/api/v1/appointments/slots/?type={follow_up.pk}&start={today}&end={week_end}",
        ),
        ("week calendar, whole clinic", f"/appointments/?view=week&date={today}"),
        (
            "week calendar, one provider",
            f"/appointments/?view=week&date={today}&provider={busy.pk}",
        ),
    ]
    total = Appointment.objects.filter(clinic=clinic).count()
    lines = [
        f"# Appointments benchmark ({args.providers} providers, {total:,} appointments)",
        "",
        f"Load average at the start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores).",
        "",
        "| scenario | median wall ms | median CPU ms | queries | bytes |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, url in scenarios:
        client = api if url.startswith("/api/") else html
        result = measure(client, url, args.requests)
        lines.append(
            f"| {label} | {result['median']:.1f} | {result['cpu']:.1f} | {result['queries']} "
            f"| {result['bytes']:,} |"
        )
    report = "\n".join(lines)
    print(report)
    (RESULTS / "latest-appointments.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
