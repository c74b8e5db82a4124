"""API-wide conventions: pagination and JSON errors with a human `detail`."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


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
