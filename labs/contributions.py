"""What the labs app adds to the rest: the starter catalogue of every new clinic, the patient
page's labs panel, the staff home's "Results to review", and the demo lab history."""

from django.utils.translation import gettext_lazy as _

from core.contributions import ClinicHook, Panel, Seeder, Widget, contribute
from labs import demo, selectors, services

contribute(
    "labs",
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
)
