"""Notes API bodies: parse and present only; notes.services validates and writes.

Section texts are Markdown; every `html` field is that Markdown rendered and sanitised
(notes.markdown), the same HTML the pages show.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import MillisecondDateTimeField, ModelSerializer
from notes.markdown import render
from notes.models import Addendum, Note, NoteRevision, NoteTemplate, NoteType
from notes.services import MAX_SECTION_TEXT

ID = {"max_length": 64}


class PersonSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.name or user.email


class NoteTypeSerializer(ModelSerializer):
    class Meta:
        model = NoteType
        fields = ["id", "code", "name", "is_loinc", "is_active"]
        read_only_fields = ["id", "is_loinc", "is_active"]
        # Uniqueness per clinic is checked by the service (the clinic is the actor's).
        validators = []


class NoteTypeBriefSerializer(ModelSerializer):
    class Meta:
        model = NoteType
        fields = ["id", "code", "name"]


class SectionSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    text = serializers.CharField(  # the service's limit: autosave refused what Save took
        allow_blank=True, trim_whitespace=False, default="", max_length=MAX_SECTION_TEXT
    )

    class Meta:
        ref_name = "NoteSection"  # "Section" alone clashes with other apps' schema components


class SectionOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    text = serializers.CharField()
    html = serializers.SerializerMethodField(help_text=_("The Markdown, rendered and sanitised."))

    def get_html(self, section) -> str:
        return render(section.get("text", ""))


class NoteTemplateSerializer(ModelSerializer):
    type = NoteTypeBriefSerializer(source="note_type", read_only=True)
    sections = SectionSerializer(many=True)

    class Meta:
        model = NoteTemplate
        fields = ["id", "name", "type", "sections", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []


class NoteTemplateWriteSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=_("The note type's id or code."), **ID)
    name = serializers.CharField(max_length=100)
    sections = SectionSerializer(many=True)
    is_active = serializers.BooleanField(default=True)


class NoteSerializer(ModelSerializer):
    """A note in a list: no text (open the note for its sections and addenda)."""

    patient = serializers.CharField(source="patient_id")
    type = NoteTypeBriefSerializer(source="note_type")
    author = PersonSerializer()
    signed_by = PersonSerializer(allow_null=True)
    cosigner = PersonSerializer(allow_null=True)
    cosigned_by = PersonSerializer(allow_null=True)
    appointment = serializers.CharField(source="appointment_id", allow_blank=True)

    class Meta:
        model = Note
        fields = [
            "id",
            "patient",
            "type",
            "title",
            "status",
            "author",
            "appointment",
            "signed_at",
            "signed_by",
            "cosigner",
            "cosign_requested_at",
            "cosigned_at",
            "cosigned_by",
            "shared_with_patient",
            "version",
            "created_at",
            "updated_at",
        ]


class AddendumSerializer(ModelSerializer):
    author = PersonSerializer()
    html = serializers.SerializerMethodField(help_text=_("The Markdown, rendered and sanitised."))

    class Meta:
        model = Addendum
        fields = ["id", "text", "html", "author", "created_at"]

    def get_html(self, addendum) -> str:
        return render(addendum.text)


class NoteDetailSerializer(NoteSerializer):
    template = serializers.CharField(source="template_id", allow_null=True)
    sections = SectionOutSerializer(many=True)
    addenda = serializers.SerializerMethodField()

    class Meta(NoteSerializer.Meta):
        fields = [*NoteSerializer.Meta.fields, "template", "sections", "addenda"]

    @extend_schema_field(AddendumSerializer(many=True))
    def get_addenda(self, note) -> list[dict]:
        """In the order they were added; the view reads them once and passes them in."""
        return AddendumSerializer(self.context.get("addenda", []), many=True).data


class NoteCreateSerializer(serializers.Serializer):
    patient = serializers.CharField(**ID)
    type = serializers.CharField(
        help_text=_('The note type\'s id or its code, e.g. "11506-3" (progress note).'), **ID
    )
    template = serializers.CharField(required=False, allow_blank=True, **ID)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    sections = SectionSerializer(
        many=True,
        required=False,
        help_text=_("Defaults to the template's sections with their starter text."),
    )
    appointment = serializers.CharField(required=False, allow_blank=True, **ID)
    shared_with_patient = serializers.BooleanField(required=False, default=False)


class NoteUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    sections = SectionSerializer(many=True, required=False)
    appointment = serializers.CharField(required=False, allow_blank=True, **ID)
    shared_with_patient = serializers.BooleanField(required=False)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you started from: if the draft has moved on, 409."),
    )
    autosave = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Sent by the writer's autosave: saves within a minute share one revision."),
    )


class SignSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Sign only if the draft is still this version.")
    )


class RequestCosignSerializer(serializers.Serializer):
    cosigner = serializers.CharField(help_text=_("A clinician of the clinic (user id)."), **ID)


class ShareSerializer(serializers.Serializer):
    shared = serializers.BooleanField()


class AddendumCreateSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=_("Markdown."), max_length=20_000)


class RevisionSerializer(ModelSerializer):
    editor = PersonSerializer()
    saved_at = MillisecondDateTimeField(source="updated_at")
    sections = SectionSerializer(many=True)

    class Meta:
        model = NoteRevision
        fields = [
            "id",
            "version",
            "editor",
            "created_at",
            "saved_at",
            "autosave",
            "title",
            "sections",
        ]


class HistorySerializer(serializers.Serializer):
    note = NoteSerializer()
    revisions = RevisionSerializer(many=True)
    addenda = AddendumSerializer(many=True)


class FhirDocumentReferenceSerializer(serializers.Serializer):
    """A FHIR R4 DocumentReference (only the elements this API fills are listed)."""

    resourceType = serializers.CharField(default="DocumentReference")
    id = serializers.CharField()
    status = serializers.CharField(help_text="current")
    docStatus = serializers.CharField(help_text="preliminary (a draft), final, or amended")
    type = serializers.DictField()
    category = serializers.ListField(child=serializers.DictField())
    subject = serializers.DictField()
    date = serializers.DateTimeField()
    author = serializers.ListField(child=serializers.DictField())
    authenticator = serializers.DictField(required=False)
    description = serializers.CharField()
    content = serializers.ListField(child=serializers.DictField())
    context = serializers.DictField(required=False)
