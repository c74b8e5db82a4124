"""HTML forms of the clinics app: they parse input; clinics.services validates and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from clinics.locales import LOCALE_CHOICES, country_choices, timezone_groups
from clinics.models import BOOKING_POLICY_MAX_HOURS, Clinic, MfaPolicy
from clinics.services import CLINIC_EDITABLE_FIELDS
from core.forms import ChangedFieldsMixin, FilterForm, FilterWidgetRenderer
from core.roles import STAFF_ROLE_CHOICES, Role


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


class ColourInput(forms.TextInput):
    input_type = "color"


class KeptUnlessPostedChoiceField(forms.ChoiceField):
    """A setting left out of a post (an older form, a script) is unchanged, not emptied."""

    def has_changed(self, initial, data):
        return bool(data) and super().has_changed(initial, data)


def _countries():
    """Read when the form is drawn, so the names are in the reader's language."""
    return [("", _("From the timezone")), *country_choices()]


class ClinicSettingsForm(ChangedFieldsMixin, forms.Form):
    # Its timezone, country and locale selects hold 853 options: drawn through Django's option
    # templates the page took 56 ms, half of it in them (the same bytes, in Python).
    default_renderer = FilterWidgetRenderer()

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
        choices=timezone_groups,
        help_text=_("Times on every page of the clinic are shown in this timezone."),
        widget=forms.Select(
            attrs={
                "data-hp-filterable": "true",
                "data-hp-filter-placeholder": _("Search timezones"),
            }
        ),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=_countries,
        required=False,
        help_text=_("Phone numbers without a country code are read as this country's."),
        widget=forms.Select(
            attrs={
                "data-hp-filterable": "true",
                "data-hp-filter-placeholder": _("Search countries"),
            }
        ),
    )
    locale = forms.ChoiceField(
        label=_("Date format"),
        choices=[("", _("From the country")), *LOCALE_CHOICES],
        required=False,
        help_text=_("How dates and times are written on every page and in every e-mail."),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    min_notice_hours = forms.IntegerField(
        label=_("Minimum notice for patients (hours)"),
        min_value=0,
        max_value=BOOKING_POLICY_MAX_HOURS,
        help_text=_("Patients cannot book a slot that starts sooner than this."),
    )
    cancel_cutoff_hours = forms.IntegerField(
        label=_("Cancellation cut-off for patients (hours)"),
        min_value=0,
        max_value=BOOKING_POLICY_MAX_HOURS,
        help_text=_("Patients cannot cancel online later than this before the start."),
    )

    mfa_policy = KeptUnlessPostedChoiceField(
        label=_("Two-factor authentication"),
        choices=MfaPolicy.choices,
        required=False,
        help_text=_("Staff it applies to set it up at their next sign-in."),
    )

    def clean_mfa_policy(self):
        """Left out of a post: unchanged."""
        return self.cleaned_data["mfa_policy"] or self.initial.get("mfa_policy", MfaPolicy.OFF)

    FIELDS = CLINIC_EDITABLE_FIELDS
    MODEL = Clinic
    BOOKING_FIELDS = ("min_notice_hours", "cancel_cutoff_hours")

    def general_fields(self):
        """The page shows the booking policy in a section of its own."""
        return [self[name] for name in self.fields if name not in self.BOOKING_FIELDS]

    def booking_fields(self):
        return [self[name] for name in self.BOOKING_FIELDS]

    def changed_fields(self) -> dict:
        changes = super().changed_fields()
        if changes.get("logo") is False:  # "clear" was ticked
            changes["logo"] = ""
        return changes

    def logo_not_saved(self) -> bool:
        """A logo chosen with a refused save: the browser cannot put it back in the file input,
        so the page says it must be chosen again (its own error says so already)."""
        return bool(self.files.get("logo")) and bool(self.errors) and "logo" not in self.errors


class StaffFilterForm(FilterForm):
    DEFAULTS = {"q": "", "role": "", "status": ""}

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


class StaffEditForm(ChangedFieldsMixin, forms.Form):
    FIELDS = ("name", "role", "phone")
    MODEL = User

    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
