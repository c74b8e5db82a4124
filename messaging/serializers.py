"""API shapes of messaging: threads (with the caller's unread count), messages, attachments."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import MillisecondDateTimeField, ModelSerializer
from messaging.models import MAX_TEXT, Category, Message, MessageAttachment, Thread


class AttachmentSerializer(ModelSerializer):
    id = serializers.CharField(source="file_id", help_text=_("The file's id in the files app."))
    download = serializers.SerializerMethodField()

    class Meta:
        model = MessageAttachment
        fields = ["id", "title", "content_type", "size", "download"]

    def get_download(self, attachment) -> str:
        return f"/api/v1/files/{attachment.file_id}/download"


class ThreadMessageSerializer(ModelSerializer):
    author = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(source="files", many=True, read_only=True)
    created_at = MillisecondDateTimeField()

    class Meta:
        model = Message
        fields = [
            "id",
            "thread",
            "seq",
            "author",
            "from_patient",
            "text",
            "internal",
            "attachments",
            "created_at",
        ]

    def get_author(self, message) -> dict | None:
        if message.author is None:
            return None
        return {"id": message.author.pk, "name": message.author.name}


class PatientThreadMessageSerializer(ThreadMessageSerializer):
    """What a patient receives: no `internal` flag (they never get an internal remark), and the
    numbering of the messages they see, so a staff remark leaves no gap to notice."""

    seq = serializers.IntegerField(source="visible_seq", read_only=True)

    class Meta(ThreadMessageSerializer.Meta):
        fields = [f for f in ThreadMessageSerializer.Meta.fields if f != "internal"]


class ThreadSerializer(ModelSerializer):
    patient = serializers.CharField(source="patient_id")
    patient_name = serializers.SerializerMethodField()
    assigned_to = serializers.CharField(source="assigned_to_id", allow_null=True)
    unread_count = serializers.SerializerMethodField()

    class Meta:
        model = Thread
        fields = [
            "id",
            "patient",
            "patient_name",
            "subject",
            "category",
            "status",
            "assigned_to",
            "urgent",
            "urgent_requested",
            "unread_count",
            "created_at",
            "last_message_at",
        ]

    def get_patient_name(self, thread) -> str:
        patient = thread.patient
        return f"{patient.first_name} {patient.last_name}"

    def get_unread_count(self, thread) -> int:
        return getattr(thread, "unread", 0)


class ThreadCreateSerializer(serializers.Serializer):
    patient = serializers.CharField(
        max_length=64, required=False, help_text=_("Staff: the patient (a patient: themselves).")
    )
    subject = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Category.choices)
    text = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, required=False)
    urgent = serializers.BooleanField(required=False, default=False)
    attachments = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )


class ThreadUpdateSerializer(serializers.Serializer):
    assigned_to = serializers.CharField(max_length=64, allow_null=True, required=False)
    urgent = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=Thread.Status.choices, required=False)


class MessageCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, required=False)
    internal = serializers.BooleanField(required=False, default=False)
    attachments = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "09:00"}
)
class WallClockTimeField(serializers.TimeField):
    """A time of day on the clinic's clocks, `HH:MM`: no offset, so not an RFC 3339 `time`."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class MessagingSettingsSerializer(serializers.Serializer):
    """The clinic's urgent-message response target, counted in its working time."""

    response_target_minutes = serializers.IntegerField(
        min_value=1,
        max_value=60 * 24 * 14,
        help_text=_("Working minutes an urgent patient message may wait for a reply."),
    )
    working_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        source="weekdays",
        allow_empty=False,
        help_text=_("Working weekdays, 0 = Monday ... 6 = Sunday."),
    )
    day_start = WallClockTimeField(help_text=_("In the clinic's timezone."))
    day_end = WallClockTimeField(help_text=_("In the clinic's timezone."))
    timezone = serializers.CharField(
        read_only=True, help_text=_("The clinic's timezone (set in the clinic's settings).")
    )
