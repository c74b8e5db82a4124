from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = _("Labs")

    def ready(self):
        from clinics.lifecycle import register_on_clinic_created
        from labs import services

        # Every new clinic starts with the starter catalogue (its own copy to edit).
        register_on_clinic_created("labs.catalogue", services.catalogue_install)

        # `seed_demo --labs-per-patient K`: lab history for the demo clinic's patients.
        from labs import demo

        demo.register()

        # The patient page's labs panel and the staff home's "Results to review".
        from accounts.home_widgets import Widget
        from accounts.home_widgets import register as register_widget
        from labs import selectors
        from patients.panels import Panel
        from patients.panels import register as register_panel

        register_panel(
            Panel(
                key="labs",
                title=_("Lab results"),
                template="labs/panels/labs.html",
                permission="labs.view",
                order=30,
                context=selectors.patient_panel,
            )
        )
        register_widget(
            Widget(
                key="labs_review",
                template="labs/widgets/review.html",
                permission="labs.review",
                order=20,
                context=selectors.review_widget,
            )
        )
