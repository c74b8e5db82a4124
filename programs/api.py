"""Programmes API (the mobile app): thin views over programs.selectors and programs.services.

Another clinic's (or, for a patient user, another patient's) enrolment or task is 404; a role
that may not is 403; a transition the state does not allow, a second completion or a second
active enrolment is 409; a value in the wrong unit or out of bounds is 400.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    READ_ERRORS,
    WALKABLE,
    WRITE_ERRORS,
    ErrorSerializer,
    FhirJSONRenderer,
    Pagination,
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
from patients.selectors import patient_get
from programs import fhir, selectors, services
from programs import serializers as s
from programs.models import Enrollment, ProgramTemplate

ID = OpenApiParameter("id", str, OpenApiParameter.PATH)
CONFLICT = {409: OpenApiResponse(ErrorSerializer, "Not allowed in the current state.")}
LIST_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}


def _template_data(template) -> dict:
    return s.ProgramTemplateSerializer(template).data


def _template_input(request, partial=False) -> dict:
    data = validated(s.ProgramTemplateSerializer, request, partial=partial)
    for name in ("steps", "goals"):
        if name in data:
            data[name] = [dict(item) for item in data[name]]
    return data


# --- templates ------------------------------------------------------------------------------------
class TemplateListView(APIView):
    required_permission = {"GET": "programs.view", "POST": "programs.templates.edit"}
    pagination_class = Pagination  # documents the page envelope (the view pages with page_of)

    @extend_schema(
        summary="The clinic's programme templates (every version)",
        parameters=[
            OpenApiParameter("status", str, enum=ProgramTemplate.Status.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: s.ProgramTemplateSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        state = choice_param(request, "status", ProgramTemplate.Status.values)
        templates = selectors.template_list(actor=request.user, status=state).prefetch_related(
            "steps", "goals"
        )
        page = page_of(templates, **page_params(request))
        return page_response(request, page, [_template_data(t) for t in page.object_list])

    @extend_schema(
        summary="Create a draft template with its steps and goals",
        request=s.ProgramTemplateSerializer,
        responses={201: s.ProgramTemplateSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        template = services.template_create(actor=request.user, **_template_input(request))
        return Response(_template_data(template), status=status.HTTP_201_CREATED)


class TemplateDetailView(APIView):
    @extend_schema(
        summary="One template version",
        parameters=[ID],
        responses={200: s.ProgramTemplateSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(_template_data(selectors.template_get(actor=request.user, id=pk)))

    @extend_schema(
        summary="Edit a draft (a published version is never edited: 409)",
        parameters=[ID],
        request=s.ProgramTemplateSerializer,
        responses={200: s.ProgramTemplateSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        template = selectors.template_get(
            actor=request.user, id=pk, permission="programs.templates.edit"
        )
        template = services.template_update(
            actor=request.user, template=template, **_template_input(request, partial=True)
        )
        return Response(_template_data(template))


class TemplateActionView(APIView):
    action = ""

    @extend_schema(
        summary="publish (draft → published) or retire (published → retired)",
        parameters=[ID],
        request=None,
        responses={200: s.ProgramTemplateSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        template = selectors.template_get(
            actor=request.user, id=pk, permission="programs.templates.edit"
        )
        if self.action == "version":
            draft, created = services.template_new_version(actor=request.user, template=template)
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
            return Response(_template_data(draft), status=code)
        service = {"publish": services.template_publish, "retire": services.template_retire}
        result = service[self.action](actor=request.user, template=template)
        return Response(_template_data(result))


class TemplateVersionView(TemplateActionView):
    action = "version"

    @extend_schema(
        summary="Start a new draft version of a published or retired template",
        description="A programme has one draft at a time: when its lineage already has one, "
        "that draft is returned (200) instead of a new one (201).",
        parameters=[ID],
        request=None,
        responses={
            201: s.ProgramTemplateSerializer,
            200: OpenApiResponse(s.ProgramTemplateSerializer, "The draft already started."),
            **CONFLICT,
            **WRITE_ERRORS,
        },
    )
    def post(self, request, pk):
        return super().post(request, pk)


def task_context(actor) -> dict:
    """What a task's booking names: the appointment types this reader may book, read only when
    an appointment task is shown."""
    return {"type_ids": SimpleLazyObject(lambda: services.appointment_type_ids(actor))}


def enrollment_body(actor, enrollment, *, tasks=None) -> dict:
    context = {"goals": services.goals_status(enrollment), "tasks": tasks} | task_context(actor)
    return s.EnrollmentDetailSerializer(enrollment, context=context).data


class EnrollView(APIView):
    @extend_schema(
        summary="Enrol a patient in this published programme: the enrolment with all its tasks",
        parameters=[ID],
        request=s.EnrollSerializer,
        responses={201: s.EnrollmentDetailSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        template = selectors.template_get(actor=request.user, id=pk, permission="programs.enroll")
        data = validated(s.EnrollSerializer, request)
        try:
            patient = patient_get(
                actor=request.user, id=data["patient"], permission=None, audited=False
            )
        except (Http404, PermissionDenied) as exc:  # an id in the body: a 400 naming it
            raise ValidationError({"patient": [_("Unknown patient.")]}) from exc
        manager = None
        if data.get("care_manager"):
            manager = (
                get_user_model()
                .objects.filter(pk=data["care_manager"], clinic_id=request.user.clinic_id)
                .first()
            )
            if manager is None:
                raise ValidationError({"care_manager": [_("Unknown member of staff.")]})
        enrollment = services.enroll(
            actor=request.user,
            template=template,
            patient=patient,
            start_date=data["start_date"],
            care_manager=manager,
        )
        tasks = list(enrollment.tasks.select_related("step"))
        return Response(
            enrollment_body(request.user, enrollment, tasks=tasks), status=status.HTTP_201_CREATED
        )


# --- enrolments -----------------------------------------------------------------------------------
EnrollmentPage = page_envelope(
    "EnrollmentPage", s.EnrollmentSerializer(many=True), counted="The enrolments in all."
)


class EnrollmentListView(APIView):
    required_permission = "programs.view"

    @extend_schema(
        operation_id="enrollments_list",  # its own envelope (EnrollmentPage)
        summary="Enrolments, newest first (staff: the clinic's, filtered; patients: their own; "
        "paginated, or walked by cursor)",
        parameters=[
            OpenApiParameter("patient", str),
            OpenApiParameter("program", str, description="A template's id or lineage."),
            OpenApiParameter("state", str, enum=Enrollment.State.values),
            *WALKABLE,
        ],
        responses={200: EnrollmentPage, **LIST_ERRORS},
    )
    def get(self, request):
        filters = {
            "patient": request.query_params.get("patient", "").strip(),
            "program": request.query_params.get("program", "").strip(),
            "state": choice_param(request, "state", Enrollment.State.values),
        }
        if (walked := cursor_params(request)) is not None:
            rows, next_cursor = selectors.enrollment_keyset_page(
                actor=request.user, **walked, **filters
            )
            data = s.EnrollmentSerializer(rows, many=True).data
            return cursor_response(request, data, next_cursor)
        page = selectors.enrollment_page(actor=request.user, **filters, **page_params(request))
        return page_response(
            request, page, s.EnrollmentSerializer(page.object_list, many=True).data
        )


class EnrollmentDetailView(APIView):
    @extend_schema(
        summary="One enrolment with its state, adherence and goals' status",
        parameters=[ID],
        responses={200: s.EnrollmentDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(
            enrollment_body(request.user, selectors.enrollment_get(actor=request.user, id=pk))
        )


class EnrollmentTransitionView(APIView):
    action = ""

    @extend_schema(
        summary="pause / resume / complete / withdraw (with `reason`): 409 when the current "
        "state does not allow it",
        parameters=[ID],
        request=s.EnrollmentReasonSerializer,
        responses={200: s.EnrollmentDetailSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        enrollment = selectors.enrollment_get(
            actor=request.user, id=pk, permission="programs.manage", audited=False
        )
        data = validated(s.EnrollmentReasonSerializer, request)
        enrollment = services.enrollment_transition(
            actor=request.user,
            enrollment=enrollment,
            action=self.action,
            reason=data.get("reason", ""),
        )
        return Response(enrollment_body(request.user, enrollment))


class EnrollmentTasksView(APIView):
    @extend_schema(
        summary="The enrolment's tasks of one day (default: today in the clinic's timezone)",
        parameters=[ID, OpenApiParameter("date", str, description="YYYY-MM-DD")],
        responses={200: s.ProgramTaskSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request, pk):
        enrollment = selectors.enrollment_get(actor=request.user, id=pk)
        day = date_param(request, "date", selectors.local_today(enrollment))
        tasks = selectors.tasks_on(enrollment, day)
        return Response(
            s.ProgramTaskSerializer(tasks, many=True, context=task_context(request.user)).data
        )


class EnrollmentMeasurementsView(APIView):
    @extend_schema(
        summary="Each measured code's series with its target range",
        parameters=[ID, OpenApiParameter("code", str, description='e.g. "8480-6"')],
        responses={200: s.MeasurementSeriesSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, pk):
        enrollment = selectors.enrollment_get(actor=request.user, id=pk)
        code = request.query_params.get("code", "").strip()
        return Response(
            s.MeasurementSeriesSerializer(
                selectors.measurement_series(enrollment, code), many=True
            ).data
        )


class EnrollmentFhirView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]

    @extend_schema(
        summary="The enrolment as a FHIR R4 CarePlan with its Goals (contained)",
        description="`application/fhir+json`. Recorded in the audit trail as an export.",
        parameters=[ID],
        responses={200: s.FhirCarePlanSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        enrollment = selectors.enrollment_export(actor=request.user, id=pk)
        return Response(fhir.bundle(enrollment, services.goals_status(enrollment)))


# --- tasks ----------------------------------------------------------------------------------------
class TaskCompleteView(APIView):
    @extend_schema(
        summary="Complete a task: `values` for a measurement, `answers` for a check-in",
        parameters=[ID],
        request=s.TaskCompleteSerializer,
        responses={200: s.ProgramTaskSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        task = selectors.task_get(actor=request.user, id=pk)
        data = validated(s.TaskCompleteSerializer, request)
        values = [dict(v) for v in data.get("values", [])]
        task = services.task_complete(
            actor=request.user, task=task, values=values, answers=data.get("answers")
        )
        return Response(s.ProgramTaskSerializer(task, context=task_context(request.user)).data)


class TaskSkipView(APIView):
    @extend_schema(
        summary="Skip a task",
        description="No body, or an empty object: any other body is a 400.",
        parameters=[ID],
        request=None,
        responses={200: s.ProgramTaskSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        task = selectors.task_get(actor=request.user, id=pk)
        validated(s.TaskSkipSerializer, request)
        return Response(
            s.ProgramTaskSerializer(
                services.task_skip(actor=request.user, task=task),
                context=task_context(request.user),
            ).data
        )
