"""What the patients app adds to the rest: its patient-page panels and the demo patients."""

from django.utils.translation import gettext_lazy as _

from core.contributions import NotificationEvent, Panel, PatientRecords, Seeder, contribute
from patients import demo, selectors

contribute(
    "patients",
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
    # Raised when a portal invitation is e-mailed; heard by the clinic's webhooks only.
    NotificationEvent(
        key="patients.portal_invited",
        label=_("Patient invited to the portal"),
        order=60,
    ),
)
