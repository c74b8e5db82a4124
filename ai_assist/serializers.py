"""Shapes of the AI assist API (responses are built by ai_assist.services; these document them)."""

from django.conf import settings
from rest_framework import serializers

from ai_assist.models import ALL_FEATURES, AiSettings
from core.api import ModelSerializer


class AiCitationSerializer(serializers.Serializer):
    n = serializers.IntegerField(
        required=False,
        help_text="The record's [n]: its number in a summary, and the marker of a provider's text.",
    )
    type = serializers.CharField()
    id = serializers.CharField()
    url = serializers.CharField()


class AiGeneratedBySerializer(serializers.Serializer):
    engine = serializers.CharField(help_text="builtin or external")
    model = serializers.CharField()


class _AiOutput(serializers.Serializer):
    citations = AiCitationSerializer(many=True)
    generated_by = AiGeneratedBySerializer()
    generated_at = serializers.CharField()
    banner = serializers.CharField(
        help_text="AI-drafted — check before use (to a patient: written automatically from "
        "their result, ask their care team)"
    )
    notice = serializers.CharField(help_text="Why the built-in engine answered instead, if so.")


# The sentences keep the chart's ISO dates (the redactor shifts only those); the page, like an
# app, formats them for its reader.
ISO_DATES = (
    "Dates are ISO 8601: a day as 2026-03-14, a visit as 2026-03-14 09:30 in the clinic's "
    "timezone; format them for the reader."
)


class AiItemSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=ISO_DATES)
    citations = AiCitationSerializer(many=True)


class AiSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    items = AiItemSerializer(many=True)


class AiSummarySerializer(_AiOutput):
    text = serializers.CharField(help_text=f"The whole summary as plain text. {ISO_DATES}")
    sections = AiSectionSerializer(many=True)
    cached = serializers.BooleanField()
    fingerprint = serializers.CharField()


class AiNoteSectionSerializer(serializers.Serializer):
    name = serializers.CharField()
    text = serializers.CharField()


class AiNoteDraftSerializer(_AiOutput):
    id = serializers.CharField(help_text="The draft note's id (open it in the notes writer).")
    url = serializers.CharField()
    sections = AiNoteSectionSerializer(many=True)
    since = serializers.CharField(allow_null=True)


class AiTriageSerializer(_AiOutput):
    thread_id = serializers.CharField()
    urgency = serializers.ChoiceField(choices=["emergency", "urgent", "routine"])
    reasons = serializers.ListField(child=serializers.CharField())
    category = serializers.CharField()
    suggested_reply = serializers.CharField()
    call_emergency = serializers.BooleanField()
    cached = serializers.BooleanField(
        help_text="The suggestion made earlier for the thread's messages as they are now."
    )


class AiRangeSerializer(serializers.Serializer):
    low = serializers.FloatField(allow_null=True, help_text="A number, as in the labs API.")
    high = serializers.FloatField(allow_null=True, help_text="A number, as in the labs API.")
    unit = serializers.CharField()
    text = serializers.CharField()


class AiExplanationSerializer(_AiOutput):
    result_id = serializers.CharField()
    text = serializers.CharField()
    range = AiRangeSerializer()
    flag = serializers.CharField()


class AiSettingsSerializer(ModelSerializer):
    features = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_FEATURES), required=False
    )
    provider_configured = serializers.SerializerMethodField()

    class Meta:
        model = AiSettings
        fields = ["external_enabled", "features", "provider_configured"]

    def get_provider_configured(self, obj) -> bool:
        return bool(settings.AI_PROVIDER_URL)


class AiSettingsUpdateSerializer(serializers.Serializer):
    external_enabled = serializers.BooleanField(required=False)
    features = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_FEATURES), required=False
    )
