"""Files API: thin views over files.selectors and files.services.

- `GET/POST /api/v1/patients/{id}/files/`: a patient's files (filters: category, date range);
  upload one (multipart: `file`, `category`, optional `title`, `shared_with_patient`).
- `GET/POST /api/v1/notes/{id}/files/`: the same for the files attached to a clinical note,
  through the notes app's access call for them (a draft's files are its author's).
- `GET/PATCH/DELETE /api/v1/files/{id}/`: metadata; title, category, sharing; soft delete.
- `GET /api/v1/files/{id}/download`: the bytes (Range for PDFs and images);
  `GET /api/v1/files/{id}/preview`: the thumbnail / first-page JPEG;
  `POST /api/v1/files/{id}/restore`: undo a delete (clinic admins).
- `GET /api/v1/files/categories/`: built-in categories and the clinic's own.

Another clinic's patient, note or file is 404; a role or category the actor may not use is 403.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorSerializer,
    SafeJSONParser,
    moment_param,
    page_params,
    page_response,
)
from files import responses, selectors, services
from files import serializers as s
from patients.selectors import patient_get

ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The file's id.")
PATIENT_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The patient's id.")
NOTE_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The note's id.")
LIST_FILTERS = [
    OpenApiParameter("category", str, description="Only this category (a slug)."),
    OpenApiParameter(
        "uploaded_from", str, description="Uploaded at or after (ISO 8601 date or date-time)."
    ),
    OpenApiParameter(
        "uploaded_to", str, description="Uploaded at or before (ISO 8601 date or date-time)."
    ),
]
UPLOAD_ERRORS = {**WRITE_ERRORS, 413: ErrorSerializer}
UPLOAD_DESCRIPTION = (
    "Multipart form. The type is decided by the file's bytes (PDF, PNG, JPEG, WebP, "
    "HEIC, TIFF, DICOM, plain text, CSV) and must agree with the file name's "
    "extension; 400 otherwise, naming the allowed types. 413 above FILE_MAX_MB."
)
BYTES_ERRORS = {**READ_ERRORS, 409: ErrorSerializer, 416: None, 423: ErrorSerializer}


def list_filters(request) -> dict:
    return {
        "category": request.query_params.get("category", "").strip()[:40],
        "uploaded_from": moment_param(request, "uploaded_from"),
        "uploaded_to": moment_param(request, "uploaded_to", end_of_day=True),
    }


def metadata(request, stored) -> dict:
    return s.StoredFileSerializer(stored, context={"request": request}).data


class JSONErrorsNegotiation(DefaultContentNegotiation):
    """Byte endpoints answer whatever the client accepts; their errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSONRenderer.media_type


class PatientFilesView(GenericAPIView):
    serializer_class = s.StoredFileSerializer  # paginated lists in the schema
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="A patient's files, newest first (filters; paginated)",
        parameters=[PATIENT_ID, *LIST_FILTERS],
        responses={200: s.StoredFileSerializer(many=True), **READ_ERRORS, 400: ErrorSerializer},
    )
    def get(self, request, pk):
        patient = patient_get(actor=request.user, id=pk, permission="files.view", audited=False)
        return list_response(request, patient=patient)

    @extend_schema(
        summary="Upload a file to a patient's record",
        description=UPLOAD_DESCRIPTION,
        parameters=[PATIENT_ID],
        request={"multipart/form-data": s.FileUploadSerializer},
        responses={201: s.StoredFileSerializer, **UPLOAD_ERRORS},
    )
    def post(self, request, pk):
        return upload_response(request, target_type="patient", target_id=pk)


def list_response(request, **scope) -> Response:
    """A page of one record's files (`patient=` or `target=`, its access call made)."""
    page = selectors.file_page(
        actor=request.user, **scope, **list_filters(request), **page_params(request)
    )
    data = s.StoredFileSerializer(page.object_list, many=True, context={"request": request})
    return page_response(request, page, data.data)


def upload_response(request, *, target_type: str, target_id: str) -> Response:
    """One multipart upload attached to a record: 201 with the file's metadata. The record's
    access answers first (404 / 403), whatever the body holds."""
    services.upload_target(actor=request.user, target_type=target_type, target_id=target_id)
    services.check_request_size(request.META.get("CONTENT_LENGTH"))
    body = s.FileUploadSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    fields = dict(body.validated_data)
    stored = services.file_upload(
        actor=request.user,
        upload=fields.pop("file"),
        target_type=target_type,
        target_id=target_id,
        **fields,
    )
    return Response(metadata(request, stored), status=status.HTTP_201_CREATED)


class NoteFilesView(GenericAPIView):
    serializer_class = s.StoredFileSerializer  # paginated lists in the schema
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="A clinical note's files, newest first (filters; paginated)",
        description=(
            "A draft's files are its author's; once signed, anyone who may read the note sees them."
        ),
        parameters=[NOTE_ID, *LIST_FILTERS],
        responses={200: s.StoredFileSerializer(many=True), **READ_ERRORS, 400: ErrorSerializer},
    )
    def get(self, request, pk):
        target = services.resolve_target(
            actor=request.user, target_type="note", target_id=pk, reading=True
        )
        return list_response(request, target=target)

    @extend_schema(
        summary="Attach a file to a clinical note",
        description=(
            f"{UPLOAD_DESCRIPTION} Only the author attaches files to a draft (403 for anyone "
            "else); once signed, anyone who may read the note and upload files."
        ),
        parameters=[NOTE_ID],
        request={"multipart/form-data": s.FileUploadSerializer},
        responses={201: s.StoredFileSerializer, **UPLOAD_ERRORS},
    )
    def post(self, request, pk):
        return upload_response(request, target_type="note", target_id=pk)


class FileDetailView(APIView):
    parser_classes = [SafeJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="A file's metadata",
        parameters=[ID],
        responses={200: s.StoredFileSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        stored = selectors.file_get(actor=request.user, id=pk)
        return Response(metadata(request, stored))

    @extend_schema(
        summary="Rename, recategorise, share or unshare a file",
        parameters=[ID],
        request=s.FileUpdateSerializer,
        responses={200: s.StoredFileSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        stored = selectors.file_get(
            actor=request.user, id=pk, permission="files.update", audited=False
        )
        body = s.FileUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.file_update(actor=request.user, stored=stored, **body.validated_data)
        return Response(metadata(request, stored))

    @extend_schema(
        summary="Delete a file (soft: clinic admins can restore it)",
        parameters=[ID],
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request, pk):
        stored = selectors.file_get(
            actor=request.user, id=pk, permission="files.delete", audited=False
        )
        services.file_delete(actor=request.user, stored=stored)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileRestoreView(APIView):
    @extend_schema(
        summary="Restore a deleted file (clinic admins)",
        parameters=[ID],
        request=None,
        responses={200: s.StoredFileSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        stored = selectors.file_get(
            actor=request.user,
            id=pk,
            permission="files.restore",
            audited=False,
            include_deleted=True,
        )
        services.file_restore(actor=request.user, stored=stored)
        return Response(metadata(request, stored))


class FileDownloadView(APIView):
    content_negotiation_class = JSONErrorsNegotiation

    @extend_schema(
        summary="The file's bytes",
        description=(
            "Served as an attachment (`?inline=1`: inline for images and PDFs) with "
            "`X-Content-Type-Options: nosniff`, `Cache-Control: private, no-store` and "
            "`Content-Security-Policy: sandbox`. PDFs and images accept a single `Range` "
            "(206; 416 when unsatisfiable). 423 while a virus scan is pending, 409 when the "
            "file was quarantined. Each download is audited."
        ),
        parameters=[ID, OpenApiParameter("inline", str, enum=["1"])],
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file"),
            (206, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="A byte range"),
            **BYTES_ERRORS,
        },
    )
    def get(self, request, pk):
        stored = selectors.file_for_download(
            actor=request.user, id=pk, ranged=bool(request.headers.get("Range"))
        )
        inline = request.query_params.get("inline") == "1"
        return responses.file_response(request, stored, inline=inline)


class FilePreviewView(APIView):
    content_negotiation_class = JSONErrorsNegotiation

    @extend_schema(
        summary="The file's thumbnail (images) or first-page preview (PDFs), as JPEG",
        parameters=[ID],
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="JPEG"),
            **BYTES_ERRORS,
        },
    )
    def get(self, request, pk):
        stored = selectors.file_for_preview(actor=request.user, id=pk)
        return responses.preview_response(stored)


class CategoryListView(APIView):
    required_permission = "files.view"

    @extend_schema(
        summary="File categories: the built-in ones and the clinic's own",
        responses={
            200: s.CategorySerializer(many=True),
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    def get(self, request):
        return Response(
            s.CategorySerializer(selectors.category_list(actor=request.user), many=True).data
        )
