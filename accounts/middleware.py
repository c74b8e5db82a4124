"""Request context for the audit trail, so services can record IP and agent without a request."""

from contextvars import ContextVar

request_meta: ContextVar[dict | None] = ContextVar("request_meta", default=None)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_meta.set(
            {
                "ip_address": request.META.get("REMOTE_ADDR") or None,
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            }
        )
        try:
            return self.get_response(request)
        finally:
            request_meta.reset(token)
