"""Request ids and the one log line per request.

Every response carries `X-Request-ID`: the proxy's, when it sent a well-formed one, else a new
one. The id is on every log record written while the request runs (`RequestIdFilter`), so one
request's lines can be found together. `RequestLogMiddleware` writes one line per request:
method, route pattern (`api/v1/patients/<str:pk>/`, never the raw path), status, duration and
request id; never a query string, a name or any other PHI. `LOG_FORMAT=json` renders each record
as one JSON object (`JsonFormatter`). No record carries an e-mail address (`NoAddressesFilter`).
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.urls import Resolver404, resolve

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")
logger = logging.getLogger("health_passport.requests")

HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
LINE_FIELDS = ("method", "route", "status", "duration_ms")


def request_id_of(request) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if WELL_FORMED.match(given) else uuid.uuid4().hex


def route_of(request) -> str:
    """The matched pattern; a router's regex reads like a path converter (`<pk>`)."""
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before the view (a middleware): resolve it here
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "<unmatched>"
    if not match.route:
        return "<unmatched>"
    route = NAMED_GROUP.sub(r"<\1>", match.route).replace("/?$", "/")
    return route.lstrip("^").rstrip("$")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_of(request)
        token = current_request_id.set(request.request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request.request_id
            logger.info(
                "%s %s %s",
                request.method,
                route_of(request),
                response.status_code,
                extra={
                    "method": request.method,
                    "route": route_of(request),
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            current_request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`-` outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


# An e-mail address, as a mail server's refusal or a library's error quotes one. The local part
# is bounded (64 characters at most, RFC 5321): unbounded, a long token in a line holding an "@"
# took seconds to scan.
ADDRESS = re.compile(r"[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")


class NoAddressesFilter(logging.Filter):
    """Takes e-mail addresses out of every record, its traceback included: a patient's address
    is theirs, and an SMTP refusal (`SMTPRecipientsRefused`) quotes it whole."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format is the handler's to report, as without us
            return True
        if "@" in message:
            record.msg, record.args = ADDRESS.sub("[address]", message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and "@" in record.exc_text:
            record.exc_text = ADDRESS.sub("[address]", record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, request fields."""

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", current_request_id.get()),
        }
        for name in LINE_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, default=str)

    converter = time.gmtime
