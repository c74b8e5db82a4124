from django import forms

from notifications.models import CHANNELS, Channel


class PreferencesForm(forms.Form):
    """One checkbox per event and channel; channels an event requires are shown, not editable."""

    def __init__(self, *args, preferences: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.preferences = preferences
        for pref in preferences:
            for channel in CHANNELS:
                self.fields[f"{pref['event']}:{channel}"] = forms.BooleanField(
                    label=f"{pref['label']}: {Channel(channel).label}",
                    required=False,
                    initial=pref["channels"][channel],
                    disabled=channel in pref["mandatory"],
                )

    def rows(self) -> list[dict]:
        return [
            {
                "label": pref["label"],
                "fields": [self[f"{pref['event']}:{channel}"] for channel in CHANNELS],
            }
            for pref in self.preferences
        ]

    def items(self) -> list[dict]:
        return [
            {
                "event": pref["event"],
                "channels": {c: self.cleaned_data[f"{pref['event']}:{c}"] for c in CHANNELS},
            }
            for pref in self.preferences
        ]
