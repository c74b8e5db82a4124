"""Platform admin views of stored files: read-only, audited, never a way to the bytes (they
arrive and go only through the upload and delete services). File categories are the clinic's
configuration, added by its admins in the app: read-only here too."""

from django.contrib import admin

from core.admin import ClinicalRecordAdmin, ClinicConfigurationAdmin
from files.models import FileCategory, StoredFile


@admin.register(StoredFile)
class StoredFileAdmin(ClinicalRecordAdmin):
    list_display = ("title", "clinic", "category", "content_type", "size", "scan_status")
    list_prefetch_related = ("clinic",)
    list_filter = ("scan_status", "category")
    search_fields = ("title", "sha256")
    raw_id_fields = ("clinic", "patient", "uploaded_by", "deleted_by")
    readonly_fields = (
        "original_name",
        "content_type",
        "size",
        "sha256",
        "storage_key",
        "thumbnail_key",
        "scan_status",
        "scan_detail",
        "scanned_at",
    )


@admin.register(FileCategory)
class FileCategoryAdmin(ClinicConfigurationAdmin):
    list_display = ("label", "slug", "clinic")
    search_fields = ("label", "slug")
    raw_id_fields = ("clinic",)
