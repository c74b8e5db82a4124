"""Request-wide guards: the audit trail's request context (IP and agent for services without a
request), JSON errors for every API path, and no caching of pages that carry PHI."""

from contextvars import ContextVar

from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

request_meta: ContextVar[dict | None] = ContextVar("request_meta", default=None)


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the NUM_PROXIES-th X-Forwarded-For hop from the right behind proxies."""
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return hops[-min(proxies, len(hops))] or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_meta.set(
            {
                "ip_address": client_ip(request),
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
                # What a refusal names (core.audit.audit_refused): never the query string.
                "request": f"{request.method} {request.path}"[:200],
            }
        )
        try:
            return self.get_response(request)
        finally:
            request_meta.reset(token)


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class ApiErrorsMiddleware:
    """Every error under /api/ is JSON with a `detail`, whatever raised it.

    Bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE (files excepted: their views check their own
    limit) are refused before anything reads them; Django's own HTML answers (a CSRF 403, the
    400 of an unreadable request, a 500) become JSON with the same status. A client's mistake is
    never logged with a traceback: Django logs 4xx as one line, and this never re-raises.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        too_large = self._too_large(request)
        response = too_large or self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            response = _as_json(response)
        return response

    @staticmethod
    def _too_large(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _json_error(400, _("The Content-Length header is not a number."))
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit and length > limit and not content_type.startswith("multipart/"):
            return _json_error(
                413,
                _("The request body is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            )
        return None


def _is_json(response) -> bool:
    return "json" in response.get("Content-Type", "")


def _as_json(original) -> JsonResponse:
    """The same error as JSON, keeping the headers that say more (Content-Range, Allow, ...)."""
    converted = _json_error(original.status_code)
    for header, value in original.items():
        if header.lower() not in ("content-type", "content-length"):
            converted.headers.setdefault(header, value)
    return converted


def _json_error(status: int, detail: str = "") -> JsonResponse:
    if not detail:
        detail = {
            400: _("Bad request."),
            401: _(
                "Authentication credentials were not provided."
            ),  # DRF's words (a link opened in a browser)
            403: _("You do not have permission to perform this action."),
            404: _("Not found."),
            405: _("Method not allowed."),
            413: _("The request body is too large."),
            416: _("The requested range is outside the file."),
        }.get(status) or (_("Server error.") if status >= 500 else _("Bad request."))
    return JsonResponse({"detail": str(detail)}, status=status)


class NoStoreMiddleware:
    """Pages and API answers carry PHI: no browser, proxy or back button keeps a copy.

    Every API response and every response to a signed-in user gets `Cache-Control: no-store`
    (and `Pragma: no-cache` for HTTP/1.0 caches). Static files and public logos are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            is_api(request)
            or request.META.get("HTTP_AUTHORIZATION")
            or (user is not None and user.is_authenticated)
        ):
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response
