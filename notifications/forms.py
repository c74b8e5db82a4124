from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ChangedFieldsMixin
from notifications.models import CHANNELS, Channel


class PreferencesForm(ChangedFieldsMixin, forms.Form):
    """One checkbox per event and channel; channels an event requires are shown, not editable.

    Only the switches the user changed are saved, judged against what the page showed: a page
    opened before another tab's or a colleague's change does not switch theirs back."""

    def __init__(self, *args, preferences: list[dict], **kwargs):
        self.preferences = preferences
        # This form's own base_fields: Form.__init__ copies them, so the mixin finds the grid.
        self.base_fields = {
            _name(pref, channel): _switch(pref, channel)
            for pref in preferences
            for channel in CHANNELS
        }
        self.FIELDS = tuple(self.base_fields)
        super().__init__(*args, **kwargs)

    def rows(self) -> list[dict]:
        return [
            {
                "label": pref["label"],
                "fields": [self[_name(pref, channel)] for channel in CHANNELS],
            }
            for pref in self.preferences
        ]

    def items(self) -> list[dict]:
        """The changed switches, by event, for preferences_set (which keeps the others)."""
        changes = self.changed_fields()
        items = [
            {
                "event": pref["event"],
                "channels": {
                    c: changes[_name(pref, c)] for c in CHANNELS if _name(pref, c) in changes
                },
            }
            for pref in self.preferences
        ]
        return [item for item in items if item["channels"]]


def _name(pref: dict, channel: str) -> str:
    return f"{pref['event']}:{channel}"


def _switch(pref: dict, channel: str) -> forms.BooleanField:
    label = f"{pref['label']}: {Channel(channel).label}"
    mandatory = channel in pref["mandatory"]
    attrs = {"class": "form-check-input", "aria-label": label}
    if mandatory:
        attrs["title"] = _("Cannot be turned off")
    return forms.BooleanField(
        label=label,
        required=False,
        initial=pref["channels"][channel],
        disabled=mandatory,
        widget=forms.CheckboxInput(attrs=attrs),
    )
