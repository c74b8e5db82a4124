from django.urls import path

from clinics import views

app_name = "clinics"

urlpatterns = [
    path("", views.clinic_root, name="root"),
    path("settings/", views.clinic_settings, name="settings"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<str:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<str:pk>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
]

# Signup creates a clinic, so it lives here; it is served among the account pages, as
# /accounts/signup/ named "accounts:signup" (see health_passport/urls.py).
signup_urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
]
