from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Django's auth signals are the one hook shared by the HTML login, the API and the admin.
        from django.contrib.auth import signals

        from accounts import services
        from accounts.auth import ip_failure_record

        def on_login(sender, request, user, **kwargs):
            services.login_record(user=user)

        def on_login_failed(sender, credentials, request=None, **kwargs):
            services.login_failed_record(email=credentials.get("username", ""))
            ip_failure_record(request)

        def on_logout(sender, request, user, **kwargs):
            if user is not None:
                services.logout_record(user=user)

        signals.user_logged_in.connect(on_login, dispatch_uid="accounts.audit_login")
        signals.user_login_failed.connect(on_login_failed, dispatch_uid="accounts.audit_failed")
        signals.user_logged_out.connect(on_logout, dispatch_uid="accounts.audit_logout")

        from accounts.mfa_views import on_login as mfa_on_login

        signals.user_logged_in.connect(mfa_on_login, dispatch_uid="accounts.mfa_login")
