"""HTML forms of programmes: the dashboard's filters, a template, a step, a goal, enrolment,
a task recorded done by staff."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import ChangedFieldsMixin, FilterForm, apply_service_errors
from core.numbers import clinic_decimal_comma, typed_number
from programs.catalogue import COMPONENTS, MEASURE_CHOICES, MEASURES, unit_shown
from programs.models import MAX_DURATION_DAYS, Enrollment, Goal, ProgramTemplate, Step

SORT_CHOICES = [
    ("-start", _("Newest enrolment")),
    ("adherence", _("Lowest adherence")),
    ("-adherence", _("Highest adherence")),
    ("-activity", _("Latest activity")),
    ("activity", _("Oldest activity")),
]


class DashboardFilterForm(FilterForm):
    """The dashboard's filters. The state shown is the state listed: none given (or one not
    offered) is "Active", the default; "Any" ("all") lifts the state filter."""

    ANY_STATE = "all"
    DEFAULTS = {"state": Enrollment.State.ACTIVE, "program": "", "sort": "-start",
                "behind": False, "off_target": False}  # fmt: skip

    state = forms.ChoiceField(
        label=_("State"), required=False,
        choices=[(ANY_STATE, _("Any")), *Enrollment.State.choices],
    )  # fmt: skip
    program = forms.ChoiceField(label=_("Programme"), required=False, choices=[("", _("Any"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    behind = forms.BooleanField(label=_("Falling behind"), required=False)
    off_target = forms.BooleanField(label=_("Off target"), required=False)

    def __init__(self, data=None, *args, **kwargs):
        states = {value for value, _label in self.base_fields["state"].choices}
        if data is not None and data.get("state") not in states:
            data = data.copy()  # the select then shows the default the list applies
            data["state"] = self.DEFAULTS["state"]
        super().__init__(data, *args, **kwargs)

    def dashboard_filters(self) -> dict:
        """The keywords of selectors.enrollment_page ("all" states: no state filter)."""
        filters = self.filters()
        if filters["state"] == self.ANY_STATE:
            filters["state"] = ""
        return filters

    def offer(self, templates):
        seen = {}
        for t in templates:
            seen.setdefault(t.lineage, t.name)
        self.fields["program"].choices = [("", _("Any"))] + list(seen.items())


class TemplateForm(ChangedFieldsMixin, forms.ModelForm):
    FIELDS = ("name", "description", "duration_days")

    class Meta:
        model = ProgramTemplate
        fields = ["name", "description", "duration_days"]


QUESTION_TYPES = ("yes_no", "scale", "text")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _questions_text(questions) -> str:
    return "\n".join(f"{q['key']} | {q['type']} | {q['text']}" for q in questions)


class StepForm(forms.Form):
    """Every field of a step: when and how often, and what its kind asks of the patient."""

    # The programme's length bounds the days (services.step_add); these, any programme's.
    day = forms.IntegerField(label=_("Day"), min_value=0, max_value=MAX_DURATION_DAYS - 1,
                             initial=0, help_text=_("Day 0 is the start date."))  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind"), choices=Step.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    repeat = forms.ChoiceField(label=_("Repeat"), choices=Step.Repeat.choices, required=False)
    every_days = forms.IntegerField(label=_("Every N days"), min_value=1,
                                    max_value=MAX_DURATION_DAYS, required=False)  # fmt: skip
    until_day = forms.IntegerField(label=_("Until day"), min_value=0,
                                   max_value=MAX_DURATION_DAYS - 1, required=False,
                                   help_text=_("Empty: until the programme ends."))  # fmt: skip
    body = forms.CharField(label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 4}),
                           required=False)  # fmt: skip
    measure = forms.ChoiceField(
        label=_("Measurement"), choices=[("", "—")] + MEASURE_CHOICES, required=False
    )
    target_low = forms.FloatField(label=_("Target from"), required=False)
    target_high = forms.FloatField(label=_("Target up to"), required=False)
    target2_low = forms.FloatField(
        label=_("Second value: target from"), required=False,
        help_text=_("Blood pressure only: the diastolic target."),
    )  # fmt: skip
    target2_high = forms.FloatField(label=_("Second value: target up to"), required=False)
    questions = forms.CharField(
        label=_("Check-in questions"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line: key | yes_no, scale or text | question. "
                    "Empty: two standard questions."),
    )  # fmt: skip
    appointment_type = forms.CharField(label=_("Appointment type"), max_length=100,
                                       required=False)  # fmt: skip
    window_days = forms.IntegerField(
        label=_("Booking window (days)"), min_value=1, max_value=MAX_DURATION_DAYS, initial=7,
        required=False,
    )  # fmt: skip

    # Fields one kind (or repeat rule) uses: static/js/show-if.js shows them only while it is
    # chosen; without JavaScript all show and `step_fields` drops what the kind does not use.
    SHOWN_IF = {
        "every_days": f"repeat={Step.Repeat.EVERY_N_DAYS}",
        "until_day": "repeat=" + "|".join(value for value in Step.Repeat.values if value),
        **dict.fromkeys(
            ("measure", "target_low", "target_high", "target2_low", "target2_high"),
            f"kind={Step.Kind.MEASUREMENT}",
        ),
        "questions": f"kind={Step.Kind.CHECK_IN}",
        **dict.fromkeys(("appointment_type", "window_days"), f"kind={Step.Kind.APPOINTMENT}"),
    }

    def __init__(self, *args, appointment_types=None, **kwargs):
        """`appointment_types`: the names an appointment step may book, offered as a choice
        (None: no app offers them, and the type is written in)."""
        super().__init__(*args, **kwargs)
        if appointment_types is not None:
            self.fields["appointment_type"] = forms.ChoiceField(
                label=_("Appointment type"),
                choices=[("", "—"), *((name, name) for name in sorted(appointment_types))],
                required=False,
            )
        for name, rule in self.SHOWN_IF.items():
            self.fields[name].widget.attrs["data-hp-show-if"] = rule

    @staticmethod
    def initial_for(step) -> dict:
        initial = {name: getattr(step, name) for name in (
            "day", "kind", "title", "repeat", "every_days", "until_day", "body", "measure",
            "appointment_type", "window_days",
        )}  # fmt: skip
        components = MEASURES[step.measure].components if step.measure in MEASURES else ()
        for prefix, component in zip(("target", "target2"), components, strict=False):
            limits = (step.targets or {}).get(component.code) or {}
            initial[f"{prefix}_low"], initial[f"{prefix}_high"] = (
                limits.get("low"),
                limits.get("high"),
            )
        initial["questions"] = _questions_text(step.questions or [])
        return initial

    def clean_questions(self) -> list[dict]:
        questions, keys = [], set()
        for number, line in enumerate(self.cleaned_data["questions"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|", 2)]
            if len(parts) != 3 or not KEY.match(parts[0]) or parts[1] not in QUESTION_TYPES:
                raise ValidationError(
                    _("Line %(n)d: write key | yes_no, scale or text | question.") % {"n": number}
                )
            if parts[0] in keys or not parts[2]:
                raise ValidationError(
                    _("Line %(n)d: each question needs its own key and a text.") % {"n": number}
                )
            keys.add(parts[0])
            questions.append({"key": parts[0], "text": parts[2][:300], "type": parts[1]})
        return questions

    def clean(self):
        data = super().clean()
        for prefix in ("target", "target2"):
            low, high = data.get(f"{prefix}_low"), data.get(f"{prefix}_high")
            if low is not None and high is not None and low > high:
                self.add_error(f"{prefix}_high", _("The upper limit is below the lower one."))
        measure = MEASURES.get(data.get("measure") or "")
        unmeasured = data.get("kind") == Step.Kind.MEASUREMENT and measure is None
        if unmeasured and "measure" not in self.errors:
            self.add_error("measure", _("Choose what is measured."))
        has_second = data.get("target2_low") is not None or data.get("target2_high") is not None
        if has_second and measure is not None and len(measure.components) < 2:
            self.add_error("target2_low", _("This measurement has a single value."))
        return data

    def step_fields(self) -> dict:
        """The service's fields: kind-specific content kept only for the chosen kind."""
        data = dict(self.cleaned_data)
        limits = [(data.pop(f"{p}_low"), data.pop(f"{p}_high")) for p in ("target", "target2")]
        kind = data["kind"]
        data["targets"] = {}
        if kind != Step.Kind.MEASUREMENT:
            data["measure"] = ""
        elif data["measure"]:
            components = MEASURES[data["measure"]].components
            for component, (low, high) in zip(components, limits, strict=False):
                if low is not None or high is not None:
                    data["targets"][component.code] = {"low": low, "high": high}
        if kind != Step.Kind.CHECK_IN:
            data["questions"] = []
        elif not data["questions"]:
            data["questions"] = [
                {"key": "feeling", "text": str(_("How do you feel overall (1–5)?")),
                 "type": "scale"},
                {"key": "notes", "text": str(_("Anything to tell your care team?")),
                 "type": "text"},
            ]  # fmt: skip
        if kind != Step.Kind.APPOINTMENT:
            data["appointment_type"] = ""
        if not data["repeat"]:
            data["every_days"] = data["until_day"] = None
        elif data["repeat"] != Step.Repeat.EVERY_N_DAYS:
            data["every_days"] = None
        data["window_days"] = data["window_days"] or 7
        return data


GOAL_CODES = [(code, f"{c.label} ({code})") for code, c in COMPONENTS.items()]


class GoalForm(forms.ModelForm):
    """A goal: an average of a measured value, or a count of tasks done, over the last N days."""

    code = forms.ChoiceField(
        label=_("Measured value"), choices=[("", "—")] + GOAL_CODES, required=False,
        help_text=_("For an average."),
    )  # fmt: skip
    task_kind = forms.ChoiceField(
        label=_("Tasks counted"), choices=[("", _("Any kind"))] + Step.Kind.choices,
        required=False, help_text=_("For a count."),
    )  # fmt: skip
    window_days = forms.IntegerField(
        label=_("Over the last N days"), min_value=1, max_value=MAX_DURATION_DAYS, initial=14,
        error_messages={"min_value": _("At least one day.")},
    )  # fmt: skip

    class Meta:
        model = Goal
        fields = ["kind", "description", "code", "comparator", "value", "window_days", "task_kind"]
        labels = {
            "kind": _("Kind"), "description": _("Description"), "comparator": _("Comparison"),
            "value": _("Target value"),
        }  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("kind") == Goal.Kind.AVERAGE and not data.get("code"):
            self.add_error("code", _("Choose the measured value to average."))
        return data

    def goal_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if data["kind"] == Goal.Kind.AVERAGE:
            data["task_kind"] = ""
        else:
            data["code"] = ""
        return data


class EnrollForm(forms.Form):
    program = forms.ChoiceField(label=_("Programme"))
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    care_manager = forms.ChoiceField(label=_("Care manager"), required=False)

    def __init__(self, *args, actor, templates=(), staff=(), **kwargs):
        """Left empty, the care manager is the one enrolling (only a clinician or nurse may):
        "Me", and not their name a second time."""
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(t.pk, str(t)) for t in templates]
        self.fields["care_manager"].choices = [("", _("Me"))] + [
            (u.pk, u.name or u.email) for u in staff if u.pk != actor.pk
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=False,
        error_messages={"max_length": _(
            "A reason is at most %(limit_value)d characters (this one has %(show_value)d)."
        )},
    )  # fmt: skip


def _answer_field(question: dict) -> forms.Field:
    """A check-in question as the patient's app asks it; a blank answer is left to the service,
    which refuses it as it refuses the app's."""
    label = question["text"]
    if question["type"] == "yes_no":
        return forms.TypedChoiceField(
            label=label, required=False, empty_value=None, coerce=lambda answer: answer == "yes",
            choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
        )  # fmt: skip
    if question["type"] == "scale":
        return forms.TypedChoiceField(
            label=label, required=False, empty_value=None, coerce=int,
            choices=[("", "—"), *((n, n) for n in range(1, 6))],
        )  # fmt: skip
    return forms.CharField(label=label, required=False, strip=False)


class ReadingField(forms.CharField):
    """A reading typed as text and read with the clinic's decimal separator (core.numbers): a
    number input drops the comma of "120,5" and sends 1205. `inputmode` still brings up the
    phone's number pad."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, decimal_comma: bool, **kwargs):
        super().__init__(max_length=20, **kwargs)
        self.decimal_comma = decimal_comma

    def clean(self, value) -> float | None:
        text = super().clean(value)
        return float(typed_number(text, decimal_comma=self.decimal_comma)) if text else None


class TaskDoneForm(forms.Form):
    """One task recorded done by staff on the patient's behalf: a measurement's values, each in
    the catalogue's unit, or a check-in's answers. The form only reads the numbers (with the
    `clinic`'s decimal separator) and choices; services.task_complete validates them, as it
    validates the patient app's."""

    def __init__(self, data=None, *, task, clinic, **kwargs):
        # One form per task on the enrolment page: ids of their own, names the same for all.
        super().__init__(data, auto_id=f"task-{task.pk}-%s", **kwargs)
        self.task = task
        if task.kind == Step.Kind.MEASUREMENT:
            self.components = MEASURES[task.step.measure].components
            decimal_comma = clinic_decimal_comma(clinic)
            for n, component in enumerate(self.components):
                unit = unit_shown(component.unit)
                self.fields[f"value_{n}"] = ReadingField(
                    label=f"{component.label} ({unit})" if unit else component.label,
                    required=False,
                    decimal_comma=decimal_comma,
                )
        elif task.kind == Step.Kind.CHECK_IN:
            for n, question in enumerate(task.step.questions):
                self.fields[f"answer_{n}"] = _answer_field(question)

    def refused(self, exc) -> None:
        """A service's refusal shown on this form: a check-in's answers next to their
        questions (each error names its question), anything else as apply_service_errors."""
        answers = getattr(exc, "error_dict", {}).get("answers", [])
        fields = {q["key"]: f"answer_{n}" for n, q in enumerate(self.task.step.questions or [])}
        placed = [e for e in answers if (e.params or {}).get("question") in fields]
        for error in placed:
            self.add_error(fields[error.params["question"]], error.message)
        if placed:
            exc.error_dict["answers"] = [e for e in answers if e not in placed]
            if not exc.error_dict["answers"]:
                del exc.error_dict["answers"]
            if not exc.error_dict:
                return
        apply_service_errors(self, exc)

    def done_fields(self) -> dict:
        """services.task_complete's `values` or `answers` (a blank value is left out: "Missing")."""
        data = self.cleaned_data
        if self.task.kind == Step.Kind.MEASUREMENT:
            return {
                "values": [
                    {"code": c.code, "value": data[f"value_{n}"], "unit": c.unit}
                    for n, c in enumerate(self.components)
                    if data[f"value_{n}"] is not None
                ]
            }
        if self.task.kind == Step.Kind.CHECK_IN:
            questions = self.task.step.questions
            return {"answers": {q["key"]: data[f"answer_{n}"] for n, q in enumerate(questions)}}
        return {}
