"""Per-patient file routes, included under /api/v1/patients/ before the patients app's own."""

from django.urls import re_path

from files import api

urlpatterns = [
    re_path(r"^(?P<pk>[^/]+)/files/?$", api.PatientFilesView.as_view(), name="api-patient-files"),
]
