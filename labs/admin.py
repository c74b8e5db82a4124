"""Labs in the Django admin (platform superusers), all read-only. The catalogue (tests, their
ranges, panels) is the clinic's configuration, edited by its admins in the app; orders and results
are patient data, every opening audited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ClinicalRecordAdmin, ClinicConfigurationAdmin, ReadOnlyInline
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


class ReferenceRangeInline(ReadOnlyInline):
    model = ReferenceRange
    fields = ["sex", "age_min", "age_max", "low", "high", "normal_text"]


@admin.register(LabTest)
class LabTestAdmin(ClinicConfigurationAdmin):
    """Read-only: `labs.services.labtest_update` refuses a new unit for a test with results,
    whose ranges and critical limits would keep the old unit's numbers."""

    list_display = ["name", "loinc_code", "unit", "value_type", "clinic", "is_active"]
    list_filter = ["value_type", "is_active", "clinic"]
    search_fields = ["name", "loinc_code"]
    list_select_related = ["clinic"]
    inlines = [ReferenceRangeInline]


class PanelItemInline(ReadOnlyInline):
    model = PanelItem
    fields = ["test", "position"]


@admin.register(LabPanel)
class LabPanelAdmin(ClinicConfigurationAdmin):
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
