"""Programme test data, written through the services (tasks, audit and flags as in use)."""

import datetime

from django.utils import timezone

from accounts.models import AuditEvent
from appointments.services import types_install
from programs import schedule, services
from programs.models import ProgramTemplate

HYPERTENSION = "Hypertension — 12 weeks"
DIABETES = "Type 2 diabetes — 12 weeks"


def install(clinic) -> None:
    """A new clinic's programmes, and the appointment types their visits book."""
    types_install(clinic=clinic)
    services.clinic_setup(clinic=clinic)


def published(clinic, name=HYPERTENSION) -> ProgramTemplate:
    return ProgramTemplate.objects.get(
        clinic=clinic, name=name, status=ProgramTemplate.Status.PUBLISHED
    )


def today(clinic) -> datetime.date:
    return schedule.local_today(clinic)


def enrol(actor, patient, *, start=None, name=HYPERTENSION, days_ago=0, **kwargs):
    """`patient` enrolled by `actor` (a clinician or nurse), starting `days_ago` days ago."""
    start = start or today(patient.clinic) - datetime.timedelta(days_ago)
    return services.enroll(
        actor=actor,
        template=published(patient.clinic, name),
        patient=patient,
        start_date=start,
        **kwargs,
    )


def bp_task(enrollment, day=0):
    return enrollment.tasks.select_related("step", "enrollment__clinic").get(
        kind="measurement", day=day
    )


def bp(systolic, diastolic=80, unit="mm[Hg]"):
    return [
        {"code": "8480-6", "value": systolic, "unit": unit},
        {"code": "8462-4", "value": diastolic, "unit": unit},
    ]


def audit_mark() -> set:
    return set(AuditEvent.objects.values_list("pk", flat=True))


def audit_rows_since(mark):
    return AuditEvent.objects.exclude(pk__in=list(mark))


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).astimezone(datetime.UTC)


def frozen(monkeypatch, moment: datetime.datetime) -> None:
    """The services' clock (timezone.now) reads `moment`."""
    monkeypatch.setattr(timezone, "now", lambda: moment)
