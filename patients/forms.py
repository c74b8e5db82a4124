"""HTML forms of the patients app: they parse input; patients.services validates and writes."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import ChangedFieldsMixin, FilterForm
from patients.models import (
    PHONE_MAX_LENGTH,
    Allergy,
    Condition,
    Patient,
    Sex,
    validate_date_of_birth,
)
from patients.selectors import SORTS, STATUSES
from patients.services import CLINICAL_FIELDS, DEMOGRAPHIC_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def phone_field(label, **kwargs):
    """Any format; read with the clinic's country and stored in E.164 (odd ones kept as typed)."""
    return forms.CharField(
        label=label,
        max_length=PHONE_MAX_LENGTH,
        required=False,
        help_text=_("Any format, e.g. 07381 283329 or +44 7381 283329."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        **kwargs,
    )


# --- the patient list ----------------------------------------------------------------------------
SORT_LABELS = {
    "name": _("Name (A–Z)"),
    "-name": _("Name (Z–A)"),
    "dob": _("Date of birth (oldest first)"),
    "-dob": _("Date of birth (youngest first)"),
    "mrn": _("MRN (ascending)"),
    "-mrn": _("MRN (descending)"),
    "created": _("Added (oldest first)"),
    "-created": _("Added (newest first)"),
}
STATUS_LABELS = {"active": _("Active"), "archived": _("Archived"), "all": _("Active and archived")}


BORN = datetime.date(1984, 9, 24)


def _search_help() -> str:
    """The search box's help, its date written as the reader's pages write dates, the order the
    search reads them in (core.dates.typed_date): DD/MM/YYYY told an en-US reader the wrong one."""
    return gettext("Name, MRN, phone, e-mail or date of birth (%(iso)s or %(written)s).") % {
        "iso": BORN.isoformat(),
        "written": formats.date_format(BORN, "SHORT_DATE_FORMAT"),
    }


class PatientFilterForm(FilterForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=lazy(_search_help, str)(),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. “jo smi”")}),
    )
    status = forms.ChoiceField(
        label=_("Records"),
        required=False,
        choices=[(key, STATUS_LABELS[key]) for key in STATUSES],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=[(key, SORT_LABELS[key]) for key in SORTS]
    )

    DEFAULTS = {"q": "", "status": "active", "sort": "name"}


# --- demographics -------------------------------------------------------------------------------
class PatientForm(ChangedFieldsMixin, forms.Form):
    FIELDS = DEMOGRAPHIC_FIELDS
    MODEL = Patient  # a conflict on one field does not hide another's refusal

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    preferred_name = forms.CharField(
        label=_("Preferred name"),
        max_length=100,
        required=False,
        help_text=_("What the patient likes to be called, if not their first name."),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=DateInput(), validators=[validate_date_of_birth]
    )
    sex = forms.ChoiceField(label=_("Administrative sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    phone = phone_field(_("Phone"))
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferred_language = forms.CharField(
        label=_("Preferred language"), max_length=60, required=False
    )
    emergency_contact_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    emergency_contact_relationship = forms.CharField(
        label=_("Relationship"), max_length=60, required=False
    )
    emergency_contact_phone = phone_field(_("Phone"))
    staff_notes = forms.CharField(
        label=_("Notes for staff"),
        required=False,
        max_length=10_000,
        help_text=_("Seen by the clinic's staff only, never by the patient."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    create_anyway = forms.BooleanField(
        label=_("Create anyway: this is a different person"), required=False
    )

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A phone's date picker offers no day after the clinic's today.
        self.fields["date_of_birth"].widget.attrs["max"] = timezone.localdate().isoformat()
        if not creating:
            self.fields["create_anyway"].label = _("Save anyway: this is a different person")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Patient"),
                Div(
                    Div("first_name", css_class="col-md-6"),
                    Div("last_name", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div("preferred_name", css_class="col-md-6"),
                    Div("date_of_birth", css_class="col-md-3"),
                    Div("sex", css_class="col-md-3"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Contact"),
                Div(
                    Div("phone", css_class="col-md-4"),
                    Div("email", css_class="col-md-4"),
                    Div("preferred_language", css_class="col-md-4"),
                    css_class="row",
                ),
                "address",
            ),
            Fieldset(
                _("Emergency contact"),
                Div(
                    Div("emergency_contact_name", css_class="col-md-5"),
                    Div("emergency_contact_relationship", css_class="col-md-3"),
                    Div("emergency_contact_phone", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(_("For staff"), "staff_notes"),
        )


# --- the clinical summary -----------------------------------------------------------------------
class ClinicalForm(ChangedFieldsMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class AllergyForm(ClinicalForm):
    FIELDS = CLINICAL_FIELDS["allergies"]

    substance = forms.CharField(
        label=_("Substance"),
        max_length=200,
        help_text=_("Pick from the list (coded) or type any substance."),
        widget=forms.TextInput(attrs={"list": "allergen-vocabulary", "autocomplete": "off"}),
    )
    reaction = forms.CharField(label=_("Reaction"), max_length=200, required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Allergy.Severity.choices, initial=Allergy.Severity.UNKNOWN
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=Allergy.Status.choices, initial=Allergy.Status.ACTIVE
    )


class ConditionForm(ClinicalForm):
    FIELDS = CLINICAL_FIELDS["conditions"]

    name = forms.CharField(label=_("Condition"), max_length=200)
    code_system = forms.ChoiceField(
        label=_("Code system"), choices=Condition.CodeSystem.choices, required=False
    )
    code = forms.CharField(
        label=_("Code"), max_length=20, required=False, help_text=_("e.g. E11.9 or 44054006")
    )
    onset_date = forms.DateField(label=_("Onset date"), required=False, widget=DateInput())
    status = forms.ChoiceField(
        label=_("Status"), choices=Condition.Status.choices, initial=Condition.Status.ACTIVE
    )


class MedicationForm(ClinicalForm):
    FIELDS = CLINICAL_FIELDS["medications"]

    name = forms.CharField(
        label=_("Medication"),
        max_length=200,
        help_text=_("Pick from the list (coded) or type any medication."),
        widget=forms.TextInput(attrs={"list": "medication-vocabulary", "autocomplete": "off"}),
    )
    dose = forms.CharField(label=_("Dose"), max_length=100, required=False)
    frequency = forms.CharField(label=_("Frequency"), max_length=100, required=False)
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput())
    is_active = forms.BooleanField(label=_("Currently taken"), required=False, initial=True)
    override_reason = forms.CharField(
        label=_("Reason to prescribe despite the allergy"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only needed when the medication matches an active allergy; kept and audited."),
    )

    def __init__(self, *args, conflicts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not conflicts and not (self.data.get(self.add_prefix("override_reason")) or ""):
            self.fields["override_reason"].widget = forms.HiddenInput()


CLINICAL_FORMS = {
    "allergies": AllergyForm,
    "conditions": ConditionForm,
    "medications": MedicationForm,
}
