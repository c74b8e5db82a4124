"""HTML forms of the accounts app: they parse input; the services decide and write."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.roles import Role


def apply_service_errors(form, exc: ValidationError, field_map: dict[str, str] | None = None):
    """Show a service's ValidationError on the form: next to the field it names, else on top.

    `field_map` renames service keys to form fields (e.g. "new_password" -> "new_password2").
    """
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        field = field_map.get(key, key)
        if field not in form.fields:
            form.add_error(None, messages)
        else:
            form.add_error(field, messages)


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with e-mail and password; only clinic staff (and superusers) use the web pages."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Please enter a correct e-mail and password."),
        "patient": _(
            "This page is for clinic staff. Patients use the Health Passport mobile app to sign in."
        ),
        "no_clinic": _("This account does not belong to a clinic. Ask your clinic admin."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.role == Role.PATIENT:
            raise ValidationError(self.error_messages["patient"], code="patient")
        if user.clinic_id is None and not user.is_superuser:
            raise ValidationError(self.error_messages["no_clinic"], code="no_clinic")


class SignupForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Enter the same password again."),
    )
    clinic_name = forms.CharField(label=_("Clinic name"), max_length=200)

    def clean(self):
        cleaned = super().clean()
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("The two passwords do not match."))
        return cleaned


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
