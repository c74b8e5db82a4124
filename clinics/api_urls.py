from django.urls import re_path

from clinics import api

STAFF_ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    re_path(r"^current/?$", api.CurrentClinicView.as_view(), name="api-clinic-current"),
    re_path(r"^current/staff/?$", api.StaffListView.as_view(), name="api-staff-list"),
    re_path(
        rf"^current/staff/{STAFF_ID}/?$", api.StaffDetailView.as_view(), name="api-staff-detail"
    ),
    re_path(
        rf"^current/staff/{STAFF_ID}/resend-invitation/?$",
        api.StaffResendInvitationView.as_view(),
        name="api-staff-resend-invitation",
    ),
    re_path(
        rf"^current/staff/{STAFF_ID}/mfa-reset/?$",
        api.StaffMfaResetView.as_view(),
        name="api-staff-mfa-reset",
    ),
]

# Signup creates a clinic, so it lives here; it is served among the auth endpoints
# (/api/v1/auth/signup, see health_passport/api_urls.py), where the apps have always found it.
auth_urlpatterns = [
    re_path(r"^signup/?$", api.SignupView.as_view(), name="api-signup"),
    re_path(r"^signup/confirm/?$", api.SignupConfirmView.as_view(), name="api-signup-confirm"),
]
