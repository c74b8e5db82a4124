"""Hooks that django-axes calls: one lockout counter per e-mail, whatever its case."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import UserManager

LOCKOUT_MESSAGE = (
    "Too many failed logins for this account. Logins are refused for {minutes} minutes; "
    "try again later or reset your password."
)


def axes_username(request, credentials):
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username") or getattr(request, "data", {}).get("email")
    return UserManager.normalize_email(raw or "")


def lockout_message() -> str:
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(LOCKOUT_MESSAGE).format(minutes=minutes)


def lockout_response(request, *args, **kwargs):
    """HTML pages show a page; everything under /api/ gets JSON, as every API error does."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429)
    return render(request, "accounts/locked_out.html", {"message": lockout_message()}, status=429)
