"""Admin for platform superusers: appointment types and settings are edited here; appointments
are patient data, read-only (only the booking service books) and every opening audited."""

from django.contrib import admin

from appointments.models import Appointment, AppointmentType, ClinicAppointmentSettings
from core.admin import ClinicalRecordAdmin


@admin.register(Appointment)
class AppointmentAdmin(ClinicalRecordAdmin):
    list_display = ("start", "status", "type", "provider", "clinic")
    list_filter = ("status",)
    list_prefetch_related = ("type", "provider", "clinic")
    raw_id_fields = ("patient", "provider", "booked_by", "cancelled_by", "series")
    readonly_fields = ("start", "end", "busy_until", "status", "reminder_sent_for")


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "clinic", "duration_minutes", "buffer_minutes", "patient_bookable")
    list_select_related = ("clinic",)


@admin.register(ClinicAppointmentSettings)
class ClinicAppointmentSettingsAdmin(admin.ModelAdmin):
    list_display = ("clinic", "reminder_hours", "provider_feed_shows_names")
    list_select_related = ("clinic",)
