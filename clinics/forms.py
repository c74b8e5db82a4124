"""HTML forms of the clinics app: they parse input; clinics.services validates and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clinics.models import TIMEZONE_CHOICES
from core.roles import STAFF_ROLES, Role

STAFF_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value in STAFF_ROLES]


class ColourInput(forms.TextInput):
    input_type = "color"


class ClinicSettingsForm(forms.Form):
    name = forms.CharField(label=_("Clinic name"), max_length=200)
    logo = forms.ImageField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    primary_color = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        help_text=_("Used for the navigation bar and buttons."),
        widget=ColourInput(attrs={"class": "form-control-color"}),
    )
    timezone = forms.ChoiceField(
        label=_("Timezone"),
        choices=TIMEZONE_CHOICES,
        help_text=_("Times on every page of the clinic are shown in this timezone."),
    )
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    FIELDS = ("name", "logo", "primary_color", "timezone", "address", "phone", "email", "website")

    @classmethod
    def initial_for(cls, clinic) -> dict:
        return {name: getattr(clinic, name) for name in cls.FIELDS}

    def changed_fields(self) -> dict:
        """Only what the user changed, ready for clinics.services.clinic_update."""
        changes = {}
        for name in self.changed_data:
            value = self.cleaned_data.get(name)
            if name == "logo":
                if value is None:  # no upload, not cleared
                    continue
                value = value or ""  # False: "clear" was ticked
            changes[name] = value
        return changes


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or e-mail")}),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *STAFF_ROLE_CHOICES]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Active and inactive")),
            ("active", _("Active")),
            ("inactive", _("Inactive")),
        ],
    )

    def filters(self) -> dict:
        """The valid filters; anything malformed in the query string is simply ignored."""
        if not self.is_valid():
            return {name: self.cleaned_data.get(name, "") for name in ("q", "role", "status")}
        return dict(self.cleaned_data)


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES, initial=Role.CLINICIAN)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )


class StaffEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )

    @staticmethod
    def initial_for(user) -> dict:
        return {"name": user.name, "role": user.role, "phone": user.phone}

    def changed_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}
