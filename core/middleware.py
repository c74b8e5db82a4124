"""Request context for the audit trail, so services can record IP and agent without a request."""

from contextvars import ContextVar

from django.conf import settings

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
            }
        )
        try:
            return self.get_response(request)
        finally:
            request_meta.reset(token)
