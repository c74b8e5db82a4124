from django.urls import re_path

from clinics import api

urlpatterns = [
    re_path(r"^current/?$", api.CurrentClinicView.as_view(), name="api-clinic-current"),
    re_path(r"^current/staff/?$", api.StaffListView.as_view(), name="api-staff-list"),
    re_path(
        r"^current/staff/(?P<pk>[^/]+)/?$", api.StaffDetailView.as_view(), name="api-staff-detail"
    ),
]
