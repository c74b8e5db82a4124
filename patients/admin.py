"""Patients in the Django admin (platform superusers). Opening a record is an audited view;
saves and deletions are audited too, as everywhere else."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent
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
class PatientAdmin(admin.ModelAdmin):
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            patient = Patient.objects.filter(pk=object_id).first()
            if patient is not None and self.has_view_or_change_permission(request, patient):
                audit(
                    actor=request.user,
                    action=Action.VIEW,
                    obj=patient,
                    patient_id=patient.pk,
                    detail="admin",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        if not change:
            obj.created_by = request.user
            obj.mrn = next_mrn(obj.clinic_id)
        super().save_model(request, obj, form, change)
        detail = "admin: " + ", ".join(form.changed_data) if change else "admin"
        audit(
            actor=request.user,
            action=Action.UPDATE if change else Action.CREATE,
            obj=obj,
            patient_id=obj.pk,
            detail=detail,
        )

    def save_formset(self, request, form, formset, change):
        patient = form.instance
        records = formset.save(commit=False)
        for record in formset.deleted_objects:
            audit(actor=request.user, action=Action.DELETE, obj=record, patient_id=patient.pk)
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

    def delete_model(self, request, obj):
        audit(actor=request.user, action=Action.DELETE, obj=obj, patient_id=obj.pk, detail="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ClinicalAdmin(admin.ModelAdmin):
    list_filter = ["clinic", "status"]
    list_select_related = ["patient", "clinic", "recorded_by"]
    raw_id_fields = ["patient"]
    readonly_fields = ["clinic", "recorded_by", "created_at", "updated_at"]
    search_fields = ["patient__mrn", "patient__last_name"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            record = self.model.objects.filter(pk=object_id).first()
            if record is not None:
                audit(
                    actor=request.user,
                    action=Action.VIEW,
                    obj=record,
                    patient_id=record.patient_id,
                    detail="admin",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        obj.clinic_id = obj.patient.clinic_id
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            action=Action.UPDATE if change else Action.CREATE,
            obj=obj,
            patient_id=obj.patient_id,
            detail="admin",
        )

    def delete_model(self, request, obj):
        audit(
            actor=request.user,
            action=Action.DELETE,
            obj=obj,
            patient_id=obj.patient_id,
            detail="admin",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


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
