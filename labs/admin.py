"""Labs in the Django admin (platform superusers). The catalogue (tests, panels) is edited here;
orders and results are patient data: read-only, every opening audited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ClinicalRecordAdmin, ReadOnlyInline
from labs.models import (
    LabOrder,
    LabOrderItem,
    LabPanel,
    LabResult,
    LabResultRevision,
    LabTest,
    PanelItem,
    ReferenceRange,
)


class ReferenceRangeInline(admin.TabularInline):
    model = ReferenceRange
    fields = ["sex", "age_min", "age_max", "low", "high", "normal_text"]
    extra = 0


@admin.register(LabTest)
class LabTestAdmin(admin.ModelAdmin):
    list_display = ["name", "loinc_code", "unit", "value_type", "clinic", "is_active"]
    list_filter = ["value_type", "is_active", "clinic"]
    search_fields = ["name", "loinc_code"]
    list_select_related = ["clinic"]
    inlines = [ReferenceRangeInline]

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if isinstance(instance, ReferenceRange) and not instance.clinic_id:
                instance.clinic_id = form.instance.clinic_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class PanelItemInline(admin.TabularInline):
    model = PanelItem
    fields = ["test", "position"]
    raw_id_fields = ["test"]
    extra = 0


@admin.register(LabPanel)
class LabPanelAdmin(admin.ModelAdmin):
    list_display = ["name", "loinc_code", "clinic"]
    list_filter = ["clinic"]
    search_fields = ["name", "loinc_code"]
    list_select_related = ["clinic"]
    inlines = [PanelItemInline]


class LabOrderItemInline(ReadOnlyInline):
    model = LabOrderItem
    fields = ["test", "panel"]


@admin.register(LabOrder)
class LabOrderAdmin(ClinicalRecordAdmin):
    list_display = ["id", "patient", "status", "priority", "ordered_by", "created_at"]
    list_filter = ["status", "priority"]
    search_fields = ["patient__mrn", "patient__last_name"]
    list_prefetch_related = ["patient", "ordered_by"]
    raw_id_fields = ["patient", "ordered_by"]
    readonly_fields = ["clinic", "created_at", "updated_at"]
    inlines = [LabOrderItemInline]


class RevisionInline(ReadOnlyInline):
    model = LabResultRevision
    fields = ["created_at", "value_numeric", "value_text", "unit", "flag", "status", "reason"]
    readonly_fields = fields
    verbose_name = _("earlier value")
    verbose_name_plural = _("history (earlier values)")


@admin.register(LabResult)
class LabResultAdmin(ClinicalRecordAdmin):
    list_display = ["patient", "test", "display_value", "flag", "status", "collected_at"]
    list_filter = ["flag", "status"]
    search_fields = ["patient__mrn", "test__name", "test__loinc_code"]
    list_prefetch_related = ["patient", "test"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RevisionInline]

    @admin.display(description=_("value"))
    def display_value(self, result):
        return result.display_value
