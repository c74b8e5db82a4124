"""Per-patient lab routes, included under /api/v1/patients/ before the patients app's own."""

from django.urls import re_path

from labs import api

ID = r"(?P<pk>[^/]+)"
TEST = r"(?P<test_id>[^/]+)"

urlpatterns = [
    re_path(rf"^{ID}/labs/?$", api.PatientLabsView.as_view(), name="api-patient-labs"),
    re_path(
        rf"^{ID}/labs/trend/{TEST}/?$", api.PatientTrendView.as_view(), name="api-patient-lab-trend"
    ),
]
