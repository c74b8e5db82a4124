"""API-wide conventions: pagination, JSON errors with a human `detail`, permissions declared
by views that load no record, the datetime field MongoDB needs, request helpers."""

import copy
import datetime
import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage
from django.db import models
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from core.errors import ServiceError
from core.forms import OUTSIDE_CALENDAR, in_calendar
from core.lists import MAX_PER_PAGE, PER_PAGE, EstimatingPaginator, positive_int_param
from core.numbers import PLAIN_NUMBER, with_decimal_point


class ErrorSerializer(serializers.Serializer):
    """Every error body: a human `detail`, per-field `errors` for validation errors, and on a
    401 the `code` a program acts on."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(), required=False)
    code = serializers.CharField(
        required=False,
        help_text="On a 401, why: `not_authenticated` (no token sent), `authentication_failed` "
        "(wrong credentials), else the token signs no one in (`token_not_valid`, "
        "`token_revoked`, `password_changed`, ...): refresh it, then sign in again.",
    )


class MillisecondDateTimeField(serializers.DateTimeField):
    """Times to the millisecond: what MongoDB stores, so a record reads the same on every
    backend and right after a write as later. Every serializer with times uses it."""

    def to_representation(self, value):
        if value is not None and value.microsecond % 1000:
            value = value.replace(microsecond=value.microsecond - value.microsecond % 1000)
        return super().to_representation(value)


class NumberField(serializers.FloatField):
    """A number: DRF's FloatField reads JSON `true` as 1.0, a reading of 1 the app never meant,
    and the string "1e2" as 100; a string is read as the pages and the labs API read a typed
    value (core.numbers): plain digits with one decimal point, "36,6" refused saying how to
    write it."""

    default_error_messages = {
        "invalid": gettext_lazy("A number is required, written in full (e.g. 1000, not 1e3).")
    }

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str):
            data = with_decimal_point(data.strip(), decimal_comma=False)
            if not PLAIN_NUMBER.fullmatch(data):
                self.fail("invalid")
        return super().to_internal_value(data)


# The project's ModelSerializer: model datetimes are served to the millisecond. (A comment, not
# a docstring: drf-spectacular would show a docstring as every subclass's schema description.)
# Its fields are built from the model once per class, then copied for each instance as DRF
# copies declared fields: DRF re-reads the model's metadata and rebuilds every field for each
# serializer (a patient, 21 fields: 0.93 ms and 3,700 Python calls; the copy 0.25 ms). What a
# subclass changes per request (fields hidden from a role) it changes on the copy.
class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: MillisecondDateTimeField,
        models.FloatField: NumberField,
    }

    def get_fields(self):
        built = _BUILT_FIELDS.get(type(self))
        if built is None:
            built = _BUILT_FIELDS[type(self)] = super().get_fields()
        return copy.deepcopy(built)


_BUILT_FIELDS: dict[type, dict] = {}


READ_ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {400: ErrorSerializer, **READ_ERRORS}


def _json_keeping_decimals(value, leaf) -> str:
    """JSON text with each Decimal written digit for digit: a FHIR decimal's written places are
    part of its value (1.10 is not 1.1), and json writes any number as a float."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        items = (f"{leaf(str(k))}:{_json_keeping_decimals(v, leaf)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_keeping_decimals(v, leaf) for v in value) + "]"
    return leaf(value)


class FhirJSONRenderer(JSONRenderer):
    """FHIR resources are served as `application/fhir+json` (plain JSON on request), with
    decimals as written."""

    media_type = "application/fhir+json"
    format = "fhir"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        leaf = self.encoder_class(ensure_ascii=self.ensure_ascii, allow_nan=not self.strict).encode
        text = _json_keeping_decimals(data, leaf)
        # As DRF's renderer: these two are valid JSON but end a line in JavaScript.
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


MAX_JSON_DEPTH = 32


class SafeJSONParser(JSONParser):
    """JSON that cannot crash the server: nesting deeper than MAX_JSON_DEPTH is a 400 with a
    message (the standard parser lets Python's recursion limit turn it into a 500), and so is
    text with a lone surrogate (`"\\ud800"` is valid JSON; stored, it could never be written
    out again: every list showing it would answer 500). Text that is not JSON (NaN included:
    DRF reads JSON strictly) is a 400 in words a person reads, saying where it goes wrong."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_too_deep())
        except exceptions.ParseError as exc:
            cause = exc.__context__  # DRF's words are Python's: "Expecting value: line 1 ..."
            if isinstance(cause, UnicodeDecodeError):
                raise exceptions.ParseError(
                    _("The body is not UTF-8 text, as JSON must be.")
                ) from None
            if isinstance(cause, json.JSONDecodeError):
                raise exceptions.ParseError(
                    _("The request body is not valid JSON (line %(line)s, column %(column)s).")
                    % {"line": cause.lineno, "column": cause.colno}
                ) from None
            if isinstance(cause, ValueError) and not isinstance(cause, UnicodeError):
                raise exceptions.ParseError(_("The request body is not valid JSON.")) from None
            raise
        problem = _shape_problem(data, MAX_JSON_DEPTH)
        if problem:
            raise exceptions.ParseError(problem)
        return data


def _too_deep() -> str:
    return _("JSON nested more than %(depth)s levels deep is not accepted.") % {
        "depth": MAX_JSON_DEPTH
    }


def _not_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shape_problem(data, limit: int) -> str:
    """What makes parsed JSON unacceptable, or "": lists/objects nested deeper than `limit`, or
    a key or string that is not Unicode text (iteratively: no recursion to exhaust)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _not_unicode(value):
                return _("The JSON holds text that is not valid Unicode (a lone surrogate).")
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return _too_deep()
        stack.extend((child, depth + 1) for child in children)
    return ""


class DevBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable API (DEBUG only). Our list views build their querysets in selectors, with
    no filter backends, so there is no filter form to offer (DRF's would fail on them)."""

    def get_filter_form(self, data, view, request):
        return None


class JSONFallbackNegotiation(DefaultContentNegotiation):
    """An `Accept` the view cannot serve (e.g. `text/html` once the browsable API is off) gets
    the view's first renderer (JSON) instead of an error page."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type


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


def date_param(request, name: str, default: datetime.date | None = None) -> datetime.date | None:
    """A `YYYY-MM-DD` query parameter (or `default` when absent); a 400 naming it when it is
    not a date or lies outside the calendar every list accepts (1900–2999)."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    try:
        day = parse_date(raw)
    except ValueError:
        day = None
    if day is None:
        raise exceptions.ValidationError({name: [_("Not a date (YYYY-MM-DD).")]})
    if not in_calendar(day):
        raise exceptions.ValidationError({name: [OUTSIDE_CALENDAR]})
    return day


def moment_param(
    request, name: str, *, end_of_day: bool = False, exact: bool = False
) -> datetime.datetime | None:
    """An ISO 8601 date-time (naive: the current timezone) or date (its start, or its end), else
    a 400 naming it; refused outside 1900–2999 like `date_param`. `exact`: only a date-time
    with its offset (a sync cursor, which a day or a guessed zone would shift)."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        day = None if exact else parse_date(raw)  # first: parse_datetime reads a date as 00:00
        moment = None if day else parse_datetime(raw.replace(" ", "+"))  # '+' arrives as ' '
    except ValueError:
        moment = day = None
    if exact and (moment is None or moment.tzinfo is None):
        raise exceptions.ValidationError({name: [_("Not an ISO-8601 time with an offset.")]})
    if moment is None and day is None:
        raise exceptions.ValidationError({name: [_("Not an ISO 8601 date or date-time.")]})
    if not in_calendar(day or moment.date()):
        raise exceptions.ValidationError({name: [OUTSIDE_CALENDAR]})
    if day is not None:
        moment = datetime.datetime.combine(
            day, datetime.time.max if end_of_day else datetime.time()
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Pagination(PageNumberPagination):
    """DRF's generic views paginate by the same rules as `page_params`."""

    page_size = PER_PAGE
    page_size_query_param = "page_size"
    max_page_size = MAX_PER_PAGE

    def get_page_size(self, request):
        params = page_params(request)
        return params["per_page"]

    def get_page_number(self, request, paginator):
        return page_params(request)["number"]


def page_params(request) -> dict:
    """`number` and `per_page` from `?page=` / `?page_size=`, for a selector's `*_page(...)`.

    Either, when given, must be a whole number from 1 (else a 400 saying so; a page size over
    MAX_PER_PAGE is cut to it). Passed on with `strict=True`: a page past the last is a 404.
    """
    query = request.query_params
    return {
        "number": positive_int_param("page", query["page"]) if "page" in query else 1,
        "per_page": positive_int_param("page_size", query["page_size"], maximum=MAX_PER_PAGE)
        if "page_size" in query
        else PER_PAGE,
        "strict": True,
    }


def page_response(request, page, results, **fields) -> Response:
    """`{"count", "next", "previous", "results"}` for a page made by `api_page`, with the
    list's own `fields` after them."""

    def link(number):
        if number is None:
            return None
        return request.build_absolute_uri(request.get_full_path() and _with_page(request, number))

    body = {
        "count": page.paginator.count,
        "next": link(page.next_page_number() if page.has_next() else None),
        "previous": link(page.previous_page_number() if page.has_previous() else None),
        "results": results,
    }
    if isinstance(page.paginator, EstimatingPaginator):  # lists that can hold a whole clinic
        body["count_estimated"] = page.paginator.estimated
    return Response(body | fields)


# --- list envelopes: by number, or walked by cursor (page 4,000 costs what page 1 costs) ---------
# The query parameters of a list paged by number or also walked by cursor (its view documents its
# own envelope, `page_envelope`, so drf-spectacular adds no pagination parameters of its own).
NUMBERED = [
    OpenApiParameter("page", int, description="A page number (from 1)."),
    OpenApiParameter("page_size", int, description=f"Rows a page (at most {MAX_PER_PAGE})."),
]
WALKABLE = [
    *NUMBERED,
    OpenApiParameter(
        "cursor",
        str,
        description="Walk the list by cursor instead of `page`: send `cursor=` (empty) for the "
        "first page, then follow `next`. Every page then costs what the first does, however "
        "deep; `count` is null and `previous` is not offered. Not together with `page`.",
    ),
]


# How a list that can hold a whole clinic is counted when one patient's filter is not given.
COUNTED_ACROSS_CLINIC = (
    "Exact up to 10,000; without `patient`, about as many past that (`count_estimated` is then "
    "true)."
)


def page_envelope(
    name: str,
    results: serializers.Serializer,
    counted: str = COUNTED_ACROSS_CLINIC,
    *,
    walked: bool = True,
    always_estimated: bool = False,
    estimated: str = (
        "True when `count` is the recent count of a list of over 10,000 rows rather than a "
        "count taken for this answer."
    ),
    **fields: serializers.Field,
):
    """The schema of a list's envelope, which `walked` lists can also walk by cursor (`count`
    null then); `counted` says how `count` is taken otherwise and `estimated` when it is about;
    `always_estimated`: every answer carries `count_estimated` (a list that can hold a whole
    clinic, whatever its filters); `fields`: the list's own, which the answer gives after
    `results` (`page_response`'s and `cursor_response`'s `fields`)."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "__doc__": "The list's envelope, numbered or walked by cursor (`count` is then null)."
            if walked
            else "The list's envelope, numbered.",
            "count": serializers.IntegerField(
                allow_null=walked,
                help_text=f"{counted} Null when walked by cursor." if walked else counted,
            ),
            "count_estimated": serializers.BooleanField(
                required=always_estimated, help_text=estimated
            ),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": results,
            **fields,
        },
    )


def cursor_params(request) -> dict | None:
    """`cursor` and `per_page` for a list walked by `?cursor=` (a selector's `*_keyset_page`);
    None when the list is paged by number. Both at once is a 400."""
    query = request.query_params
    if "cursor" not in query:
        return None
    if "page" in query:
        raise exceptions.ValidationError({"cursor": [_("Send either page or cursor, not both.")]})
    return {"cursor": query["cursor"].strip(), "per_page": page_params(request)["per_page"]}


def cursor_response(request, results, next_cursor: str | None, **fields) -> Response:
    """The envelope of a page walked by cursor: no count, and `next` the same query with the
    next page's cursor (None on the last); `fields` follow `results`."""
    following = None
    if next_cursor:
        query = request.query_params.copy()
        query["cursor"] = next_cursor
        following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return Response(
        {
            "count": None,
            "count_estimated": False,
            "next": following,
            "previous": None,
            "results": results,
            **fields,
        }
    )


def _with_page(request, number) -> str:
    query = request.query_params.copy()
    query["page"] = number
    return f"{request.path}?{query.urlencode()}"


def _first_error(errors, path: str = "") -> tuple[str, str]:
    """(where, message) of the first message in DRF's nested errors: `steps[0].kind` for a
    list of objects, so the one sentence says which part of a nested body is wrong."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key in ("non_field_errors", "__all__"):
                found = _first_error(value, path)
            elif isinstance(key, int) or str(key).isdigit():  # a list's item, DRF keys by index
                found = _first_error(value, f"{path}[{key}]")
            else:
                found = _first_error(value, f"{path}.{key}" if path else str(key))
            if found[1]:
                return found
        return path, ""
    if isinstance(errors, list):
        for index, value in enumerate(errors):
            nested = isinstance(value, dict | list)
            found = _first_error(value, f"{path}[{index}]" if nested else path)
            if found[1]:
                return found
        return path, ""
    return path, str(errors)


def validation_error_body(errors) -> dict:
    """`{"detail": "...", "errors": {field: [messages]}}`: one sentence plus per-field detail."""
    if isinstance(errors, dict):
        # Each field's errors a list, as the schema documents (`ErrorSerializer`): a nested
        # object's errors, keyed by item index as DRF gives them, are that list's one item.
        fields = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
        where, first = _first_error(errors)  # named as sent: values[0].value
        return {"detail": f"{where}: {first}" if where else first, "errors": fields}
    messages = errors if isinstance(errors, list) else [errors]
    return {"detail": " ".join(str(m) for m in messages), "errors": {"non_field_errors": messages}}


class SessionNotValid(exceptions.AuthenticationFailed):
    """A bearer token that signs no one in (expired, forged, revoked, its user gone): a sentence
    the app can show, and the token check's `code` it acts on (`token_not_valid`: refresh the
    token, then sign in again)."""

    default_detail = gettext_lazy("Your session has expired or is no longer valid. Sign in again.")
    default_code = "token_not_valid"


PASSWORD_CHANGED = gettext_lazy(
    "Your password was changed, which ended this session. Sign in with the new password."
)


def _refusal_code(exc) -> str:
    detail = exc.detail
    if isinstance(detail, dict):  # simplejwt's {"detail", "code", "messages"}
        return str(detail.get("code", ""))
    return getattr(detail, "code", "") or ""


def _in_words(refusal: exceptions.AuthenticationFailed) -> exceptions.AuthenticationFailed:
    """The token check's refusal as SessionNotValid with its code, keeping what the view decided
    for it (the WWW-Authenticate challenge, or a 403 where it has none). simplejwt's are known by
    their shape (a `detail` naming its token classes, `messages` listing their internals); any
    other refusal (wrong password, or already in words) stays as it is."""
    if not isinstance(refusal.detail, dict):
        return refusal
    code = _refusal_code(refusal)
    words = PASSWORD_CHANGED if code == "password_changed" else None
    plain = SessionNotValid(words, code=code or None)
    plain.status_code = refusal.status_code
    plain.auth_header = getattr(refusal, "auth_header", None)
    return plain


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return Response(exc.body(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        if isinstance(errors, dict) and "__all__" in errors:
            errors["non_field_errors"] = errors.pop("__all__")
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, InvalidPage):
        exc = exceptions.NotFound(_("Invalid page."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, exceptions.AuthenticationFailed):
        exc = _in_words(exc)
    from rest_framework import views  # not at the top: loading it reads this module's classes

    response = views.exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_error_body(response.data)
    elif isinstance(response.data, list):
        response.data = {"detail": " ".join(str(m) for m in response.data)}
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.data["code"] = _refusal_code(exc)
    return response


def not_found(request, exception=None):
    return JsonResponse({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
