"""Admin for platform superusers, all read-only: appointment types and settings are the clinic's
configuration, edited by its admins in the app; appointments are patient data (only the booking
service books) and every opening audited."""

from django.contrib import admin

from appointments.models import Appointment, AppointmentType, ClinicAppointmentSettings
from core.admin import ClinicalRecordAdmin, ClinicConfigurationAdmin


@admin.register(Appointment)
class AppointmentAdmin(ClinicalRecordAdmin):
    list_display = ("start", "status", "type", "provider", "clinic")
    list_filter = ("status",)
    list_prefetch_related = ("type", "provider", "clinic")
    raw_id_fields = ("patient", "provider", "booked_by", "cancelled_by", "series")
    readonly_fields = ("start", "end", "busy_until", "status", "reminder_sent_for")


@admin.register(AppointmentType)
class AppointmentTypeAdmin(ClinicConfigurationAdmin):
    list_display = ("name", "clinic", "duration_minutes", "buffer_minutes", "patient_bookable")
    list_filter = ("clinic",)
    search_fields = ("name",)
    list_select_related = ("clinic",)


@admin.register(ClinicAppointmentSettings)
class ClinicAppointmentSettingsAdmin(ClinicConfigurationAdmin):
    list_display = ("clinic", "reminder_hours", "provider_feed_shows_names")
    list_select_related = ("clinic",)
