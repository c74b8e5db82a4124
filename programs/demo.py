"""Demo programmes for `seed_demo` (and the benchmark): patients enrolled some days ago with a
plausible history — most tasks done on time, some skipped or missed, readings around target
with a few off it. Rows are built in memory and written in bulk (one insert per few hundred
rows), with each enrolment's "create" audit row as `enroll` writes it, so `manage.py reconcile`
finds every enrolment audited and with its tasks. 10,000 enrolments with 90 days of tasks each
take minutes, not hours."""

import datetime
import json
import random

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_created_in_bulk
from core.models import new_id
from core.reconcile import SEEDED
from core.roles import Role
from core.services import pages
from patients.models import Patient
from programs import schedule, services
from programs.catalogue import MEASURES
from programs.models import Enrollment, Measurement, ProgramTemplate, Step, Task

DEFAULT_ENROLMENTS = 20
DEFAULT_DAYS = 30
CHUNK = 200  # enrolments built and written together
BATCH = 500  # rows per insert on MongoDB


def _values(step, rng) -> list[dict]:
    values = []
    for component in MEASURES[step.measure].components:
        target = (step.targets or {}).get(component.code) or {}
        middle = target.get("high") or (component.low + component.high) / 4
        value = round(rng.gauss(middle * 0.97, middle * 0.08))
        values.append({"code": component.code, "value": max(int(component.low), value),
                       "unit": component.unit})  # fmt: skip
    return values


def _history(enrollment, steps, today, rng, zone):
    """The enrolment's tasks and measurements as rows ({attname: value}), with a history."""
    tasks, measurements = [], []
    diligence = rng.choice([0.95, 0.85, 0.7, 0.45])
    for row in schedule.task_rows(enrollment, steps):
        step, due = row["step"], row["due_date"]
        task = {
            "id": new_id(), "clinic_id": enrollment.clinic_id,
            "patient_id": enrollment.patient_id, "enrollment_id": enrollment.pk,
            "step_id": step.pk, "day": row["day"], "kind": step.kind, "due_date": due,
            "status": Task.Status.DUE, "completed_at": None, "on_time": False, "values": [],
            "answers": {},
        }  # fmt: skip
        if due < today or (due == today and rng.random() < 0.5):
            roll = rng.random()
            if roll < diligence:
                done_at = min(  # today's, never later than now (it showed the evening ahead)
                    datetime.datetime.combine(
                        due, datetime.time(8 + rng.randrange(12), rng.randrange(60)), tzinfo=zone
                    ),
                    timezone.now(),
                )
                task.update(status=Task.Status.DONE, completed_at=done_at, on_time=True)
                if step.kind == Step.Kind.MEASUREMENT:
                    task["values"] = _values(step, rng)
                    measurements += [
                        {"id": new_id(), "clinic_id": task["clinic_id"],
                         "patient_id": task["patient_id"], "enrollment_id": enrollment.pk,
                         "task_id": task["id"], "measured_at": done_at, "alert": False,
                         "off_target": services._off_target(step, item["code"], item["value"]),
                         **item}
                        for item in task["values"]
                    ]  # fmt: skip
                elif step.kind == Step.Kind.CHECK_IN:
                    task["answers"] = {"medication": rng.random() < 0.9,
                                       "feeling": rng.randint(2, 5), "notes": ""}  # fmt: skip
            elif roll < diligence + 0.05:
                task["status"] = Task.Status.SKIPPED
            elif due < today:
                task["status"] = Task.Status.MISSED
        tasks.append(task)
    return tasks, measurements


def seed_enrollments(*, clinic, users, count: int, days: int = DEFAULT_DAYS, seed: int = 14,
                     stdout=None) -> int:  # fmt: skip
    """Enrol up to `count` patients without an open enrolment, `days` ago, with history."""
    services.clinic_setup(clinic=clinic)
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    templates = list(
        ProgramTemplate.objects.filter(clinic=clinic, status=ProgramTemplate.Status.PUBLISHED)
    )
    if not templates or count <= 0:
        return 0
    steps = {t.pk: list(t.steps.all()) for t in templates}
    managers = [u for role in (Role.CLINICIAN, Role.NURSE) if (u := users.get(role))]
    enrolled = Enrollment.objects.filter(
        clinic=clinic, state__in=[Enrollment.State.ACTIVE, Enrollment.State.PAUSED]
    ).values_list("patient_id", flat=True)
    taken = set(enrolled)
    candidates = (
        Patient.objects.filter(clinic=clinic)
        .filter(Q(is_archived__in=[False]))
        .values_list("pk", flat=True)
    )
    today = schedule.local_today(clinic)
    made = 0
    batch = []
    for patient_id in (pk for page in pages(candidates, 2000) for pk in page):
        if made >= count:
            break
        if patient_id in taken:
            continue
        template = rng.choice(templates)
        start = today - datetime.timedelta(days)
        enrollment = Enrollment(
            clinic=clinic,
            patient_id=patient_id,
            template=template,
            care_manager=rng.choice(managers) if managers else None,
            start_date=start,
            end_date=start + datetime.timedelta(template.duration_days - 1),
            active_key=f"{patient_id}:{template.lineage}",
            reminder_hour=rng.choice([7, 8, 9, 19]),
        )
        batch.append(enrollment)
        made += 1
        if len(batch) >= CHUNK:
            _write(batch, steps, today, rng)
            batch = []
    if batch:
        _write(batch, steps, today, rng)
    if made and connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:  # the planner learns the new sizes (index order)
            for table in (Enrollment, Task, Measurement):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table._meta.db_table)}")
    if stdout is not None and made:
        stdout.write(f"programs: {made} enrolments with {days} days of history")
    return made


def _write(enrollments, steps, today, rng) -> None:
    tasks, measurements = [], []
    zone = schedule.clinic_zone(enrollments[0].clinic)
    for enrollment in enrollments:
        t, m = _history(enrollment, steps[enrollment.template_id], today, rng, zone)
        tasks += t
        measurements += m
        done = [x["completed_at"] for x in t if x["completed_at"]]
        enrollment.last_activity_at = max(done) if done else None
        enrollment.adherence = services.adherence_from(
            [(x["due_date"], x["status"], x["on_time"]) for x in t], today
        )
        enrollment.adherence_on = today
        latest = {}
        for x in sorted(m, key=lambda x: x["measured_at"]):
            latest[x["code"]] = x
        enrollment.off_target = any(x["off_target"] for x in latest.values())
    Enrollment.objects.bulk_create(enrollments)
    _insert(Task, tasks)
    _insert(Measurement, measurements)
    audit_created_in_bulk(
        object_type=Enrollment._meta.label,
        rows=[(e.pk, e.clinic_id, e.patient_id) for e in enrollments],
        detail=SEEDED,
    )


def _sqlite_value(field):
    """How a value of `field` goes into an SQLite row (the few types the rows hold)."""
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return lambda v: None if v is None else connection.ops.adapt_datetimefield_value(v)
    if kind == "DateField":
        return lambda v: None if v is None else v.isoformat()
    if kind == "JSONField":
        return json.dumps
    return lambda v: v


def _insert(model, rows: list[dict]) -> None:
    """Insert rows given as {attname: value}. SQLite: one executemany of plain tuples (building
    a million model instances costs more than writing them); other backends (MongoDB: one
    insert_many per batch, small enough to finish well inside a time-out): bulk_create."""
    if not rows:
        return
    if connection.vendor != "sqlite":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return
    now = timezone.now()
    columns = []
    for field in model._meta.concrete_fields:
        convert = _sqlite_value(field)
        stamp = field.attname in ("created_at", "updated_at")
        columns.append((field.attname, convert, convert(now if stamp else field.get_default())))
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields),
        ", ".join(["%s"] * len(columns)),
    )
    values = [
        tuple(convert(row[name]) if name in row else default for name, convert, default in columns)
        for row in rows
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, values)


def add_arguments(parser):
    parser.add_argument(
        "--program-enrolments",
        type=int,
        default=DEFAULT_ENROLMENTS,
        metavar="N",
        help=f"Enrol up to N demo patients in a care programme, with their task history "
        f"(default {DEFAULT_ENROLMENTS}; 0 adds none). Never enrols a patient twice.",
    )
    parser.add_argument(
        "--program-days",
        type=int,
        default=DEFAULT_DAYS,
        metavar="D",
        help=f"How many days ago those enrolments started (default {DEFAULT_DAYS}).",
    )


def seed(*, clinic, users, options, stdout):
    count = options.get("program_enrolments")
    seed_enrollments(
        clinic=clinic,
        users=users,
        count=DEFAULT_ENROLMENTS if count is None else count,
        days=options.get("program_days") or DEFAULT_DAYS,
        stdout=stdout,
    )
