"""Reads of lab data, scoped to the actor: staff see their clinic's, patients their own final
results. Reads of results are audited with the patient's id."""

from django.db.models import Case, IntegerField, Prefetch, Q, Value, When

from accounts.models import AuditEvent
from accounts.roles import Role, require
from accounts.services import audit
from clinics.tenancy import get_or_404, scope_to_clinic
from labs.models import (
    CRITICAL_FLAGS,
    Flag,
    LabOrder,
    LabOrderItem,
    LabPanel,
    LabResult,
    LabTest,
    PanelItem,
)
from patients.selectors import patients_in_reach

Action = AuditEvent.Action
PATIENT_VISIBLE_STATUSES = (LabResult.Status.FINAL, LabResult.Status.CORRECTED)


def labtest_list(*, actor, search: str = "", active_only: bool = False):
    require(actor, "labs.view")
    tests = scope_to_clinic(LabTest.objects.all(), actor).prefetch_related("ranges")
    if search:
        tests = tests.filter(Q(name__icontains=search) | Q(loinc_code__startswith=search.strip()))
    if active_only:
        tests = tests.filter(is_active=True)
    return tests


def labtest_get(*, actor, id: str) -> LabTest:
    return get_or_404(labtest_list(actor=actor), id)


def panel_list(*, actor):
    require(actor, "labs.view")
    items = PanelItem.objects.select_related("test").order_by("position")
    return scope_to_clinic(LabPanel.objects.all(), actor).prefetch_related(
        Prefetch("items", queryset=items)
    )


def panel_get(*, actor, id: str) -> LabPanel:
    return get_or_404(panel_list(actor=actor), id)


def order_list(*, actor, patient=None, status: str = ""):
    require(actor, "labs.view")
    orders = scope_to_clinic(LabOrder.objects.all(), actor).select_related("patient", "ordered_by")
    orders = orders.prefetch_related(
        Prefetch("items", queryset=LabOrderItem.objects.select_related("test"))
    )
    if patient is not None:
        orders = orders.filter(patient=patient)
    if status:
        orders = orders.filter(status=status)
    return orders


def order_get(*, actor, id: str) -> LabOrder:
    order = get_or_404(order_list(actor=actor), id)
    audit(actor=actor, action=Action.VIEW, obj=order, patient_id=order.patient_id)
    return order


def results_in_reach(*, actor):
    """Results the actor may read: their clinic's (lab roles) or their own final ones."""
    results = LabResult.objects.select_related("test", "reviewed_by")
    if getattr(actor, "role", None) == Role.PATIENT:
        require(actor, "own_record.view")
        patient_ids = patients_in_reach(actor=actor).values_list("pk", flat=True)
        return results.filter(patient_id__in=list(patient_ids), status__in=PATIENT_VISIBLE_STATUSES)
    require(actor, "labs.view")
    return scope_to_clinic(results, actor)


def result_list(
    *,
    actor,
    patient=None,
    test=None,
    status: str = "",
    flag: str = "",
    collected_from=None,
    collected_to=None,
    audited: bool = True,
):
    results = results_in_reach(actor=actor)
    if patient is not None:
        results = results.filter(patient=patient)
        if audited:
            audit(
                actor=actor, action=Action.VIEW, obj=patient, patient_id=patient.pk, detail="labs"
            )
    if test is not None:
        results = results.filter(test=test)
    if status:
        results = results.filter(status=status)
    if flag:
        results = results.filter(flag=flag)
    if collected_from:
        results = results.filter(collected_at__gte=collected_from)
    if collected_to:
        results = results.filter(collected_at__lte=collected_to)
    return results


def result_get(*, actor, id: str) -> LabResult:
    result = get_or_404(results_in_reach(actor=actor).select_related("patient"), id)
    audit(actor=actor, action=Action.VIEW, obj=result, patient_id=result.patient_id)
    return result


def latest_results(*, actor, patient) -> list[LabResult]:
    """The newest result of each test for this patient (for the patient page's panel)."""
    latest = {}
    for result in result_list(actor=actor, patient=patient, audited=False).order_by(
        "-collected_at"
    ):
        latest.setdefault(result.test_id, result)
    return sorted(latest.values(), key=lambda r: r.test.name)


def trend(*, actor, patient, test) -> list[LabResult]:
    """Every result of one test for one patient, oldest first (charts and tables)."""
    return list(result_list(actor=actor, patient=patient, test=test).order_by("collected_at", "id"))


def review_queue(*, actor):
    """Unreviewed results of the clinic: critical first, then abnormal, then the rest."""
    require(actor, "labs.review")
    severity = Case(
        When(flag__in=CRITICAL_FLAGS, then=Value(0)),
        When(flag__in=[Flag.LOW, Flag.HIGH, Flag.ABNORMAL], then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        scope_to_clinic(LabResult.objects.filter(reviewed_at__isnull=True), actor)
        .exclude(status=LabResult.Status.PRELIMINARY)
        .select_related("test", "patient")
        .annotate(severity=severity)
        .order_by("severity", "-collected_at")
    )
