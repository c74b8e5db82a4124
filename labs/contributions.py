"""What the labs app adds to the rest: the starter catalogue of every new clinic, the patient
page's labs panel, the staff home's "Results to review", and the demo lab history."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.contributions import (
    ClinicHook,
    NotificationEvent,
    Panel,
    PatientRecords,
    Seeder,
    Widget,
    contribute,
)
from core.roles import Role
from labs import demo, selectors, services
from labs.models import CRITICAL_FLAGS, LabResult


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
        return f"/api/v1/patients/{result.patient_id}/labs"
    return reverse("labs:result_detail", args=[result.pk])


contribute(
    "labs",
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
