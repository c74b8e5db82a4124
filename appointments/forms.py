"""Forms of the staff pages: picking a free slot, booking, moving, cancelling, the hours
editor, types and the clinic's reminder and feed settings."""

import datetime
from functools import cached_property

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from appointments.models import (
    AppointmentSeries,
    AppointmentType,
    AvailabilityException,
    ClinicAppointmentSettings,
    Weekday,
)
from appointments.slots import clock_format, clock_span
from core.forms import OUTSIDE_CALENDAR, ChangedFieldsMixin, FilterWidgetRenderer, in_calendar

SCOPES = [("this", _("Only this appointment")), ("following", _("This and the following ones"))]


def slot_value(slot) -> str:
    return f"{slot.provider_id}|{slot.start.isoformat()}"


class SlotSearchForm(forms.Form):
    """GET: which slots to offer (type, provider or anyone, a day). Its selects are drawn as
    the list filters' are (a clinic of 50 providers: 13 % of the booking page's Python calls)."""

    default_renderer = FilterWidgetRenderer()
    type = forms.ChoiceField(label=_("Type"))
    provider = forms.ChoiceField(label=_("Provider"), required=False)
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not in_calendar(day):
            raise forms.ValidationError(OUTSIDE_CALENDAR)
        return day

    def __init__(self, *args, types, providers, any_provider=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [
            (t.pk, f"{t.name} ({t.duration_minutes} min)") for t in types
        ]
        anyone = [("", _("Any provider"))] if any_provider else []
        self.fields["provider"].choices = anyone + [(p.pk, p.name) for p in providers]

    def searched(self) -> str:
        """What the slots below were found for, as the slot list's label: a user who changes
        the fields and books without searching again sees which day and type the times are."""
        data = self.cleaned_data
        type_name = dict(self.fields["type"].choices).get(data["type"], "")
        provider = dict(self.fields["provider"].choices).get(data["provider"], "")
        return _("Free slots: %(type)s · %(provider)s · %(day)s") % {
            "type": type_name,
            "provider": provider,
            "day": date_format(data["date"], "l j F Y"),
        }


class SlotChoiceField(forms.ChoiceField):
    """A free slot offered on the page: "provider id|ISO start". `offered` (some or all of
    `slots`) are the ones shown; any free slot is accepted, so a time chosen for one provider
    still books if the page would now offer it with another."""

    def __init__(self, *, slots, offered, tz, names, searched="", **kwargs):
        clock = clock_format()
        choices = [
            (
                slot_value(slot),
                f"{clock_span(slot.start, slot.end, tz, clock)} · "
                f"{names.get(slot.provider_id, '')}",
            )
            for slot in offered
        ]
        if len(offered) < len(slots):
            kwargs["help_text"] = _(
                "Each time is offered once, with the provider who has the most free time that "
                "day. Choose a provider to see all of theirs."
            )
        super().__init__(
            choices=choices,
            widget=forms.RadioSelect,
            label=searched or _("Free slots"),
            error_messages={
                "required": _("Choose one of the free slots."),
                "invalid_choice": _("That slot is no longer free: choose another."),
            },
            **kwargs,
        )
        self.slots = slots

    @cached_property
    def free(self) -> set[str]:
        """Every free slot's value, worked out only when a post is checked: a page showing a
        day of 50 providers does not need their 1,500 slots as text."""
        return {slot_value(slot) for slot in self.slots}

    def valid_value(self, value) -> bool:
        return value in self.free

    def parsed(self, value) -> tuple[str, datetime.datetime]:
        provider_id, _sep, start = value.partition("|")
        return provider_id, datetime.datetime.fromisoformat(start)


class BookForm(forms.Form):
    reason = forms.CharField(label=_("Reason for visit"), max_length=500, required=False)
    staff_notes = forms.CharField(
        label=_("Notes for staff"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    repeat = forms.ChoiceField(
        label=_("Repeat"),
        required=False,
        choices=[("", _("Does not repeat")), *AppointmentSeries.Frequency.choices],
    )
    interval = forms.IntegerField(
        label=_("Every (weeks or months)"), min_value=1, max_value=12, initial=1, required=False
    )
    count = forms.IntegerField(label=_("Occurrences"), min_value=1, max_value=52, required=False)
    until = forms.DateField(
        label=_("Or until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, slots, offered, tz, names, searched="", **kwargs):
        super().__init__(*args, **kwargs)
        slot = SlotChoiceField(slots=slots, offered=offered, tz=tz, names=names, searched=searched)
        self.fields = {"slot": slot, **self.fields}

    def clean(self):
        data = super().clean()
        if not data.get("repeat") and (data.get("count") or data.get("until")):
            # Else one appointment is booked where the receptionist asked for several.
            self.add_error(
                "repeat", _("Choose how often it repeats, or clear Occurrences and Until.")
            )
        return data

    def recurrence(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("repeat"):
            return None
        recurrence = {"frequency": data["repeat"], "interval": data.get("interval") or 1}
        if data.get("count"):
            recurrence["count"] = data["count"]
        if data.get("until"):
            recurrence["until"] = data["until"]
        return recurrence


class RescheduleForm(forms.Form):
    scope = forms.ChoiceField(label=_("Move"), choices=SCOPES, initial="this")
    note = forms.CharField(label=_("Why (kept in the history)"), max_length=500, required=False)

    def __init__(self, *args, slots, offered, tz, names, series: bool, searched="", **kwargs):
        super().__init__(*args, **kwargs)
        slot = SlotChoiceField(slots=slots, offered=offered, tz=tz, names=names, searched=searched)
        self.fields = {"slot": slot, **self.fields}
        if not series:
            del self.fields["scope"]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=500)
    scope = forms.ChoiceField(label=_("Cancel"), choices=SCOPES, initial="this")

    def __init__(self, *args, series: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not series:
            del self.fields["scope"]


TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})


class RuleForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=Weekday.choices, coerce=int)
    start_time = forms.TimeField(label=_("From"), widget=TIME)
    end_time = forms.TimeField(label=_("Until"), widget=TIME)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    type_ids = forms.MultipleChoiceField(
        label=_("Types offered (none selected: all)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type_ids"].choices = [(t.pk, t.name) for t in types]


class ExceptionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=AvailabilityException.Kind.choices)
    start_time = forms.TimeField(
        label=_("From"),
        required=False,
        widget=TIME,
        help_text=_("Leave both times empty for a whole day off."),
    )
    end_time = forms.TimeField(label=_("Until"), required=False, widget=TIME)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TypeForm(ChangedFieldsMixin, forms.ModelForm):
    FIELDS = (
        "name",
        "duration_minutes",
        "buffer_minutes",
        "colour",
        "telehealth",
        "patient_bookable",
        "is_active",
    )

    class Meta:
        model = AppointmentType
        fields = [
            "name",
            "duration_minutes",
            "buffer_minutes",
            "colour",
            "telehealth",
            "patient_bookable",
            "is_active",
        ]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def validate_unique(self):
        """The clinic is set by the service, which reports a duplicate name itself."""


class SettingsForm(ChangedFieldsMixin, forms.ModelForm):
    FIELDS = ("reminder_hours", "provider_feed_shows_names")

    class Meta:
        model = ClinicAppointmentSettings
        fields = ["reminder_hours", "provider_feed_shows_names"]
