"""API shapes of stored files: metadata out, multipart upload and edits in."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import MillisecondDateTimeField, ModelSerializer
from files.models import StoredFile


class StoredFileSerializer(ModelSerializer):
    uploaded_at = MillisecondDateTimeField(source="created_at", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by_id", allow_null=True, read_only=True)
    uploaded_by_name = serializers.SerializerMethodField()
    patient = serializers.CharField(source="patient_id", allow_null=True, read_only=True)
    download_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField()

    class Meta:
        model = StoredFile
        fields = [
            "id",
            "title",
            "category",
            "content_type",
            "size",
            "sha256",
            "original_name",
            "patient",
            "shared_with_patient",
            "scan_status",
            "uploaded_at",
            "uploaded_by",
            "uploaded_by_name",
            "deleted_at",
            "download_url",
            "preview_url",
            "duplicates",
        ]
        read_only_fields = fields

    def _url(self, name: str, stored) -> str:
        path = reverse(name, kwargs={"pk": stored.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_uploaded_by_name(self, stored) -> str:
        return stored.uploaded_by.name if stored.uploaded_by_id and stored.uploaded_by else ""

    def get_download_url(self, stored) -> str:
        return self._url("api-file-download", stored)

    @extend_schema_field(OpenApiTypes.URI)
    def get_preview_url(self, stored) -> str | None:
        return self._url("api-file-preview", stored) if stored.thumbnail_key else None

    def get_duplicates(self, stored) -> int:
        """How many other files of the same patient have the same bytes (lists only)."""
        return getattr(stored, "duplicates", 0)


class FileUploadSerializer(serializers.Serializer):
    # An empty file is the upload service's to refuse, in the words the pages use (as UploadForm).
    file = serializers.FileField(
        allow_empty_file=True, help_text="The document; its type is decided by its bytes."
    )
    category = serializers.CharField(max_length=40, help_text="A slug from /files/categories/.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    shared_with_patient = serializers.BooleanField(required=False, default=False)

    def validate_file(self, value):
        """A second `file` part would be dropped without a word (the field reads the last)."""
        sent = getattr(self.initial_data, "getlist", lambda name: [value])("file")
        if len(sent) > 1:
            raise serializers.ValidationError(
                _("Send one file per request (this one had %(count)d).") % {"count": len(sent)}
            )
        return value


class FileUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    category = serializers.CharField(max_length=40, required=False)
    shared_with_patient = serializers.BooleanField(required=False)


class CategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    label = serializers.CharField()
    builtin = serializers.BooleanField()
    allowed = serializers.BooleanField(help_text="Whether you may read and upload this category.")
