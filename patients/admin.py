"""Patients in the Django admin (platform superusers): read-only, every opening an audited view.
Records are written in the clinic's pages and API (MRNs, allergy checks, history)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ClinicalRecordAdmin, ReadOnlyInline
from patients.models import Allergy, Condition, Medication, Patient


class ClinicalInline(ReadOnlyInline):
    show_change_link = True
    readonly_fields = ["recorded_by", "created_at", "updated_at"]
    exclude = ["clinic"]  # always the patient's clinic


class AllergyInline(ClinicalInline):
    model = Allergy
    fields = ["substance", "reaction", "severity", "status", "recorded_by", "updated_at"]


class ConditionInline(ClinicalInline):
    model = Condition
    fields = ["name", "code", "code_system", "onset_date", "status", "recorded_by", "updated_at"]


class MedicationInline(ClinicalInline):
    model = Medication
    fields = [
        "name",
        "dose",
        "frequency",
        "start_date",
        "end_date",
        "is_active",
        "recorded_by",
        "updated_at",
    ]


@admin.register(Patient)
class PatientAdmin(ClinicalRecordAdmin):
    list_display = [
        "mrn",
        "last_name",
        "first_name",
        "preferred_name",
        "date_of_birth",
        "sex",
        "clinic",
        "is_archived",
    ]
    list_display_links = ["mrn", "last_name"]
    list_filter = ["clinic", "is_archived", "sex"]
    search_fields = ["=mrn", "last_name", "first_name", "preferred_name", "email"]
    list_prefetch_related = ["clinic"]
    ordering = ["clinic_id", "last_name_key", "first_name_key", "id"]  # no join to the clinic
    raw_id_fields = ["user"]
    readonly_fields = ["mrn", "created_at", "updated_at", "created_by", "updated_by"]
    inlines = [AllergyInline, ConditionInline, MedicationInline]
    fieldsets = [
        (None, {"fields": ["clinic", "mrn", "is_archived", "user"]}),
        (
            _("Person"),
            {
                "fields": [
                    "first_name",
                    "last_name",
                    "preferred_name",
                    "date_of_birth",
                    "sex",
                    "preferred_language",
                ]
            },
        ),
        (_("Contact"), {"fields": ["phone", "email", "address"]}),
        (
            _("Emergency contact"),
            {
                "fields": [
                    "emergency_contact_name",
                    "emergency_contact_relationship",
                    "emergency_contact_phone",
                ]
            },
        ),
        (_("Staff"), {"fields": ["staff_notes"]}),
        (_("History"), {"fields": ["created_at", "created_by", "updated_at", "updated_by"]}),
    ]

    @staticmethod
    def patient_id_of(obj) -> str:
        return obj.pk


class ClinicalAdmin(ClinicalRecordAdmin):
    list_filter = ["clinic", "status"]
    list_prefetch_related = ["patient", "clinic", "recorded_by"]
    raw_id_fields = ["patient"]
    readonly_fields = ["clinic", "recorded_by", "created_at", "updated_at"]
    search_fields = ["patient__mrn", "patient__last_name"]


@admin.register(Allergy)
class AllergyAdmin(ClinicalAdmin):
    list_display = ["substance", "patient", "severity", "status", "clinic", "updated_at"]
    list_filter = ["clinic", "status", "severity"]
    search_fields = ["substance", *ClinicalAdmin.search_fields]


@admin.register(Condition)
class ConditionAdmin(ClinicalAdmin):
    list_display = ["name", "code", "patient", "status", "onset_date", "clinic"]
    list_filter = ["clinic", "status", "code_system"]
    search_fields = ["name", "code", *ClinicalAdmin.search_fields]


@admin.register(Medication)
class MedicationAdmin(ClinicalAdmin):
    list_display = ["name", "dose", "frequency", "patient", "is_active", "clinic"]
    list_filter = ["clinic", "is_active"]
    search_fields = ["name", *ClinicalAdmin.search_fields]
