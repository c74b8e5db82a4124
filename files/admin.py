"""Platform admin views of stored files: read-mostly, audited, never a way to the bytes."""

from django.contrib import admin

from core.admin import AuditedAdmin
from files.models import FileCategory, StoredFile


@admin.register(StoredFile)
class StoredFileAdmin(AuditedAdmin):
    list_display = ("title", "clinic", "category", "content_type", "size", "scan_status")
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

    def has_add_permission(self, request):
        return False  # bytes only arrive through the upload service


@admin.register(FileCategory)
class FileCategoryAdmin(admin.ModelAdmin):
    list_display = ("label", "slug", "clinic")
    raw_id_fields = ("clinic",)
