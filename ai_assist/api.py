"""AI assist API: thin views over ai_assist.services (which make the one access call each)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from ai_assist import serializers as s
from ai_assist import services
from core.api import READ_ERRORS, WRITE_ERRORS, validated

PATIENT_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The patient's id.")
THREAD_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The thread's id.")
RESULT_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The result's id.")


class SummaryView(APIView):
    @extend_schema(
        summary="Chart summary with citations (AI-drafted)",
        parameters=[PATIENT_ID],
        request=None,
        responses={200: s.AiSummarySerializer, **READ_ERRORS},
    )
    def post(self, request, id: str):
        return Response(services.summary_generate(actor=request.user, patient_id=id))


class NoteDraftView(APIView):
    @extend_schema(
        summary="Create an AI-drafted SOAP note (a draft: the clinician edits and signs it)",
        parameters=[PATIENT_ID],
        request=None,
        responses={201: s.AiNoteDraftSerializer, **WRITE_ERRORS},
    )
    def post(self, request, id: str):
        draft = services.note_draft_create(actor=request.user, patient_id=id)
        return Response(draft, status=status.HTTP_201_CREATED)


class TriageView(APIView):
    @extend_schema(
        summary="Suggested urgency, category and reply for a message thread (never sent)",
        parameters=[THREAD_ID],
        request=None,
        responses={200: s.AiTriageSerializer, **READ_ERRORS},
    )
    def post(self, request, id: str):
        return Response(services.thread_triage(actor=request.user, thread_id=id))


class ExplainView(APIView):
    @extend_schema(
        summary="Plain-language explanation of a final lab result",
        parameters=[RESULT_ID],
        responses={200: s.AiExplanationSerializer, **WRITE_ERRORS},
    )
    def get(self, request, id: str):
        return Response(services.result_explain(actor=request.user, result_id=id))


class SettingsView(APIView):
    required_permission = "ai.configure"

    @extend_schema(
        summary="The clinic's AI settings", responses={200: s.AiSettingsSerializer, **READ_ERRORS}
    )
    def get(self, request):
        row = services.settings_get(actor=request.user)
        return Response(s.AiSettingsSerializer(row).data)

    @extend_schema(
        summary="Switch the external provider on or off; choose the features",
        request=s.AiSettingsUpdateSerializer,
        responses={200: s.AiSettingsSerializer, **WRITE_ERRORS},
    )
    def patch(self, request):
        data = validated(s.AiSettingsUpdateSerializer, request)
        row = services.settings_update(actor=request.user, **data)
        return Response(s.AiSettingsSerializer(row).data)
