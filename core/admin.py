"""The audited admin: opening, saving and deleting a record with a patient writes audit rows.

Clinical records (patients and everything about them) are read-only in the admin for everyone,
superusers included: they are written only by the clinic's pages, API and services, where
permissions, allergy checks, locks and history apply. `ClinicalRecordAdmin` and
`ReadOnlyInline` say so once.
"""

from django.contrib import admin

from core.audit import CREATE, DELETE, UPDATE, VIEW, audit


class AuditedAdminMixin:
    """For ModelAdmins of patient data. `patient_id_of(obj)` says whose record it is."""

    @staticmethod
    def patient_id_of(obj) -> str:
        return obj.patient_id

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None and self.has_view_or_change_permission(request, obj):
                self._audit(request, VIEW, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = ", ".join(form.changed_data) if change else ""
        self._audit(request, UPDATE if change else CREATE, obj, changed)

    def delete_model(self, request, obj):
        self._audit(request, DELETE, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def _audit(self, request, action, obj, changed: str = ""):
        detail = f"admin: {changed}" if changed else "admin"
        audit(
            actor=request.user,
            action=action,
            obj=obj,
            patient_id=self.patient_id_of(obj),
            detail=detail,
        )


class AuditedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyAdminMixin:
    """View only: no add, change or delete (nor the bulk delete action), whoever asks."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClinicalRecordAdmin(ReadOnlyAdminMixin, AuditedAdmin):
    """A clinical record in the admin: listed and opened (each opening audited), never written."""


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A clinical record's parts shown on its admin page, read-only like the record."""

    extra = 0
    can_delete = False
