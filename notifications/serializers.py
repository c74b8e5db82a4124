"""API shapes of notifications, preferences, devices, webhooks and their deliveries."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import MillisecondDateTimeField, ModelSerializer
from core.contributions import app_pages
from notifications import targets
from notifications.models import Device, Notification, Webhook, WebhookDelivery


class NotifiedPatientSerializer(serializers.Serializer):
    id = serializers.CharField()
    mrn = serializers.CharField()
    name = serializers.CharField(source="full_name")


class NotificationTargetSerializer(serializers.Serializer):
    id = serializers.CharField(
        help_text="The record's id (lab_results: the patient's, whose results they are)."
    )

    def get_fields(self):
        """`type` offers the targets of the pages contributed by the time it is used: built at
        import, it would miss those of the apps that had not contributed yet."""
        types = [page.target for page in app_pages]
        return {
            "type": serializers.ChoiceField(types, help_text="What the app opens."),
            **super().get_fields(),
        }


class NotificationSerializer(ModelSerializer):
    patient = NotifiedPatientSerializer(
        source="visible_patient",
        read_only=True,
        allow_null=True,
        help_text="Who it is about, while the reader may see them; null otherwise.",
    )
    target = serializers.SerializerMethodField(
        allow_null=True,
        help_text="What a patient's app opens (`link` is its API resource); null for web pages.",
    )

    class Meta:
        model = Notification
        fields = ["id", "event", "title", "patient", "link", "target", "object_type", "object_id"]
        fields += ["unread", "read_at", "created_at"]
        read_only_fields = fields

    # The class, not an instance: each schema is built with the targets contributed by then.
    @extend_schema_field(NotificationTargetSerializer)
    def get_target(self, notification) -> dict | None:
        return targets.target_of(notification.link)


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllRequestSerializer(serializers.Serializer):
    before = MillisecondDateTimeField(required=False)


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread.")
    unread = serializers.IntegerField()


class ChannelsSerializer(serializers.Serializer):
    in_app = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)


class PreferenceSerializer(serializers.Serializer):
    event = serializers.CharField(max_length=64)
    label = serializers.CharField(read_only=True)
    channels = ChannelsSerializer()
    mandatory = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Channels that cannot be turned off for this event.",
    )


class KeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class DeviceCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Device.Kind.choices)
    endpoint = serializers.URLField(
        max_length=2000, required=False, help_text="Web Push: the subscription's endpoint."
    )
    token = serializers.CharField(
        max_length=2000, required=False, help_text="FCM / APNs: the device token."
    )
    keys = KeysSerializer(required=False, help_text="Web Push: the subscription's keys.")

    def validate(self, data):
        if data["kind"] == Device.Kind.WEBPUSH:
            if not data.get("endpoint") or not data.get("keys"):
                raise serializers.ValidationError(
                    {"endpoint": ["Web Push needs the endpoint and keys."]}
                )
        elif not data.get("token"):
            raise serializers.ValidationError({"token": ["This kind needs a token."]})
        return data


class DeviceSerializer(ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "kind", "created_at", "last_used_at"]
        read_only_fields = fields


class WebhookSerializer(ModelSerializer):
    events = serializers.ListField(child=serializers.CharField(max_length=64))

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "description", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (whsec_…): shown in this answer only, keep it now.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class WebhookUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, required=False
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "status", "attempts", "response_status", "last_error"]
        fields += ["next_attempt_at", "last_attempt_at", "sent_at", "created_at"]
        read_only_fields = fields
