"""Programme templates in the Django admin (read-mostly); enrolments through the audited admin."""

from django.contrib import admin

from core.admin import AuditedAdmin
from programs.models import Enrollment, ProgramTemplate


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "status", "clinic"]
    list_filter = ["status"]


@admin.register(Enrollment)
class EnrollmentAdmin(AuditedAdmin):
    list_display = ["patient", "template", "state", "start_date", "adherence"]
    list_filter = ["state"]
    raw_id_fields = ["patient", "template", "care_manager", "clinic"]

    def patient_id_of(self, obj):
        return obj.patient_id
