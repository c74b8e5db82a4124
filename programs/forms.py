"""HTML forms of programmes: the dashboard's filters, a template, a step, enrolment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import FilterForm
from programs.catalogue import MEASURE_CHOICES
from programs.models import Enrollment, ProgramTemplate, Step

SORT_CHOICES = [
    ("-start", _("Newest enrolment")),
    ("adherence", _("Lowest adherence")),
    ("-adherence", _("Highest adherence")),
    ("-activity", _("Latest activity")),
    ("activity", _("Oldest activity")),
]


class DashboardFilterForm(FilterForm):
    DEFAULTS = {"state": "active", "program": "", "sort": "-start", "behind": False,
                "off_target": False}  # fmt: skip

    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any"))] + Enrollment.State.choices
    )
    program = forms.ChoiceField(label=_("Programme"), required=False, choices=[("", _("Any"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    behind = forms.BooleanField(label=_("Falling behind"), required=False)
    off_target = forms.BooleanField(label=_("Off target"), required=False)

    def offer(self, templates):
        seen = {}
        for t in templates:
            seen.setdefault(t.lineage, t.name)
        self.fields["program"].choices = [("", _("Any"))] + list(seen.items())


class TemplateForm(forms.ModelForm):
    class Meta:
        model = ProgramTemplate
        fields = ["name", "description", "duration_days"]


class StepForm(forms.Form):
    day = forms.IntegerField(label=_("Day"), min_value=0, initial=0)
    kind = forms.ChoiceField(label=_("Kind"), choices=Step.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    repeat = forms.ChoiceField(label=_("Repeat"), choices=Step.Repeat.choices, required=False)
    every_days = forms.IntegerField(label=_("Every N days"), min_value=1, required=False)
    until_day = forms.IntegerField(label=_("Until day"), min_value=0, required=False)
    body = forms.CharField(label=_("Text (Markdown)"), widget=forms.Textarea, required=False)
    measure = forms.ChoiceField(
        label=_("Measurement"), choices=[("", "—")] + MEASURE_CHOICES, required=False
    )
    target_low = forms.FloatField(label=_("Target from"), required=False)
    target_high = forms.FloatField(label=_("Target up to"), required=False)
    appointment_type = forms.CharField(label=_("Appointment type"), required=False)

    def step_fields(self) -> dict:
        from programs.catalogue import MEASURES

        data = dict(self.cleaned_data)
        low, high = data.pop("target_low"), data.pop("target_high")
        data["targets"] = {}
        if data["measure"] and (low is not None or high is not None):
            code = MEASURES[data["measure"]].components[0].code
            data["targets"] = {code: {"low": low, "high": high}}
        if data["kind"] == Step.Kind.CHECK_IN:
            data["questions"] = [
                {"key": "feeling", "text": str(_("How do you feel overall (1–5)?")),
                 "type": "scale"},
                {"key": "notes", "text": str(_("Anything to tell your care team?")),
                 "type": "text"},
            ]  # fmt: skip
        return data


class EnrollForm(forms.Form):
    program = forms.ChoiceField(label=_("Programme"))
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    care_manager = forms.ChoiceField(label=_("Care manager"), required=False)

    def __init__(self, *args, templates=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(t.pk, str(t)) for t in templates]
        self.fields["care_manager"].choices = [("", _("Me"))] + [
            (u.pk, u.name or u.email) for u in staff
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
