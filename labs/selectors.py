"""Reads of lab data, scoped to the actor: staff see their clinic's, patients their own final
results. Reads of results are audited with the patient's id."""

from django.db.models import Prefetch, Q

from accounts.models import AuditEvent
from clinics.tenancy import get_or_404, scope_to_clinic
from core.audit import audit, audit_patients_read
from core.roles import Role, require
from labs.models import (
    ABNORMAL_FLAGS,
    CRITICAL_FLAGS,
    LabOrder,
    LabOrderItem,
    LabPanel,
    LabResult,
    LabTest,
    PanelItem,
)
from patients.selectors import patient_list, patients_in_reach

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


def _patients_matching(actor, search: str) -> list[str]:
    """Ids of the actor's patients found by a name/MRN/... search (for lab list filters)."""
    matches = patient_list(actor=actor, search=search, status="all")
    return list(matches.values_list("pk", flat=True)[:500])


def order_list(*, actor, patient=None, status: str = "", search: str = ""):
    """Orders, newest first; `status` "open" means ordered or collected."""
    require(actor, "labs.view")
    orders = scope_to_clinic(LabOrder.objects.all(), actor).select_related("patient", "ordered_by")
    orders = orders.prefetch_related(
        Prefetch("items", queryset=LabOrderItem.objects.select_related("test"))
    )
    if patient is not None:
        orders = orders.filter(patient=patient)
    if status == "open":
        orders = orders.filter(status__in=OPEN_ORDER_STATUSES)
    elif status:
        orders = orders.filter(status=status)
    if search:
        orders = orders.filter(patient_id__in=_patients_matching(actor, search))
    return orders.order_by("-created_at", "-id")


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


LATEST_WINDOW = 500


def latest_results(*, actor, patient) -> list[LabResult]:
    """The newest result of each test for this patient (for the patient page's panel).

    One query over the patient's newest LATEST_WINDOW results (index result_patient_time), so
    a patient with years of history costs the same as one with a single result; tests last
    measured before that window are on the trend pages, not in this panel.
    """
    latest = {}
    newest = result_list(actor=actor, patient=patient, audited=False).order_by("-collected_at")
    for result in newest[:LATEST_WINDOW]:
        latest.setdefault(result.test_id, result)
    return sorted(latest.values(), key=lambda r: r.test.name)


def trend(*, actor, patient, test) -> list[LabResult]:
    """Every result of one test for one patient, oldest first (charts and tables)."""
    return list(result_list(actor=actor, patient=patient, test=test).order_by("collected_at", "id"))


def review_queue(*, actor):
    """Unreviewed results of the clinic: critical first, then abnormal, then the rest."""
    require(actor, "labs.review")
    return (
        scope_to_clinic(LabResult.objects.filter(review_priority__isnull=False), actor)
        .select_related("test", "patient")
        .order_by("review_priority", "-collected_at")
    )


# --- for the staff HTML (panel, home widget, pages that write) ---------------------------------
OPEN_ORDER_STATUSES = (LabOrder.Status.ORDERED, LabOrder.Status.COLLECTED)


def patient_panel(*, actor, patient) -> dict:
    """The patient page's labs panel: latest result per test and the open orders.

    Part of the page's one audited view, so nothing here writes an audit row; a constant
    number of queries however many results the patient has.
    """
    orders = order_list(actor=actor, patient=patient).filter(status__in=OPEN_ORDER_STATUSES)
    return {
        "latest_results": latest_results(actor=actor, patient=patient),
        "open_orders": list(orders[:20]),
    }


def review_queue_for(*, actor, mine: bool = False, severity: str = "", search: str = ""):
    """The review queue; `mine` keeps results of the actor's own orders and outside results,
    `severity` "critical" or "abnormal" narrows it, `search` finds patients."""
    queue = review_queue(actor=actor)
    if mine:
        queue = queue.filter(Q(order__isnull=True) | Q(order__ordered_by=actor))
    if severity == "critical":
        queue = queue.filter(flag__in=CRITICAL_FLAGS)
    elif severity == "abnormal":
        queue = queue.filter(flag__in=ABNORMAL_FLAGS)
    if search:
        queue = queue.filter(patient_id__in=_patients_matching(actor, search))
    return queue


def review_widget(*, actor, limit: int = 8) -> dict:
    """The staff home's "Results to review": critical first, then abnormal. One query: the
    first `limit` results, and whether there are more (unaudited, like the page's headers)."""
    mine = actor.role == Role.CLINICIAN
    results = list(review_queue_for(actor=actor, mine=mine)[: limit + 1])
    more = len(results) > limit
    results = results[:limit]
    critical = sum(1 for r in results if r.flag in CRITICAL_FLAGS)
    return {
        "results": results,
        "more": more,
        "critical": critical,
        "critical_more": more and critical == len(results),
        "mine": mine,
    }


# --- Added for the API ---------------------------------------------------------------------------
def require_results_reader(actor) -> None:
    """403 unless the actor may read some results: lab roles, or a patient (their own)."""
    if getattr(actor, "role", None) == Role.PATIENT:
        require(actor, "own_record.view")
    else:
        require(actor, "labs.view")


def order_for_update(*, actor, id: str) -> LabOrder:
    """The order a write is about: in reach or 404, no separate "view" row (the write is)."""
    return get_or_404(order_list(actor=actor), id)


def result_for_update(*, actor, id: str) -> LabResult:
    """The result a write is about: in reach or 404, no separate 'view' row."""
    return get_or_404(
        results_in_reach(actor=actor).select_related("patient", "test", "entered_by"), id
    )


def result_history(*, result: LabResult) -> list:
    """A result's earlier values (replaced by corrections), newest first."""
    return list(result.revisions.select_related("changed_by").order_by("-created_at", "-id"))


def result_export(*, actor, id: str, detail: str = "FHIR Observation") -> LabResult:
    """One result for export, audited as an 'export' with the patient's id."""
    result = get_or_404(results_in_reach(actor=actor).select_related("patient"), id)
    audit(
        actor=actor, action=Action.EXPORT, obj=result, patient_id=result.patient_id, detail=detail
    )
    return result


def order_export(*, actor, id: str, detail: str = "FHIR DiagnosticReport"):
    """(order, its results oldest first) for export, audited as an 'export'."""
    order = get_or_404(order_list(actor=actor), id)
    results = list(results_in_reach(actor=actor).filter(order=order).order_by("collected_at", "id"))
    audit(actor=actor, action=Action.EXPORT, obj=order, patient_id=order.patient_id, detail=detail)
    return order, results


def order_results(*, actor, order: LabOrder) -> list[LabResult]:
    """The results of an order (already audited as part of reading the order)."""
    return list(
        results_in_reach(actor=actor)
        .filter(order=order)
        .select_related("patient", "entered_by")
        .order_by("collected_at", "id")
    )


def labtest_for_reader(*, actor, id: str) -> LabTest:
    """A test as a reader of results sees it: lab roles their clinic's catalogue, a patient user
    the catalogue of their own clinic (for the trend of their own results)."""
    if getattr(actor, "role", None) == Role.PATIENT:
        require(actor, "own_record.view")
        clinic_ids = list(patients_in_reach(actor=actor).values_list("clinic_id", flat=True))
        return get_or_404(
            LabTest.objects.filter(clinic_id__in=clinic_ids).prefetch_related("ranges"), id
        )
    return labtest_get(actor=actor, id=id)


def audit_rows_read(*, actor, rows, detail: str = "labs") -> None:
    """One 'view' audit row per patient whose records are on a page of a list, in one write
    (so a page of results costs the same number of queries for 1 patient or 50)."""
    audit_patients_read(actor=actor, patient_ids=[row.patient_id for row in rows], detail=detail)
