from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from clinics import api_urls as clinics_api_urls
from core.api import not_found

urlpatterns = [
    path("v1/auth/", include("accounts.api_urls")),
    path("v1/auth/", include(clinics_api_urls.auth_urlpatterns)),  # signup creates a clinic
    path("v1/clinics/", include("clinics.api_urls")),
    path("v1/labs/", include("labs.api_urls")),
    path("v1/patients/", include("labs.patient_api_urls")),
    path("v1/patients/", include("files.patient_api_urls")),
    path("v1/files/", include("files.api_urls")),
    path("v1/patients/", include("patients.api_urls")),
    path("v1/notes/", include("files.note_api_urls")),
    path("v1/notes/", include("notes.api_urls")),
    path("v1/appointments/", include("appointments.api_urls")),
    path("v1/", include("programs.api_urls")),
    path("v1/messages/", include("messaging.api_urls")),
    path("v1/ai/", include("ai_assist.api_urls")),
    path("v1/notifications/", include("notifications.api_urls")),
    path("v1/webhooks/", include("notifications.webhook_api_urls")),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        login_not_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="schema", template_name="api/swagger_ui.html"
            )
        ),
        name="swagger-ui",
    ),
    path(
        "redoc/",
        login_not_required(
            SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    # Anything else under /api/ is a JSON 404, never an HTML page.
    re_path(r"^.*$", csrf_exempt(login_not_required(not_found))),
]
