"""HTML forms of the accounts app: they parse input; the services decide and write."""

from collections import Counter

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.language import LANGUAGE_CHOICES
from accounts.models import AuditEvent, User
from core.forms import ChangedFieldsMixin, FilterDateField, FilterForm
from core.roles import Role


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


class PasswordChangeForm(DjangoPasswordChangeForm):
    """The current password is left to `accounts.services.password_change`, which checks it as a
    login is (lockout, audit): Django's form would check it first, without either."""

    def clean_old_password(self):
        return self.cleaned_data["old_password"]


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ProfileForm(ChangedFieldsMixin, forms.Form):
    FIELDS = ("name", "phone", "language")
    MODEL = User  # a conflict on one field does not hide a bad phone in another

    name = forms.CharField(
        label=_("Name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The clinic's language")), *LANGUAGE_CHOICES],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.role == Role.PATIENT:  # as accounts.services.profile_update refuses
            self.fields["name"].disabled = True
            self.fields["name"].help_text = _("Your clinic keeps your name on your record.")


class AuditFilterForm(FilterForm):
    """The audit trail's filters; `staff` are the clinic's staff the "who" filter offers."""

    DEFAULTS = {"action": "", "who": "", "patient": "", "since": None, "until": None}

    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[
            ("", _("All actions")),
            *((value, capfirst(label)) for value, label in AuditEvent.Action.choices),
        ],
    )
    who = forms.ChoiceField(label=_("Staff member"), required=False)
    patient = forms.CharField(
        label=_("Patient"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name or MRN"), "type": "search"}),
    )
    since = FilterDateField(label=_("From"))
    until = FilterDateField(label=_("To"))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        names = Counter(user.name.casefold() for user in staff if user.name)
        self.fields["who"].choices = [
            ("", _("Anyone")),
            *((user.pk, self._who_label(user, names[user.name.casefold()] > 1)) for user in staff),
        ]

    @staticmethod
    def _who_label(user, named_alike: bool) -> str:
        """A colleague by name; with the e-mail (unique) when a colleague has the same name, so
        the admin can tell them apart; marked when deactivated, as the trail names former staff."""
        label = user.name or user.email
        if named_alike:
            label = _("%(name)s (%(email)s)") % {"name": user.name, "email": user.email}
        if not user.is_active:
            label = _("%(person)s (deactivated)") % {"person": label}
        return label
