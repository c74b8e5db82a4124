"""Form helpers every app shares: show a service's errors, filter forms, changed fields."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.renderers import DjangoTemplates
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy as _

from core.dates import local_moment
from core.errors import ServiceError


def apply_service_errors(form, exc, field_map: dict[str, str] | None = None) -> None:
    """Show a service's error on the form: next to the field it names, else on top.

    `field_map` renames service keys to form fields (e.g. "new_password" -> "new_password2").
    """
    field_map = field_map or {}
    if isinstance(exc, ServiceError):
        field = field_map.get(exc.field, exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        field = field_map.get(key, key)
        form.add_error(field if field in form.fields else None, errors)


def flash_errors(request, exc) -> None:
    """A service's refusal shown as messages (for POST-then-redirect actions)."""
    texts = [exc.message] if isinstance(exc, ServiceError) else exc.messages
    for text in texts:
        messages.error(request, text)


SERVICE_ERRORS = (ValidationError, ServiceError)


WIDGETS = "django/forms/widgets/"
# Django's templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUT_TEMPLATES = {
    f"{WIDGETS}{name}.html" for name in ("text", "search", "date", "checkbox", "hidden")
}
SELECT_TEMPLATE, OPTION_TEMPLATE = f"{WIDGETS}select.html", f"{WIDGETS}select_option.html"
TEXTAREA_TEMPLATE = f"{WIDGETS}textarea.html"


class FormRenderer(DjangoTemplates):
    """The project's form renderer (settings.FORM_RENDERER): Django's, but a text area has no
    `maxlength`. A browser cuts a longer paste off at that length without a word, and the text
    was sent to the patient or saved cut; the field's limit still refuses it on the server,
    saying how long it is, and the page shows the text again in full to be shortened."""

    def render(self, template_name, context, request=None):
        if template_name == TEXTAREA_TEMPLATE:
            widget = context["widget"]
            widget["attrs"] = {k: v for k, v in widget["attrs"].items() if k != "maxlength"}
        return super().render(template_name, context, request)


class FilterWidgetRenderer(FormRenderer):
    """Django's templates of the filter forms' inputs and selects, drawn in Python with the
    same bytes: through the template engine a list page's filter widgets cost ~3,000-6,000
    Python calls (an include per option and another for its attributes), a tenth of the page.
    Anything else goes to the templates. tests/core/test_layout_performance.py compares every
    filter form's widgets with Django's rendering, and the clinic settings' (853 options)."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name in INPUT_TEMPLATES:
            return _input(widget)
        if template_name == SELECT_TEMPLATE and all(
            option["template_name"] == OPTION_TEMPLATE
            and isinstance(option["label"], str | Promise)
            for _name, options, _index in widget["optgroups"]
            for option in options
        ):  # a label the template would localise (a number, a date) is left to it
            return _select(widget)
        return super().render(template_name, context, request)


def html_attrs(attrs: dict) -> str:
    """A widget's attributes as django/forms/widgets/attrs.html draws them (escaped)."""
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html"""
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{html_attrs(widget["attrs"])}>'
    )


def _select(widget: dict) -> str:
    """django/forms/widgets/select.html, each option as select_option.html draws it"""
    html = [f'<select name="{conditional_escape(widget["name"])}"{html_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            html.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        html.extend(
            f'\n  <option value="{conditional_escape(option["value"])}"'
            f"{html_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            for option in options
        )
        if group_name:
            html.append("\n  </optgroup>")
    html.append("\n</select>")
    return "".join(html)


class FilterForm(forms.Form):
    """A GET form of list filters: malformed values are ignored, missing ones take DEFAULTS."""

    DEFAULTS: dict = {}
    default_renderer = FilterWidgetRenderer()

    def filters(self) -> dict:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {name: cleaned.get(name) or default for name, default in self.DEFAULTS.items()}
        return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}

    def is_filtered(self) -> bool:
        """True when any filter differs from its default (the page offers "Clear")."""
        return self.filters() != self.DEFAULTS


# The days a date filter may name: a day near Python's year 1 or 9999 plus what a list adds to
# it (the day's end, the next day's midnight, the clinic's offset from UTC) overflowed into a
# 500. The same bounds and message as the appointment calendars (appointments.slots).
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
OUTSIDE_CALENDAR = _("Give a date between 1900 and 2999.")


def in_calendar(day: datetime.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def validate_in_calendar(day: datetime.date) -> None:
    """A ValidationError (a form error; a 400 in the API) for a day outside FIRST_DAY..LAST_DAY."""
    if not in_calendar(day):
        raise ValidationError(OUTSIDE_CALENDAR, code="outside_calendar")


class FilterDateInput(forms.DateInput):
    input_type = "date"


class FilterDateField(forms.DateField):
    """A list filter's day (optional, a date picker), refused outside FIRST_DAY..LAST_DAY: the
    filter form shows the error next to the field and the list ignores the value."""

    default_validators = [validate_in_calendar]
    widget = FilterDateInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker (no timezone: the clinic's wall clock)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed on the clinic's clocks (the active timezone), as every form takes
    one: across a change of the clocks a time that happens twice is its first occurrence and a
    skipped one is refused saying when the clocks went forward (core.dates.local_moment), where
    Django refused both with a technical message."""

    widget = DateTimeLocalInput

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if getattr(error, "code", None) != "ambiguous_timezone":
                raise
            return local_moment(error.params["datetime"], timezone.get_current_timezone())


def _one_newline(value):
    """Text with LF line breaks: a browser posts CRLF, a value stored by the API or a seed
    holds LF, and the two are the same text."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _as_python(field, value):
    """An initial value as the field cleans one: a form's initial "17:00" is the time 17:00."""
    try:
        return field.to_python(field.prepare_value(value))
    except ValidationError:
        return value


class ChangedFieldsMixin:
    """Forms that edit a record: FIELDS are the service's fields, in and out.

    What the user changed is judged against the values the page showed them (Django's hidden
    `initial-` inputs), not against the record as it is when they save: a page opened before a
    colleague's edit put the colleague's fields back in silence. A post without them (a page
    drawn before they existed) is judged against the record.

    Two people changing one field: the later save is refused on that field, naming the value
    now stored, and the page is drawn anew with that value as what was shown, so saving again
    replaces it knowingly. The view passes the record as it is now as `initial`.

    FIELDS may be set per form (a grid of switches made from the record): the fields must be
    there when the mixin's __init__ ends.

    MODEL (a plain form's model) has each changed field checked as the model checks it (its
    validators, choices, length): the service's full_clean runs only once the form is valid, so
    a refused conflict hid those errors until the next save. A ModelForm does this itself."""

    FIELDS: tuple[str, ...] = ()
    MODEL: type[models.Model] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.FIELDS:
            if name in self.fields:
                self.fields[name].show_hidden_initial = (
                    not self.is_bound or self.add_initial_prefix(name) in self.data
                )

    @classmethod
    def initial_for(cls, obj) -> dict:
        return {name: getattr(obj, name) for name in cls.FIELDS}

    def clean(self):
        cleaned = super().clean()
        for name in self.changed_data:
            if name in self.FIELDS and self._changed_meanwhile(name):
                now = self.get_initial_for_field(self.fields[name], name)
                self._show_as_seen(name, now)
                value = self._shown(name, now)
                self.add_error(
                    name,
                    _(
                        "Someone else changed this while you were editing: it is now "
                        "“%(value)s”. Save again to replace it with yours."
                    )
                    % {"value": value}
                    if value
                    else _(
                        "Someone else emptied this while you were editing. Save again to "
                        "replace it with yours."
                    ),
                )
        self._check_as_model()
        return cleaned

    def _check_as_model(self) -> None:
        """The model's field checks of what the service would be given (see MODEL)."""
        if self.MODEL is None:
            return
        for name, value in self.changed_fields().items():
            try:
                self.MODEL._meta.get_field(name).clean(value, None)
            except ValidationError as error:
                self.add_error(name, error)

    def _changed_meanwhile(self, name: str) -> bool:
        """The record's value is no longer the one the page showed, and the user's is a third."""
        field = self.fields[name]
        if not field.show_hidden_initial or isinstance(field, forms.FileField):
            return False
        shown = field.hidden_widget().value_from_datadict(
            self.data, self.files, self.add_initial_prefix(name)
        )
        now = _one_newline(_as_python(field, self.get_initial_for_field(field, name)))
        posted = _one_newline(self[name].data)
        return field.has_changed(now, _one_newline(shown)) and field.has_changed(now, posted)

    def _show_as_seen(self, name: str, now) -> None:
        """The page drawn again carries the stored value as the one seen (Django draws the
        posted hidden initial back), so the next save is judged against it."""
        field, key = self.fields[name], self.add_initial_prefix(name)
        self.data = self.data.copy()  # a posted QueryDict cannot be changed in place
        value = field.prepare_value(now)
        if isinstance(value, list | tuple) and hasattr(self.data, "setlist"):
            self.data.setlist(key, [str(item) for item in value])
        else:
            self.data[key] = "" if value is None else str(value)

    def _shown(self, name: str, value) -> str:
        """A value as the page would show it: a choice by its label."""
        if value in (None, ""):
            return ""
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        if isinstance(value, Decimal) and value.is_finite():
            value = value.normalize()  # 3.7, not the column's 3.7000
        labels = {}
        for key, label in getattr(self.fields[name], "choices", ()):
            labels.update(label if isinstance(label, list | tuple) else {key: label})  # groups
        return str(labels[value]) if value in labels else str(formats.localize(value))

    def all_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS if name in self.cleaned_data}

    def changed_fields(self) -> dict:
        """Only what the user changed, ready for an update service."""
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in self.FIELDS and name in self.cleaned_data  # a refused one is not
        }
