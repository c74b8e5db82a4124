"""Notes API: thin views over notes.selectors and notes.services.

A note outside the actor's reach is 404 (for a patient user: anything but their own signed
notes shared with them); an action the role may not take is 403, before the body is read.
Ids in a request body that are unknown or out of reach are 400 naming the field. A change to
a signed note is 409 (the lock is in the model; the service says why).
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    READ_ERRORS,
    WALKABLE,
    WRITE_ERRORS,
    ErrorSerializer,
    FhirJSONRenderer,
    choice_param,
    cursor_params,
    cursor_response,
    date_param,
    page_envelope,
    page_params,
    page_response,
    validated,
)
from core.lists import page_of
from notes import fhir, selectors, services
from notes import serializers as s
from patients.selectors import patient_get

ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The note's id.")
TEMPLATE_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The template's id.")
LIST_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}
CONFLICT = {409: OpenApiResponse(ErrorSerializer, "The note is signed (or changed elsewhere).")}
NOTE_FILTERS = [
    OpenApiParameter("patient", str, description="Only this patient's notes (id)."),
    OpenApiParameter("author", str, description="Only notes written by this user (id)."),
    OpenApiParameter("status", str, enum=list(selectors.STATUSES)),
    OpenApiParameter("type", str, description='A note type\'s id or code, e.g. "11506-3".'),
    OpenApiParameter(
        "search",
        str,
        description=(
            "Words that must each start a word of the title or the sections "
            '("asth" finds asthma; case and accents ignored).'
        ),
    ),
    OpenApiParameter("date_from", str, description="Written on or after (YYYY-MM-DD)."),
    OpenApiParameter("date_to", str, description="Written on or before (YYYY-MM-DD)."),
]


def _param(request, name: str) -> str:
    return request.query_params.get(name, "").strip()[:200]


def _json_time(when):
    return None if when is None else serializers.DateTimeField().to_representation(when)


def note_body(note) -> dict:
    return s.NoteDetailSerializer(note, context={"addenda": selectors.addenda_of(note)}).data


# --- types and templates -------------------------------------------------------------------------
class NoteTypeListView(GenericAPIView):
    serializer_class = s.NoteTypeSerializer
    required_permission = {"POST": "notes.templates.edit"}

    @extend_schema(
        summary="The clinic's note types (built-in ones carry their LOINC document code)",
        responses={200: s.NoteTypeSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        page = page_of(selectors.note_types(actor=request.user), **page_params(request))
        return page_response(request, page, s.NoteTypeSerializer(page.object_list, many=True).data)

    @extend_schema(
        summary="Add a note type of the clinic's own (clinic admins)",
        request=s.NoteTypeSerializer,
        responses={201: s.NoteTypeSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.NoteTypeSerializer, request)
        note_type = services.note_type_create(actor=request.user, **data)
        return Response(s.NoteTypeSerializer(note_type).data, status=status.HTTP_201_CREATED)


def _body_type(request, value: str):
    note_type = selectors.note_type_get(actor=request.user, id_or_code=value)
    if note_type is None:
        raise ValidationError({"type": [_("Unknown note type.")]})
    return note_type


class TemplateListView(GenericAPIView):
    serializer_class = s.NoteTemplateSerializer
    required_permission = {"POST": "notes.templates.edit"}

    @extend_schema(
        summary="The clinic's note templates with their sections",
        parameters=[OpenApiParameter("active", str, enum=["true", "false"])],
        responses={200: s.NoteTemplateSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        active = choice_param(request, "active", ["true", "false"])
        templates = selectors.template_list(actor=request.user, active_only=active == "true")
        page = page_of(templates, **page_params(request))
        data = s.NoteTemplateSerializer(page.object_list, many=True).data
        return page_response(request, page, data)

    @extend_schema(
        summary="Add a template (clinic admins)",
        request=s.NoteTemplateWriteSerializer,
        responses={201: s.NoteTemplateSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.NoteTemplateWriteSerializer, request)
        template = services.template_create(
            actor=request.user,
            note_type=_body_type(request, data.pop("type")),
            **data,
        )
        return Response(s.NoteTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateDetailView(APIView):
    @extend_schema(
        summary="One template",
        parameters=[TEMPLATE_ID],
        responses={200: s.NoteTemplateSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        template = selectors.template_get(actor=request.user, id=pk)
        return Response(s.NoteTemplateSerializer(template).data)

    @extend_schema(
        summary="Change a template (clinic admins); notes already written keep their sections",
        parameters=[TEMPLATE_ID],
        request=s.NoteTemplateWriteSerializer(partial=True),
        responses={200: s.NoteTemplateSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        template = selectors.template_get(
            actor=request.user, id=pk, permission="notes.templates.edit"
        )
        data = validated(s.NoteTemplateWriteSerializer, request, partial=True)
        if "type" in data:
            data["note_type"] = _body_type(request, data.pop("type"))
        template = services.template_update(actor=request.user, template=template, **data)
        return Response(s.NoteTemplateSerializer(template).data)


# --- notes ---------------------------------------------------------------------------------------
NoteListPage = page_envelope(
    "NotePage",
    s.NoteSerializer(many=True),
    "Exact for one patient's notes and up to 10,000 notes; above that (and for a search across "
    "patients for common words) about as many (`count_estimated` is then true).",
    estimated="Present without `patient`: true when `count` is an estimate (a list of over "
    "10,000 notes, or a search's count from a sample) rather than a count taken for this answer.",
    searched_from=serializers.DateTimeField(
        allow_null=True,
        help_text="A list without `patient` searched for words many notes have, or filtered "
        "by two or more of `author`, `status` and `type`, looks through the clinic's newest "
        f"{selectors.WINDOW:,} notes in `date_from`..`date_to`, no more: when the oldest of "
        "them was written, if older notes were left out (set `date_to` before it to reach "
        "those). Null when every note in those dates was looked through.",
    ),
)


class NoteListView(GenericAPIView):
    serializer_class = s.NoteSerializer
    required_permission = {"POST": "notes.write"}

    @extend_schema(
        operation_id="notes_list",  # its own envelope (NotePage): not taken for a "retrieve"
        summary="Clinical notes, newest first (filters, search; paginated, or walked by cursor)",
        description="Staff (clinicians, nurses, clinic admins) see their clinic's notes; a "
        "patient user their own notes that are signed and shared with them. Each patient on "
        "the page is recorded in the audit trail.",
        parameters=[*NOTE_FILTERS, *WALKABLE],
        responses={200: NoteListPage, 404: ErrorSerializer, **LIST_ERRORS},
    )
    def get(self, request):
        filters = {
            "actor": request.user,
            "patient_id": _param(request, "patient"),
            "author": _param(request, "author"),
            "status": choice_param(request, "status", selectors.STATUSES),
            "note_type": _param(request, "type"),
            "search": _param(request, "search"),
            "date_from": date_param(request, "date_from"),
            "date_to": date_param(request, "date_to"),
        }
        if (walked := cursor_params(request)) is not None:
            rows, next_cursor, searched_from = selectors.note_keyset_page(**filters, **walked)
            notes = s.NoteSerializer(rows, many=True).data
            return cursor_response(
                request, notes, next_cursor, searched_from=_json_time(searched_from)
            )
        page, _patient, searched_from = selectors.note_page(**filters, **page_params(request))
        notes = s.NoteSerializer(page.object_list, many=True).data
        return page_response(request, page, notes, searched_from=_json_time(searched_from))

    @extend_schema(
        summary="Start a note (a draft) for a patient (clinicians, nurses)",
        description="`type` is a type's id or its code; with a `template` and no `sections`, "
        "the draft starts with the template's sections and starter text. With a template, "
        "every section must be one of its sections.",
        request=s.NoteCreateSerializer,
        responses={201: s.NoteDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.NoteCreateSerializer, request)
        try:
            patient = patient_get(
                actor=request.user, id=data["patient"], permission="notes.write", audited=False
            )
        except Http404:
            raise ValidationError({"patient": [_("Unknown patient.")]}) from None
        template = None
        if data.get("template"):
            template = selectors.template_list(actor=request.user).filter(pk=data["template"])
            template = template.first()
            if template is None:
                raise ValidationError({"template": [_("Unknown template.")]})
        note = services.note_create(
            actor=request.user,
            patient=patient,
            note_type=_body_type(request, data["type"]),
            template=template,
            title=data.get("title", ""),
            sections=data.get("sections"),
            appointment_id=data.get("appointment", ""),
            shared_with_patient=data["shared_with_patient"],
        )
        return Response(note_body(note), status=status.HTTP_201_CREATED)


class NoteDetailView(APIView):
    @extend_schema(
        summary="One note: sections (Markdown and sanitised HTML), addenda, signatures",
        parameters=[ID],
        responses={200: s.NoteDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(note_body(selectors.note_get(actor=request.user, id=pk)))

    @extend_schema(
        summary="Save the draft (its author only); a signed note answers 409",
        description="Send the fields that change. `sections` replaces the list. Send "
        "`version` (from the last answer) so that a save from another tab is not overwritten.",
        parameters=[ID],
        request=s.NoteUpdateSerializer,
        responses={200: s.NoteDetailSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        note = selectors.note_get(
            actor=request.user, id=pk, permission="notes.write", audited=False
        )
        data = validated(s.NoteUpdateSerializer, request)
        if "appointment" in data:
            data["appointment_id"] = data.pop("appointment")
        note = services.note_update(actor=request.user, note=note, **data)
        return Response(note_body(note))


class NoteSignView(APIView):
    @extend_schema(
        summary="Sign the draft (its author only): from now on it never changes",
        parameters=[ID],
        request=s.SignSerializer,
        responses={200: s.NoteDetailSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        note = selectors.note_get(
            actor=request.user, id=pk, permission="notes.write", audited=False
        )
        data = validated(s.SignSerializer, request)
        note = services.note_sign(actor=request.user, note=note, version=data.get("version"))
        return Response(note_body(note))


class NoteRequestCosignView(APIView):
    @extend_schema(
        summary="Ask a clinician of the clinic to co-sign the signed note (its author only)",
        parameters=[ID],
        request=s.RequestCosignSerializer,
        responses={200: s.NoteDetailSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        note = selectors.note_get(
            actor=request.user, id=pk, permission="notes.write", audited=False
        )
        data = validated(s.RequestCosignSerializer, request)
        note = services.note_request_cosign(
            actor=request.user, note=note, cosigner_id=data["cosigner"]
        )
        return Response(note_body(note))


class NoteCosignView(APIView):
    @extend_schema(
        summary="Co-sign the note (the requested co-signer only)",
        parameters=[ID],
        request=None,
        responses={200: s.NoteDetailSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        note = selectors.note_get(
            actor=request.user, id=pk, permission="notes.cosign", audited=False
        )
        return Response(note_body(services.note_cosign(actor=request.user, note=note)))


class NoteShareView(APIView):
    @extend_schema(
        summary="Share the note with the patient, or stop sharing it",
        description="Changes who may read the note, never what it says: allowed before and "
        "after signing. A draft's sharing is its author's call (403 for anyone else); a "
        "signed note's, any clinician's or nurse's. The patient reads it once it is signed "
        "and shared.",
        parameters=[ID],
        request=s.ShareSerializer,
        responses={200: s.NoteDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        note = selectors.note_get(
            actor=request.user, id=pk, permission="notes.write", audited=False
        )
        data = validated(s.ShareSerializer, request)
        note = services.note_share(actor=request.user, note=note, shared=data["shared"])
        return Response(note_body(note))


class NoteAddendaView(APIView):
    @extend_schema(
        summary="Add an addendum to a signed note",
        parameters=[ID],
        request=s.AddendumCreateSerializer,
        responses={201: s.AddendumSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        note = selectors.note_get(
            actor=request.user, id=pk, permission="notes.write", audited=False
        )
        data = validated(s.AddendumCreateSerializer, request)
        addendum = services.addendum_add(actor=request.user, note=note, text=data["text"])
        return Response(s.AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


class NoteHistoryView(APIView):
    @extend_schema(
        summary="The note's history: every saved draft (who, when, content), then the addenda",
        description="Staff only. Reading it is recorded in the audit trail.",
        parameters=[ID],
        responses={200: s.HistorySerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        note, revisions = selectors.note_history(actor=request.user, id=pk)
        body = {"note": note, "revisions": revisions, "addenda": selectors.addenda_of(note)}
        return Response(s.HistorySerializer(body).data)


class NoteFhirView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]

    @extend_schema(
        summary="The note as a FHIR R4 DocumentReference (Markdown and HTML attachments)",
        description="`application/fhir+json` by default. Recorded in the audit trail as an export.",
        parameters=[ID],
        responses={200: s.FhirDocumentReferenceSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        note = selectors.note_export(actor=request.user, id=pk)
        return Response(fhir.document_reference(note, selectors.addenda_of(note)))
