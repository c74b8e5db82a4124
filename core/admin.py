"""The audited admin: opening, saving and deleting a record with a patient writes audit rows."""

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
