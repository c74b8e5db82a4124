import zoneinfo

from django.utils import timezone


class ClinicTimezoneMiddleware:
    """Times are stored in UTC and shown in the clinic's own timezone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        clinic = getattr(request.user, "clinic", None) if request.user.is_authenticated else None
        if clinic is not None:
            timezone.activate(zoneinfo.ZoneInfo(clinic.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)
