from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path, re_path
from django.views.static import serve

from accounts import urls as accounts_urls
from accounts.views import home
from clinics.urls import signup_urlpatterns


@login_not_required
def healthz(request):
    """Liveness probe for load balancers: no database, no session."""
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = settings.APP_NAME + " administration"
admin.site.site_title = settings.APP_NAME

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Signup lives in clinics (it creates a clinic) and keeps its place: "accounts:signup".
    path("accounts/", include((accounts_urls.urlpatterns + signup_urlpatterns, "accounts"))),
    path("clinic/", include("clinics.urls")),
    path("patients/", include("patients.urls")),
    path("labs/", include("labs.urls")),
    path("notes/", include("notes.urls")),
    path("files/", include("files.urls")),
    path("appointments/", include("appointments.urls")),
    # Subscribed calendars: a secret token instead of a login (appointments.views.calendar_feed).
    path("calendar/", include("appointments.feed_urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("health_passport.api_urls")),
    # Clinic logos are public branding (shown on the login-less pages too); nothing else is media.
    re_path(
        r"^media/(?P<path>clinics/[0-9a-f]{24}/logo-[0-9a-f]{8}\.(?:png|jpe?g|webp))$",
        login_not_required(serve),
        {"document_root": settings.MEDIA_ROOT},
    ),
]
