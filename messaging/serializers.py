"""API shapes of messaging: threads (with the caller's unread count), messages, attachments."""

from django.utils.translation import gettext_lazy as _
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
    """What a patient receives: no `internal` flag (they never get an internal remark)."""

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
