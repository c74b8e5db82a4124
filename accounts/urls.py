from django.urls import path

from accounts import lockout_views, mfa_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("audit/", views.audit_trail, name="audit_trail"),
    path("lockouts/", lockout_views.lockout_list, name="lockouts"),
    path("lockouts/<str:user_id>/clear/", lockout_views.lockout_clear, name="lockout_clear"),
    path("mfa/verify/", mfa_views.mfa_verify, name="mfa_verify"),
    path("mfa/setup/", mfa_views.mfa_setup, name="mfa_setup"),
    path("mfa/cancel/", mfa_views.mfa_cancel, name="mfa_cancel"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
