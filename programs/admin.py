"""Programmes in the Django admin, read-only: templates are the clinic's configuration, edited by
its admins in the app; enrolments are patient data, every opening audited."""

from django.contrib import admin

from core.admin import ClinicalRecordAdmin, ClinicConfigurationAdmin
from programs.models import Enrollment, ProgramTemplate


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(ClinicConfigurationAdmin):
    """Read-only: a published version is fixed (its enrolments' tasks point at its steps) and
    only `programs.services` drafts, publishes and retires versions."""

    list_display = ["name", "version", "status", "clinic"]
    list_filter = ["status", "clinic"]
    search_fields = ["name"]
    list_select_related = ["clinic"]


@admin.register(Enrollment)
class EnrollmentAdmin(ClinicalRecordAdmin):
    list_display = ["patient", "template", "state", "start_date", "adherence"]
    list_prefetch_related = ["patient", "template"]
    list_filter = ["state"]
    raw_id_fields = ["patient", "template", "care_manager", "clinic"]
