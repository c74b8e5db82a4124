"""The audited admin: opening, saving and deleting a record with a patient writes audit rows.

Clinical records (patients and everything about them) are read-only in the admin for everyone,
superusers included: they are written only by the clinic's pages, API and services, where
permissions, allergy checks, locks and history apply. `ClinicalRecordAdmin` and
`ReadOnlyInline` say so once. A clinic's configuration that its admins manage in the app
(catalogues, types, templates, settings, webhooks) is read-only there too, for the same reason:
`ClinicConfigurationAdmin`.
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


class LargeTableAdminMixin:
    """The change list of a table that grows to millions of rows (audit rows, results, notes).

    - Its related records are read by prefetch (`list_prefetch_related`: one query per relation
      for the page), never joined: with a join SQLite gave up the index of the list's order and
      sorted the whole table for every page (the audit list 6 s at 1,850,000 rows, the lab
      results 2.5 s at 1,000,000).
    - Newest first by id (ids grow with time) unless the admin says otherwise: an order no
      index holds across clinics is a sort of the table.
    - No count of the whole table beside the filtered one.
    """

    list_select_related = ()  # empty, not False: False joins every foreign key it lists
    list_prefetch_related = ()
    ordering = ["-id"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(*self.list_prefetch_related)


class ClinicalRecordAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, AuditedAdmin):
    """A clinical record in the admin: listed and opened (each opening audited), never written."""


class ClinicConfigurationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A clinic's configuration in the admin (lab tests and panels, appointment types and
    settings, file categories, note types and templates, programme templates, webhooks): listed
    and opened, never written, superusers included. Its clinic's admins manage it in the app,
    whose services keep its rules (no new unit for a test with results, no draft again for a
    version in use, a public webhook address) and audit each change; a write here would go
    around both."""


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A read-only record's parts shown on its admin page, read-only like the record."""

    extra = 0
    can_delete = False
