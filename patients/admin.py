"""Patients in the Django admin (platform superusers). Opening a record is an audited view;
saves and deletions are audited too, as everywhere else."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent
from core.admin import AuditedAdminMixin
from core.audit import audit
from patients.models import Allergy, Condition, Medication, Patient
from patients.services import next_mrn

Action = AuditEvent.Action


class ClinicalInline(admin.TabularInline):
    extra = 0
    show_change_link = True
    readonly_fields = ["recorded_by", "created_at", "updated_at"]
    exclude = ["clinic"]  # always the patient's clinic (set on save)


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
class PatientAdmin(AuditedAdminMixin, admin.ModelAdmin):
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
    list_select_related = ["clinic"]
    ordering = ["clinic", "last_name_key", "first_name_key"]
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

    def get_readonly_fields(self, request, obj=None):
        # A record never moves between clinics: its MRN and clinical data belong to one.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "clinic"] if obj is not None else fields

    @staticmethod
    def patient_id_of(obj) -> str:
        return obj.pk

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        if not change:
            obj.created_by = request.user
            obj.mrn = next_mrn(obj.clinic_id)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        patient = form.instance
        records = formset.save(commit=False)
        for record in formset.deleted_objects:
            audit(
                actor=request.user,
                action=Action.DELETE,
                obj=record,
                patient_id=patient.pk,
                detail="admin",
            )
            record.delete()
        for record in records:
            adding = record._state.adding
            record.clinic_id = patient.clinic_id
            record.recorded_by = request.user
            record.save()
            audit(
                actor=request.user,
                action=Action.CREATE if adding else Action.UPDATE,
                obj=record,
                patient_id=patient.pk,
                detail="admin",
            )
        formset.save_m2m()


class ClinicalAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_filter = ["clinic", "status"]
    list_select_related = ["patient", "clinic", "recorded_by"]
    raw_id_fields = ["patient"]
    readonly_fields = ["clinic", "recorded_by", "created_at", "updated_at"]
    search_fields = ["patient__mrn", "patient__last_name"]

    def save_model(self, request, obj, form, change):
        obj.clinic_id = obj.patient.clinic_id
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


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
