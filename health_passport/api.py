"""API-wide conventions: pagination, JSON errors with a human `detail`, request helpers."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    """Every error body: a human `detail`, and per-field `errors` for validation errors."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(), required=False)


READ_ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {400: ErrorSerializer, **READ_ERRORS}


class FhirJSONRenderer(JSONRenderer):
    """FHIR resources are served as `application/fhir+json` (plain JSON on request)."""

    media_type = "application/fhir+json"
    format = "fhir"


def validated(serializer_class, request, **kwargs) -> dict:
    """The request body checked by `serializer_class`; a 400 with field errors otherwise."""
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def choice_param(request, name: str, choices, default: str = "") -> str:
    """A query parameter that must be one of `choices` (or absent): else a 400 saying so."""
    value = request.query_params.get(name, "").strip() or default
    if value and value not in choices:
        raise exceptions.ValidationError(
            {name: [_("Must be one of: %(choices)s.") % {"choices": ", ".join(choices)}]}
        )
    return value


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


def validation_error_body(errors) -> dict:
    """`{"detail": "...", "errors": {field: [messages]}}`: one sentence plus per-field detail."""
    if isinstance(errors, dict):
        fields = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
        first_field, messages = next(iter(fields.items()), ("", [""]))
        first = messages[0] if messages else ""
        if isinstance(first, dict):  # nested serializer errors
            first = _("Invalid value.")
        label = "" if first_field in ("non_field_errors", "__all__") else f"{first_field}: "
        return {"detail": f"{label}{first}", "errors": fields}
    messages = errors if isinstance(errors, list) else [errors]
    return {"detail": " ".join(str(m) for m in messages), "errors": {"non_field_errors": messages}}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        if isinstance(errors, dict) and "__all__" in errors:
            errors["non_field_errors"] = errors.pop("__all__")
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_error_body(response.data)
    elif isinstance(response.data, list):
        response.data = {"detail": " ".join(str(m) for m in response.data)}
    return response


def not_found(request, exception=None):
    from django.http import JsonResponse

    return JsonResponse({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
