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
