"""What the patients app adds to the rest: its patient-page panels, the demo patients, and the
page's fixed parts drawn before gunicorn forks its workers."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.contributions import (
    Backfill,
    ChartFact,
    ChartSource,
    FhirResources,
    NotificationEvent,
    Panel,
    PatientRecords,
    Reconciled,
    Seeder,
    Service,
    Warmer,
    contribute,
)
from core.roles import can
from patients import demo, fhir_clinical, selectors
from patients.fhir import patient_resource
from patients.templatetags.patient_tags import (
    ADD_FIELD_COLUMNS,
    clinical_add_fields,
    vocabulary_datalists,
)


def chart_facts(*, actor, patient, since=None) -> list[ChartFact]:
    """Active problems, current medications and active allergies, for AI summaries and drafts
    (read as part of the caller's audited read of the patient; none for roles that may not).
    Dates stay ISO: ai_assist.redaction shifts ISO dates before facts leave for a provider."""
    if not can(actor, "clinical.view"):
        return []
    summary = selectors.clinical_summary(actor=actor, patient=patient)
    url = reverse("patients:detail", args=[patient.pk])
    facts = []
    for condition in summary["conditions"]:
        if condition.status != "active":
            continue
        onset = (
            " " + _("(since %(date)s)") % {"date": condition.onset_date.isoformat()}
            if condition.onset_date
            else ""
        )
        code = f" [{condition.code}]" if condition.code else ""
        facts.append(
            ChartFact(
                section="problems",
                text=f"{condition.name}{code}{onset}",
                type="patients.condition",
                id=str(condition.pk),
                url=f"{url}#condition-{condition.pk}",
                at=condition.updated_at,
                data={"name": condition.name, "code": condition.code},
            )
        )
    for medication in summary["medications"]:
        if not medication.is_active:
            continue
        how = " ".join(part for part in (medication.dose, medication.frequency) if part)
        facts.append(
            ChartFact(
                section="medications",
                text=f"{medication.name} {how}".strip(),
                type="patients.medication",
                id=str(medication.pk),
                url=f"{url}#medication-{medication.pk}",
                at=medication.updated_at,
                data={"name": medication.name},
            )
        )
    for allergy in summary["allergies"]:
        if allergy.status != "active":
            continue
        reaction = f": {allergy.reaction}" if allergy.reaction else ""
        facts.append(
            ChartFact(
                section="allergies",
                text=_("Allergy to %(substance)s%(reaction)s (%(severity)s)")
                % {
                    "substance": allergy.substance,
                    "reaction": reaction,
                    "severity": allergy.get_severity_display(),
                },
                type="patients.allergy",
                id=str(allergy.pk),
                url=f"{url}#allergy-{allergy.pk}",
                at=allergy.updated_at,
                data={"substance": allergy.substance},
            )
        )
    if since is not None:
        facts = [fact for fact in facts if fact.at >= since]
    return facts


def fhir_resources(*, actor, patient) -> list[dict]:
    """The patient and their clinical summary (allergies, problems, medications), for the
    whole-record export: staff with clinical access, or the patient themselves."""
    if not (can(actor, "clinical.view") or can(actor, "own_record.view")):
        return []
    summary = selectors.clinical_summary(actor=actor, patient=patient)
    return [
        patient_resource(patient),
        *(fhir_clinical.allergy_intolerance(allergy) for allergy in summary["allergies"]),
        *(fhir_clinical.condition(condition) for condition in summary["conditions"]),
        *(fhir_clinical.medication_statement(medication) for medication in summary["medications"]),
    ]


def warm_page_parts() -> None:
    """The patient page's add forms in the active language, and its datalists (~11 ms of a new
    worker's first patient page otherwise)."""
    for kind in ADD_FIELD_COLUMNS:
        clinical_add_fields(kind)
    vocabulary_datalists()


contribute(
    "patients",
    # The patient filter and names for pages of apps below patients (accounts' audit trail).
    Service(key="patients.ids_matching", call=selectors.ids_matching),
    Service(key="patients.patient_list", call=selectors.patient_list),
    Warmer(key="patients.page_parts", warm=warm_page_parts),
    Reconciled(model="patients.Patient", patient=""),
    Backfill("patients.0009_chart_text_refuses_direction_overrides"),
    Reconciled(model="patients.Allergy"),
    Reconciled(model="patients.Condition"),
    Reconciled(model="patients.Medication"),
    PatientRecords(
        key="patients.clinical",
        models=("patients.Allergy", "patients.Condition", "patients.Medication"),
    ),
    Panel(
        key="clinical_summary",
        title=_("Clinical summary"),
        template="patients/panels/clinical_summary.html",
        permission="clinical.view",
        order=10,
        context=selectors.clinical_summary,
    ),
    Panel(
        key="access_log",
        title=_("Access log"),
        template="patients/panels/access_log.html",
        permission="patients.access_log",
        order=900,
        context=selectors.access_log_panel,
    ),
    Seeder(key="patients", add_arguments=demo.add_arguments, seed=demo.seed, order=20),
    ChartSource(key="patients", facts=chart_facts, order=10),
    FhirResources(key="patients", resources=fhir_resources, order=10),
    # Raised when a portal invitation is e-mailed; heard by the clinic's webhooks only.
    NotificationEvent(
        key="patients.portal_invited",
        label=_("Patient invited to the portal"),
        order=60,
    ),
)
