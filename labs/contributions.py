"""What the labs app adds to the rest: the starter catalogue of every new clinic, the patient
page's labs panel, the staff home's "Results to review", and the demo lab history."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import is_patient_user
from core.contributions import (
    AppPage,
    ChartFact,
    ChartSource,
    ClinicHook,
    FhirResources,
    NotificationEvent,
    Panel,
    PatientRecords,
    Reconciled,
    RecordPage,
    Seeder,
    Service,
    Widget,
    contribute,
)
from core.roles import Role, can
from labs import demo, fhir, selectors, services
from labs.models import CRITICAL_FLAGS, LabResult

# The newest results a summary or note draft considers (trends need a few of each test).
CHART_RESULTS = 300
# The patient's results page in their app: the one page for all of a patient's results.
APP_PAGE = AppPage(
    route="api-patient-labs", target="lab_results", path="/labs", trailing_slash=False
)


# --- notification events (raised by services.result_create / result_correct) ----------------------
def _is_critical(result) -> bool:
    return result.flag in CRITICAL_FLAGS


def _is_released(result) -> bool:
    return result.status in (LabResult.Status.FINAL, LabResult.Status.CORRECTED)


def _clinicians(result):
    return User.objects.filter(clinic_id=result.clinic_id, role=Role.CLINICIAN, is_active=True)


def _ordering_clinician(result):
    """Whoever ordered the test; with no order (an outside result), every clinician."""
    ordered_by = result.order.ordered_by if result.order_id else None
    return [ordered_by] if ordered_by is not None else _clinicians(result)


def _patient_user(result):
    return [result.patient.user] if result.patient.user_id else []


def _result_link(result, user) -> str:
    if user.role == Role.PATIENT:
        return APP_PAGE.api_link(result.patient_id)
    return reverse("labs:result_detail", args=[result.pk])


# --- AI assist: results as chart facts, and one result for a plain-language explanation ----------
def _result_data(result) -> dict:
    return {
        "test": result.test.name,
        "loinc": result.test.loinc_code,
        "value": str(result.written_number) if result.value_numeric is not None else "",
        "display_value": result.display_value,
        "unit": result.unit,
        "flag": result.flag,
        "abnormal": result.is_abnormal,
        "low": str(result.reference_low) if result.reference_low is not None else "",
        "high": str(result.reference_high) if result.reference_high is not None else "",
        "reference_text": result.reference_text,
        "status": result.status,
    }


def chart_facts(*, actor, patient, since=None) -> list[ChartFact]:
    """The patient's newest results (value, flag, range, date) for AI summaries and drafts; read
    as part of the caller's audited read of the patient."""
    if not can(actor, "labs.view"):
        return []
    results = selectors.result_list(actor=actor, patient_id=patient.pk)
    if since is not None:
        results = results.filter(collected_at__gte=since)
    facts = []
    for result in results[:CHART_RESULTS]:
        flag = f" ({result.get_flag_display().lower()})" if result.is_abnormal else ""
        # The day stays ISO 8601: ai_assist.redaction shifts only such dates before facts leave
        # for an external provider.
        text = gettext("%(test)s %(value)s%(flag)s on %(day)s") % {
            "test": result.test.name,
            "value": result.display_value,
            "flag": flag,
            "day": timezone.localdate(result.collected_at).isoformat(),
        }
        facts.append(
            ChartFact(
                section="results",
                text=text,
                type="labs.result",
                id=str(result.pk),
                url=reverse("labs:result_detail", args=[result.pk]),
                at=result.collected_at,
                data=_result_data(result),
            )
        )
    return facts


def result_for_explain(*, actor, id: str, permission: str) -> dict:
    """One result the actor may read (404 out of reach, 403 by `permission`), audited, as plain
    data: a patient reaches only their own final and corrected results."""
    result = selectors.result_get(actor=actor, id=id, permission=permission)
    return {
        "id": str(result.pk),
        "patient_id": str(result.patient_id),
        "clinic_id": str(result.clinic_id),
        "collected_at": result.collected_at,
        "final": result.status in (LabResult.Status.FINAL, LabResult.Status.CORRECTED),
        "communicated": result.critical_communicated_at is not None,
        "url": reverse("labs:result_detail", args=[result.pk]),
        # What a patient's app opens for it (their results page), for a patient's citation.
        "patient_url": APP_PAGE.api_link(result.patient_id),
        **_result_data(result),
    }


def fhir_resources(*, actor, patient) -> list[dict]:
    """The patient's results as Observations and, for lab staff, each order as a
    DiagnosticReport pointing at them (the bundle holds each Observation once, so the report
    references it instead of containing a copy). A patient user gets their final results."""
    if not can(actor, selectors.RESULT_READ):
        return []
    results = list(selectors.result_list(actor=actor, patient_id=patient.pk))
    for_patient = is_patient_user(actor)
    resources = [fhir.observation(result, for_patient=for_patient) for result in results]
    if not can(actor, "labs.view"):
        return resources
    by_order: dict = {}
    for result in reversed(results):  # oldest first within each order
        by_order.setdefault(result.order_id, []).append(result)
    for order in selectors.order_list(actor=actor, patient_id=patient.pk):
        order_results = by_order.get(order.pk, [])
        report = fhir.diagnostic_report(order, order_results)
        report.pop("contained", None)
        if order_results:
            report["result"] = [
                {"reference": f"Observation/{result.pk}", "display": result.test.name}
                for result in order_results
            ]
        resources.append(report)
    return resources


contribute(
    "labs",
    RecordPage(model="labs.LabOrder", url_name="labs:order_detail"),
    RecordPage(model="labs.LabResult", url_name="labs:result_detail"),
    APP_PAGE,
    Reconciled(model="labs.LabOrder", children=("items",)),
    Reconciled(model="labs.LabResult"),
    ChartSource(key="labs", facts=chart_facts, order=30),
    FhirResources(key="labs", resources=fhir_resources, order=30),
    Service(key="labs.result_for_explain", call=result_for_explain),
    PatientRecords(key="labs", models=("labs.LabOrder", "labs.LabResult")),
    ClinicHook(key="labs.catalogue", setup=services.catalogue_install),
    Panel(
        key="labs",
        title=_("Lab results"),
        template="labs/panels/labs.html",
        permission="labs.view",
        order=30,
        context=selectors.patient_panel,
    ),
    Widget(
        key="labs_worklist",
        template="labs/widgets/worklist.html",
        permission="labs.worklist",
        order=15,
        context=selectors.worklist_widget,
    ),
    Widget(
        key="labs_review",
        template="labs/widgets/review.html",
        permission="labs.review",
        order=20,
        context=selectors.review_widget,
    ),
    Seeder(key="labs", add_arguments=demo.add_arguments, seed=demo.seed, order=30),
    NotificationEvent(
        key="labs.critical_result",
        label=_("Critical lab result"),
        description=_("A result beyond a critical limit, for the clinician who ordered it."),
        default_channels=("in_app", "email", "push"),
        mandatory_channels=("in_app",),
        audience=(Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.LAB_TECH),
        applies=_is_critical,
        recipients=_ordering_clinician,
        link=_result_link,
        escalate_to_role=Role.CLINICIAN,
        order=10,
    ),
    NotificationEvent(
        key="labs.result_ready",
        label=_("New lab result"),
        description=_("A final or corrected result in the patient's record."),
        default_channels=("in_app", "email", "push"),
        audience=(Role.PATIENT,),
        applies=_is_released,
        recipients=_patient_user,
        link=_result_link,
        order=20,
    ),
)
