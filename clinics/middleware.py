import zoneinfo

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone, translation


class ClinicTimezoneMiddleware:
    """Times are stored in UTC and shown in the clinic's own timezone, written the clinic's way.

    The clinic's locale (en-GB, en-US, es, fr) is activated for the request, so every template's
    `|date:"DATE_FORMAT"` / `"DATETIME_FORMAT"` (and their SHORT_ forms, the same here) reads
    clinics/formats/<locale>/formats.py: one date and one date-time format per clinic.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        clinic = getattr(request.user, "clinic", None) if request.user.is_authenticated else None
        if clinic is not None:
            timezone.activate(zoneinfo.ZoneInfo(clinic.timezone))
            translation.activate(clinic.locale_code)
            request.LANGUAGE_CODE = translation.get_language()
        else:
            timezone.deactivate()
        return self.get_response(request)


class ProjectNotFoundMiddleware:
    """The project's own 404 page for HTML requests even with DEBUG on (Django's technical
    page would otherwise show the URL list to whoever mistypes an address)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and settings.DEBUG
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith("/api/")
        ):
            return render(request, "404.html", status=404)
        return response
