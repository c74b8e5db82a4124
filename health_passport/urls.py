from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

from accounts import urls as accounts_urls
from accounts.views import home
from clinics.urls import signup_urlpatterns
from core import health

admin.site.site_header = settings.APP_NAME + " administration"


def favicon(request):
    """The icon's hashed static URL, looked up per request (the manifest exists once
    collectstatic has run, not when this module is imported)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


admin.site.site_title = settings.APP_NAME

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's, print pages): a
    # 404 there was audited as a refused request in the signed-in user's name.
    path("favicon.ico", login_not_required(favicon)),
    # Signup lives in clinics (it creates a clinic) and keeps its place: "accounts:signup".
    path("accounts/", include((accounts_urls.urlpatterns + signup_urlpatterns, "accounts"))),
    path("clinic/", include("clinics.urls")),
    path("patients/", include("patients.urls")),
    # Section roots without a page of their own lead to the section's main list.
    path("labs/", RedirectView.as_view(pattern_name="labs:order_list"), name="labs-root"),
    path("labs/", include("labs.urls")),
    path("notes/", RedirectView.as_view(pattern_name="patients:list"), name="notes-root"),
    path("notes/", include("notes.urls")),
    path("files/", include("files.urls")),
    path("appointments/", include("appointments.urls")),
    path("programs/", include("programs.urls")),
    path("messages/", include("messaging.urls")),
    path("ai/", include("ai_assist.urls")),
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
