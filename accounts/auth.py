"""Authentication hooks: the API's token check, and what django-axes calls (one lockout counter
per e-mail and source address, whatever the e-mail's case)."""

import zoneinfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication

from accounts.language import activate_for
from accounts.models import UserManager
from accounts.tokens import FAMILY_CLAIM, GENERATION_CLAIM, family_is_live
from core.api import SessionNotValid
from core.middleware import client_ip


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's check, plus what ends a token before it expires: the user's token
    generation moved on (deactivated, reactivated) or its family was revoked (logout, a reused
    refresh token). Tokens minted without a family (not by login) only get the first check."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        revoked = SessionNotValid(code="token_revoked")  # logout, deactivation: sign in again
        if validated_token.get(GENERATION_CLAIM, 0) != user.token_generation:
            raise revoked
        family = validated_token.get(FAMILY_CLAIM)
        if family and not family_is_live(family):
            raise revoked
        return user

    def authenticate(self, request):
        """Once the caller is known, answer as a signed-in page would (the middleware saw no
        user yet): times and "today" in their clinic's timezone, text in their language."""
        result = super().authenticate(request)
        if result is not None:
            clinic = getattr(result[0], "clinic", None)
            if clinic is not None:
                timezone.activate(zoneinfo.ZoneInfo(clinic.timezone))
            activate_for(request, result[0])
        return result


LOCKOUT_MESSAGE = gettext_noop(
    "Too many failed logins for this account. Logins are refused for {minutes} minutes; "
    "try again later or reset your password."
)


# --- Failed logins per source address, across accounts (LOGIN_IP_FAILURE_LIMIT an hour) ------
IP_WINDOW_SECONDS = 60 * 60


def _ip_key(ip: str) -> str:
    return f"login-failures-ip:{ip}"


def ip_failure_record(request) -> None:
    """Count one failed login against the request's source address (called on every failure)."""
    ip = client_ip(request) if request is not None else None
    if not ip:
        return
    key = _ip_key(ip)
    cache.add(key, 0, timeout=IP_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=IP_WINDOW_SECONDS)


def ip_is_throttled(request) -> bool:
    ip = client_ip(request) if request is not None else None
    return bool(ip) and cache.get(_ip_key(ip), 0) >= settings.LOGIN_IP_FAILURE_LIMIT


class SourceThrottleBackend:
    """The first authentication backend: a source address with LOGIN_IP_FAILURE_LIMIT failed
    logins in the last hour (whatever the accounts) may not try again until the hour is over.

    The per-account lockout (django-axes) counts an account's failures per source address, so a
    stranger cannot lock someone out; this is what stops one address guessing across accounts.
    The refusal is answered by axes' middleware through `lockout_response`. (No `get_user`:
    sessions are never this backend's.)
    """

    def authenticate(self, request, **credentials):
        if request is not None and ip_is_throttled(request):
            request.axes_locked_out = True
            request.login_ip_throttled = True
            raise PermissionDenied
        return None


def axes_username(request, credentials):
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username") or getattr(request, "data", {}).get("email")
    return UserManager.normalize_email(raw or "")


# No "reset your password" here: a reset (or the admin's unlock) clears an account's lock, not
# the network's count, which only the hour's end does.
IP_THROTTLE_MESSAGE = gettext_noop(
    "Too many failed logins from your network. Logins from it are refused for up to an hour; "
    "try again later."
)


def lockout_message(request=None) -> str:
    if getattr(request, "login_ip_throttled", False):
        return _(IP_THROTTLE_MESSAGE)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(LOCKOUT_MESSAGE).format(minutes=minutes)


def lockout_response(request, *args, **kwargs):
    """HTML pages show a page; everything under /api/ gets JSON, as every API error does."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    network = getattr(request, "login_ip_throttled", False)
    context = {"message": message, "network": network}
    return render(request, "accounts/locked_out.html", context, status=429)


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI description of JWTAuthentication: simplejwt's Bearer scheme."""

    target_class = JWTAuthentication
