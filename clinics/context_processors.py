from django.conf import settings


def branding(request):
    """The clinic's name, logo and colour for base.html, on every page of that clinic."""
    user = getattr(request, "user", None)
    clinic = user.clinic if user is not None and user.is_authenticated else None
    return {
        "app_name": settings.APP_NAME,
        "clinic": clinic,
        "primary_color": clinic.primary_color if clinic else "#0d6efd",
    }
