"""Lab test data, written the way the app writes it: the starter catalogue from the service,
patients through patients.services, results and orders through labs.services."""

import datetime

from django.utils import timezone

from accounts.models import AuditEvent
from core.roles import Role
from labs import services
from labs.models import LabPanel, LabTest
from patients.models import Patient
from patients.services import patient_create
from tests.factories import UserFactory

GLUCOSE = "2345-7"  # mg/dL, 70–99, critical 40 / 500
HEMOGLOBIN = "718-7"  # g/dL, female and male ranges
HIV = "56888-1"  # positive / negative
POTASSIUM = "2823-3"  # mmol/L, 3.5–5.1, critical 2.8 / 6.2


def install_catalogue(clinic) -> dict[str, LabTest]:
    """The clinic's catalogue (installing the starter one when missing), by LOINC code."""
    if not LabTest.objects.filter(clinic=clinic).exists():
        services.catalogue_install(clinic=clinic)
    tests = LabTest.objects.filter(clinic=clinic).prefetch_related("ranges")
    return {t.loinc_code: t for t in tests}


def panel(clinic, name_part: str) -> LabPanel:
    return LabPanel.objects.filter(clinic=clinic, name__icontains=name_part).first()


def make_patient(clinic, *, actor=None, sex="female", born=datetime.date(1980, 5, 17), **fields):
    actor = actor or _saved_writer(clinic)
    fields.setdefault("first_name", "Ada")
    fields.setdefault("last_name", "Lovelace")
    return patient_create(actor=actor, sex=sex, date_of_birth=born, **fields)


def _saved_writer(clinic):
    """A clinic admin (every lab permission) when the test does not say who writes."""
    return UserFactory(clinic=clinic, role=Role.ADMIN)


def make_result(
    patient: Patient,
    test: LabTest,
    value="85",
    *,
    actor=None,
    collected_at=None,
    status="final",
    order=None,
    **fields,
):
    actor = actor or _saved_writer(patient.clinic)
    return services.result_create(
        actor=actor,
        patient=patient,
        test=test,
        value=value,
        collected_at=collected_at or timezone.now() - datetime.timedelta(hours=1),
        status=status,
        order=order,
        **fields,
    )


def make_order(patient: Patient, *, actor=None, tests=(), panels=(), **fields):
    actor = actor or _saved_writer(patient.clinic)
    return services.order_create(actor=actor, patient=patient, tests=tests, panels=panels, **fields)


def days_ago(days: float, hour: int = 9) -> datetime.datetime:
    """`days` before now at `hour` o'clock (UTC), but never in the future, which a result may
    not be: before that hour, today's is a minute ago (the suite ran at 00:10 UTC)."""
    now = timezone.now()
    moment = (now - datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return min(moment, now - datetime.timedelta(minutes=1))


def audit_mark() -> set[str]:
    """The audit rows that exist now (ids, not a time: MongoDB keeps only milliseconds)."""
    return set(AuditEvent.objects.values_list("pk", flat=True))


def audit_rows_since(mark: set[str]):
    return AuditEvent.objects.exclude(pk__in=mark)


def communicate(result, *, actor=None, to="Dr Grey (on call)", method="phone"):
    """Record that a critical value was told to a clinician (so it may be signed off)."""
    actor = actor or _saved_writer(result.clinic)
    return services.critical_communication_record(
        actor=actor, result=result, communicated_to=to, method=method
    )
