"""HTML forms of the labs app: they parse input; labs.services validates, flags and writes."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ChangedFieldsMixin, FilterForm, LocalDateTimeField
from labs import units
from labs.models import CommunicationMethod, LabOrder, LabResult, LabSettings, ReferenceRange
from labs.services import NUMERIC_ONLY
from patients.models import Condition

IMPORT_MAX_BYTES = 2 * 1024 * 1024  # 2 MB
DECIMAL = {"max_digits": 12, "decimal_places": 4, "required": False}


class LimitField(forms.DecimalField):
    """A range or critical limit: shown as written ("3.5"), not with the column's four places
    ("3.5000", as SQLite gives it back)."""

    def prepare_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            return format(value.normalize(), "f")
        return super().prepare_value(value)


# --- orders ---------------------------------------------------------------------------------------
# The order page draws its check boxes itself (choice.tag): Bootstrap's class sizes and spaces
# each box beside its label.
CHECK_BOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class OrderForm(forms.Form):
    panels = forms.MultipleChoiceField(label=_("Panels"), required=False, widget=CHECK_BOXES)
    tests = forms.MultipleChoiceField(label=_("Single tests"), required=False, widget=CHECK_BOXES)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=LabOrder.Priority.choices, initial="routine"
    )
    notes = forms.CharField(
        label=_("Notes for the lab"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    indication = forms.CharField(
        label=_("Indication / diagnosis"),
        required=False,
        max_length=200,
        help_text=_("Why the tests are ordered, e.g. Type 2 diabetes follow-up."),
    )
    indication_code = forms.CharField(label=_("Code"), required=False, max_length=20)
    indication_system = forms.ChoiceField(
        label=_("Code system"), required=False, choices=Condition.CodeSystem.choices
    )

    def __init__(self, *args, panels=(), tests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.panel_objects = {str(p.pk): p for p in panels}
        self.test_objects = {str(t.pk): t for t in tests}
        self.fields["panels"].choices = [
            (pk, f"{p.name} ({', '.join(i.test.name for i in p.items.all() if i.test.is_active)})")
            for pk, p in self.panel_objects.items()
        ]
        self.fields["tests"].choices = [(pk, str(t)) for pk, t in self.test_objects.items()]

    def clean(self):
        data = super().clean()
        if not data.get("panels") and not data.get("tests"):
            raise forms.ValidationError(_("Choose at least one test or panel."))
        return data

    def chosen(self) -> dict:
        data = self.cleaned_data
        return {
            "panels": [self.panel_objects[pk] for pk in data["panels"]],
            "tests": [self.test_objects[pk] for pk in data["tests"]],
            "priority": data["priority"],
            "notes": data["notes"],
            "indication": data["indication"],
            "indication_code": data["indication_code"],
            "indication_system": data["indication_system"],
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=200,
        error_messages={"required": _("Give a reason for cancelling the order.")},
    )


# --- results ------------------------------------------------------------------------------------
class ResultRowForm(forms.Form):
    """One result: the service checks the value against the test's type and unit."""

    value = forms.CharField(label=_("Value"), required=False, max_length=200)
    unit = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=40,
        help_text=_("Optional: the test's unit when empty."),
    )
    collected_at = LocalDateTimeField(label=_("Collected at"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (LabResult.Status.FINAL, LabResult.Status.FINAL.label),
            (LabResult.Status.PRELIMINARY, LabResult.Status.PRELIMINARY.label),
        ],
        initial=LabResult.Status.FINAL,
    )
    performing_lab = forms.CharField(label=_("Performing lab"), required=False, max_length=200)

    def __init__(self, *args, test=None, value_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.test = test
        self.value_required = value_required
        if test is not None:
            self.fields["unit"].widget.attrs["placeholder"] = test.unit
            if test.value_type == "posneg":
                self.fields["value"].help_text = _("Positive or negative")

    @property
    def is_blank(self) -> bool:
        """A row left empty (in result entry per order, such a test is not resulted yet)."""
        return self.is_bound and not (self.data.get(self.add_prefix("value")) or "").strip()

    def clean(self):
        data = super().clean()
        if not (data.get("value") or "").strip():
            self.add_error("value", _("Enter a value."))
        if not data.get("collected_at") and "collected_at" not in self.errors:
            self.add_error("collected_at", _("Enter the time of collection."))
        return data

    def result_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "value": data["value"],
            "unit": data["unit"] or None,
            "collected_at": data["collected_at"],
            "status": data["status"],
            "performing_lab": data["performing_lab"],
        }


class OutsideResultForm(ResultRowForm):
    test = forms.ChoiceField(label=_("Test"))

    field_order = ["test", "value", "unit", "collected_at", "status", "performing_lab"]

    def __init__(self, *args, tests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.test_objects = {str(t.pk): t for t in tests}
        self.fields["test"].choices = [("", "—")] + [
            (pk, str(t)) for pk, t in self.test_objects.items()
        ]
        self.fields["unit"].help_text = _("Optional: the test's own unit when empty.")

    def result_fields(self) -> dict:
        return {**super().result_fields(), "test": self.test_objects[self.cleaned_data["test"]]}


class OrderEntryForm(forms.Form):
    """What a result grid enters once for the whole order: collection time, lab, status."""

    collected_at = LocalDateTimeField(label=_("Collected at"))
    performing_lab = forms.CharField(label=_("Performing lab"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (LabResult.Status.FINAL, LabResult.Status.FINAL.label),
            (LabResult.Status.PRELIMINARY, LabResult.Status.PRELIMINARY.label),
        ],
        initial=LabResult.Status.FINAL,
    )


class GridRowForm(forms.Form):
    """One analyte of the grid: its value, in the test's unit or one it converts from (the
    service checks the unit and converts)."""

    value = forms.CharField(label=_("Value"), required=False, max_length=200)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=40)

    def __init__(self, *args, test, **kwargs):
        super().__init__(*args, **kwargs)
        self.test = test
        self.unit_choices = [(test.unit, units.display(test.unit) or "—")]
        other = units.other_unit(test)
        if other:
            self.unit_choices.append((other, units.display(other)))
        self.fields["value"].widget.attrs.update(
            {"autocomplete": "off", "class": "form-control form-control-sm hp-grid-value"}
        )
        if test.value_type == "numeric":
            self.fields["value"].widget.attrs["inputmode"] = "decimal"
        elif test.value_type == "posneg":
            self.fields["value"].widget.attrs["list"] = "hp-posneg"

    @property
    def is_blank(self) -> bool:
        return self.is_bound and not (self.data.get(self.add_prefix("value")) or "").strip()


class ValueShownForm(forms.Form):
    """Carries the fingerprint of the value the page showed (labs.services.value_shown): the
    service refuses the action when the result was corrected since."""

    shown = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class CriticalCommunicationForm(ValueShownForm):
    communicated_to = forms.CharField(
        label=_("Told to (name and role)"),
        max_length=200,
        help_text=_("e.g. Dr Patel, on-call physician"),
    )
    method = forms.ChoiceField(label=_("How"), choices=CommunicationMethod.choices)
    communicated_at = LocalDateTimeField(label=_("When"))


class BulkReviewForm(forms.Form):
    """Sign off an order's (or a patient's) results with one comment; abnormal ones ticked."""

    SCOPES = [("order", _("this order")), ("patient", _("this patient's normal results"))]

    scope = forms.ChoiceField(choices=SCOPES)
    order = forms.CharField(required=False, max_length=64)
    patient = forms.CharField(required=False, max_length=64)
    # Its limit is the service's (labs.services.review_comment): a comment too long is named as
    # such, and the queue keeps it to shorten.
    comment = forms.CharField(label=_("Comment"), required=False)
    abnormal = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # ids, checked by the service against the results in scope
        self.fields["abnormal"].valid_value = lambda value: bool(value) and len(value) <= 64


class CorrectionForm(ValueShownForm):
    value = forms.CharField(label=_("Corrected value"), max_length=200)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=40)
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewForm(ValueShownForm):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewFilterForm(FilterForm):
    SEVERITIES = [("", _("All")), ("critical", _("Critical")), ("abnormal", _("Abnormal"))]
    DEFAULTS = {"q": "", "severity": "", "mine": False}

    q = forms.CharField(label=_("Patient (name or MRN)"), required=False, max_length=100)
    severity = forms.ChoiceField(label=_("Severity"), choices=SEVERITIES, required=False)
    mine = forms.BooleanField(label=_("Only my orders"), required=False)

    def queue_filters(self) -> dict:
        """The keywords of labs.selectors.review_queue."""
        filters = self.filters()
        return {"mine": filters["mine"], "severity": filters["severity"], "search": filters["q"]}


class OrderFilterForm(FilterForm):
    DEFAULTS = {"q": "", "status": ""}

    q = forms.CharField(label=_("Patient (name or MRN)"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Open (ordered or collected)")), ("all", _("All"))]
        + list(LabOrder.Status.choices),
        required=False,
    )

    def order_filters(self) -> dict:
        """The keywords of labs.selectors.order_list: the page's default ("") is the open
        orders; "all" lifts the status filter."""
        filters = self.filters()
        status = {"": "open", "all": ""}.get(filters["status"], filters["status"])
        return {"status": status, "search": filters["q"]}


# --- catalogue ----------------------------------------------------------------------------------
class CatalogueSearchForm(FilterForm):
    DEFAULTS = {"q": "", "active": ""}

    q = forms.CharField(label=_("Search by name or LOINC code"), required=False, max_length=100)
    active = forms.ChoiceField(
        label=_("Show"),
        choices=[("", _("All tests")), ("1", _("Active only"))],
        required=False,
    )

    def catalogue_filters(self) -> dict:
        """The keywords of labs.selectors.labtest_list."""
        filters = self.filters()
        return {"search": filters["q"], "active_only": filters["active"] == "1"}


class UnitSystemForm(forms.Form):
    unit_system = forms.ChoiceField(
        label=_("Units of the catalogue"),
        choices=LabSettings.UnitSystem.choices,
        help_text=_(
            "Glucose, creatinine, cholesterol, triglycerides, urea, calcium and HbA1c have both "
            "forms; tests that already have results keep theirs. Either unit is accepted when "
            "results are entered."
        ),
    )


class LabTestForm(ChangedFieldsMixin, forms.Form):
    FIELDS = ("name", "unit", "critical_low", "critical_high", "is_active")

    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.CharField(label=_("Unit (UCUM)"), max_length=40, required=False)
    critical_low = LimitField(label=_("Critical low"), **DECIMAL)
    critical_high = LimitField(label=_("Critical high"), **DECIMAL)
    is_active = forms.BooleanField(label=_("Active (can be ordered and resulted)"), required=False)

    def __init__(self, *args, numeric: bool = True, **kwargs):
        """A test of text results (a blood group, "Positive") has no unit or critical limits:
        its form does not offer them."""
        if not numeric:
            self.FIELDS = tuple(name for name in self.FIELDS if name not in NUMERIC_ONLY)
        super().__init__(*args, **kwargs)
        if not numeric:
            for name in NUMERIC_ONLY:
                del self.fields[name]


class RangeForm(ChangedFieldsMixin, forms.Form):
    FIELDS = ("sex", "age_min", "age_max", "low", "high", "normal_text")

    sex = forms.ChoiceField(label=_("Sex"), choices=ReferenceRange.Sex.choices, initial="any")
    age_min = forms.IntegerField(label=_("From age (years)"), min_value=0, max_value=150, initial=0)
    age_max = forms.IntegerField(
        label=_("Below age (years)"),
        min_value=1,
        max_value=200,
        required=False,
        help_text=_("Empty: no upper limit."),
    )
    low = LimitField(label=_("Low"), **DECIMAL)
    high = LimitField(label=_("High"), **DECIMAL)
    normal_text = forms.CharField(
        label=_("Normal value (text results)"), max_length=60, required=False
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("low") is None
            and data.get("high") is None
            and not (data.get("normal_text") or "").strip()
            and not self.errors
        ):
            raise forms.ValidationError(_("Give a low or high limit, or a normal value."))
        return data


# --- CSV import ---------------------------------------------------------------------------------
class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: mrn, test (LOINC code or name), value, unit, collected_at (ISO 8601), lab. "
            "At most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is 2 MB. Split it into smaller files.")
                % {"size": f"{upload.size / 1024 / 1024:.1f} MB"}
            )
        raw = upload.read(IMPORT_MAX_BYTES + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text; save it as CSV (UTF-8)."))
        if "\x00" in text:
            raise forms.ValidationError(_("The file is not a CSV text file."))
        if not text.strip():
            raise forms.ValidationError(_("The file is empty."))
        return text
