"""Form helpers every app shares: show a service's errors, filter forms, changed fields."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError

from core.errors import ServiceError


def apply_service_errors(form, exc, field_map: dict[str, str] | None = None) -> None:
    """Show a service's error on the form: next to the field it names, else on top.

    `field_map` renames service keys to form fields (e.g. "new_password" -> "new_password2").
    """
    if isinstance(exc, ServiceError):
        form.add_error(None, exc.message)
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    field_map = field_map or {}
    for key, errors in exc.message_dict.items():
        field = field_map.get(key, key)
        form.add_error(field if field in form.fields else None, errors)


def flash_errors(request, exc) -> None:
    """A service's refusal shown as messages (for POST-then-redirect actions)."""
    texts = [exc.message] if isinstance(exc, ServiceError) else exc.messages
    for text in texts:
        messages.error(request, text)


SERVICE_ERRORS = (ValidationError, ServiceError)


class FilterForm(forms.Form):
    """A GET form of list filters: malformed values are ignored, missing ones take DEFAULTS."""

    DEFAULTS: dict = {}

    def filters(self) -> dict:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {name: cleaned.get(name) or default for name, default in self.DEFAULTS.items()}
        return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}

    def is_filtered(self) -> bool:
        """True when any filter differs from its default (the page offers "Clear")."""
        return self.filters() != self.DEFAULTS


class ChangedFieldsMixin:
    """Forms that edit a record: FIELDS are the service's fields, in and out."""

    FIELDS: tuple[str, ...] = ()

    @classmethod
    def initial_for(cls, obj) -> dict:
        return {name: getattr(obj, name) for name in cls.FIELDS}

    def all_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS if name in self.cleaned_data}

    def changed_fields(self) -> dict:
        """Only what the user changed, ready for an update service."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.FIELDS}
