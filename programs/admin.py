"""Programme templates in the Django admin; enrolments are patient data: read-only, audited."""

from django.contrib import admin

from core.admin import ClinicalRecordAdmin
from programs.models import Enrollment, ProgramTemplate


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "status", "clinic"]
    list_filter = ["status"]


@admin.register(Enrollment)
class EnrollmentAdmin(ClinicalRecordAdmin):
    list_display = ["patient", "template", "state", "start_date", "adherence"]
    list_prefetch_related = ["patient", "template"]
    list_filter = ["state"]
    raw_id_fields = ["patient", "template", "care_manager", "clinic"]
