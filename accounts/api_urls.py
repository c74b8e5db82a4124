from django.urls import re_path

from accounts import api, lockout_api, mfa_api

# Each path works with and without a trailing slash: mobile clients differ.
urlpatterns = [
    re_path(r"^login/?$", api.LoginView.as_view(), name="api-login"),
    re_path(r"^refresh/?$", api.RefreshView.as_view(), name="api-refresh"),
    re_path(r"^logout/?$", api.LogoutView.as_view(), name="api-logout"),
    re_path(r"^forgot-password/?$", api.ForgotPasswordView.as_view(), name="api-forgot-password"),
    re_path(r"^reset-password/?$", api.ResetPasswordView.as_view(), name="api-reset-password"),
    re_path(r"^change-password/?$", api.ChangePasswordView.as_view(), name="api-change-password"),
    re_path(r"^me/?$", api.MeView.as_view(), name="api-me"),
    re_path(r"^lockouts/?$", lockout_api.LockoutListView.as_view(), name="api-lockouts"),
    re_path(
        r"^lockouts/(?P<user_id>[^/]+)/?$",
        lockout_api.LockoutClearView.as_view(),
        name="api-lockout-clear",
    ),
    re_path(r"^mfa/totp/?$", mfa_api.TotpBeginView.as_view(), name="api-mfa-totp"),
    re_path(
        r"^mfa/totp/confirm/?$", mfa_api.TotpConfirmView.as_view(), name="api-mfa-totp-confirm"
    ),
    re_path(r"^mfa/totp/off/?$", mfa_api.TotpOffView.as_view(), name="api-mfa-totp-off"),
    re_path(r"^mfa/verify/?$", mfa_api.VerifyView.as_view(), name="api-mfa-verify"),
]
