from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ai_assist.models import AiSettings, Feature
from core.forms import ChangedFieldsMixin


class AiSettingsForm(ChangedFieldsMixin, forms.ModelForm):
    FIELDS = ("external_enabled", "features")

    external_enabled = forms.BooleanField(
        label=_("Use the external AI provider"),
        required=False,
        help_text=_(
            "Sends the facts a task needs, with names, MRN, contact details and dates hidden, "
            "to the provider this deployment configured."
        ),
    )
    features = forms.MultipleChoiceField(
        label=_("Features"),
        choices=Feature.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AiSettings
        fields = ["external_enabled", "features"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not settings.AI_PROVIDER_URL:
            self.fields["external_enabled"].disabled = True
            self.fields["external_enabled"].help_text = _(
                "No external provider is configured (AI_PROVIDER_URL): everything runs here."
            )
