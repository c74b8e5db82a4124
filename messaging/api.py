"""Messaging API: thin views over messaging.selectors and messaging.services.

A thread outside the actor's reach is 404 (another clinic's, or a patient's other than one's
own); a role or category the actor may not use is 403. Bad input is 400: empty text with no
file, text over 10,000 characters, a file that does not exist or belongs to another patient,
an unknown patient or assignee, a malformed `since`.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import is_patient_user
from core.api import (
    NUMBERED,
    READ_ERRORS,
    WRITE_ERRORS,
    choice_param,
    moment_param,
    page_envelope,
    page_params,
    page_response,
    validated,
)
from messaging import selectors, services
from messaging import serializers as s
from messaging.models import Category
from patients.selectors import patient_get

ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The thread's id.")
BOOL = ("true", "false")
THREAD_FILTERS = [
    OpenApiParameter("status", str, enum=["open", "closed"]),
    OpenApiParameter("assigned", str, enum=list(selectors.ASSIGNED), description="Staff."),
    OpenApiParameter("patient", str, description="Only this patient's threads (id)."),
    OpenApiParameter("urgent", str, enum=list(BOOL)),
    OpenApiParameter("unread", str, enum=list(BOOL), description="Counted as unread for you."),
    OpenApiParameter("category", str, enum=list(Category.values)),
    OpenApiParameter(
        "search",
        str,
        description="The patient's name, or words of the subject: each the start of one of "
        'its words, case and accents ignored (`presc` finds "Repeat prescription"); 400 when '
        "more than 1,000 patients match.",
    ),
]
SINCE = [
    OpenApiParameter("since", str, description="Only messages after this ISO-8601 time."),
    OpenApiParameter("after", int, description="Only messages after this `seq`."),
]


ThreadPage = page_envelope(
    "ThreadPage",
    s.ThreadSerializer(many=True),
    "Exact up to 10,000; without `patient`, about as many past that (`count_estimated`, given "
    "only without `patient`, is then true).",
    walked=False,
)


def _bool_param(request, name):
    value = choice_param(request, name, BOOL)
    return None if not value else value == "true"


def _after(request):
    raw = request.query_params.get("after", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit(), and int() refuses it
        raise ValidationError({"after": [_("Not a number.")]})
    return int(raw)


def _message_serializer(actor):
    return s.PatientThreadMessageSerializer if is_patient_user(actor) else s.ThreadMessageSerializer


def thread_body(actor, thread) -> dict:
    selectors.with_unread(actor, [thread])
    return s.ThreadSerializer(thread).data


class ThreadListView(GenericAPIView):
    serializer_class = s.ThreadSerializer
    required_permission = {"GET": "messaging.view", "POST": "messaging.write"}

    @extend_schema(
        operation_id="messages_threads_list",  # its own envelope (ThreadPage)
        summary="Message threads: urgent first, then the latest message (filters; paginated)",
        description="Staff see their clinic's threads (receptionists the appointment and "
        "billing ones); a patient user their own. Each `unread_count` is the caller's. Paged "
        "by number, not by cursor: a new message moves its thread to the top.",
        parameters=[*THREAD_FILTERS, *NUMBERED],
        responses={200: ThreadPage, **WRITE_ERRORS},
    )
    def get(self, request):
        params = request.query_params
        page = selectors.thread_page(
            actor=request.user,
            status=choice_param(request, "status", ("open", "closed")),
            assigned=choice_param(request, "assigned", selectors.ASSIGNED, default="any"),
            patient=params.get("patient", "").strip(),
            urgent=_bool_param(request, "urgent"),
            unread=_bool_param(request, "unread"),
            category=choice_param(request, "category", Category.values),
            search=params.get("search", "").strip()[:100],
            **page_params(request),
        )
        data = s.ThreadSerializer(page.object_list, many=True).data
        return page_response(request, page, data)

    @extend_schema(
        summary="Start a thread with its first message",
        description="Staff name the `patient`; a patient user writes for themselves. "
        "`attachments`: ids of files of this patient (uploaded through the files API).",
        request=s.ThreadCreateSerializer,
        responses={201: s.ThreadSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.ThreadCreateSerializer, request)
        patient = None
        if not is_patient_user(request.user):
            if not data.get("patient"):
                raise ValidationError({"patient": [_("Choose the patient.")]})
            try:
                patient = patient_get(
                    actor=request.user, id=data["patient"], permission=None, audited=False
                )
            except Http404:
                raise ValidationError({"patient": [_("Unknown patient.")]}) from None
        thread = services.thread_create(
            actor=request.user,
            patient=patient,
            subject=data["subject"],
            category=data["category"],
            text=data.get("text", ""),
            attachments=data["attachments"],
            urgent=data["urgent"],
        )
        return Response(thread_body(request.user, thread), status=status.HTTP_201_CREATED)


class ThreadDetailView(APIView):
    @extend_schema(
        summary="A thread, with the caller's unread count",
        parameters=[ID],
        responses={200: s.ThreadSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        thread = selectors.thread_get(actor=request.user, id=pk)
        return Response(thread_body(request.user, thread))

    @extend_schema(
        summary="Assign (null unassigns), mark or clear urgent, close or reopen (staff)",
        parameters=[ID],
        request=s.ThreadUpdateSerializer,
        responses={200: s.ThreadSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        thread = selectors.thread_get(
            actor=request.user, id=pk, permission="messaging.manage", audited=False
        )
        data = validated(s.ThreadUpdateSerializer, request)
        services.thread_update(actor=request.user, thread=thread, **data)
        return Response(thread_body(request.user, thread))


class MessageListView(APIView):
    @extend_schema(
        summary="A thread's messages in order (`since` / `after`: only newer ones, for sync)",
        description="Each message has a `seq` (1, 2, 3 ... in the thread) and a `created_at` "
        "strictly later than the one before, so passing the last one seen as `since` (or its "
        "seq as `after`) returns every newer message exactly once. Patients never receive "
        "internal remarks.",
        parameters=[ID, *SINCE],
        responses={200: s.ThreadMessageSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request, pk):
        since, after = moment_param(request, "since", exact=True), _after(request)
        thread = selectors.thread_get(actor=request.user, id=pk, detail=gettext_noop("messages"))
        rows = selectors.messages_of(
            actor=request.user, thread=thread, since=since, after_seq=after
        )
        return Response(_message_serializer(request.user)(rows, many=True).data)

    @extend_schema(
        summary="Write in a thread (staff may write an internal remark)",
        description="Reopens a closed thread; marks the thread read for the writer.",
        parameters=[ID],
        request=s.MessageCreateSerializer,
        responses={201: s.ThreadMessageSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        thread = selectors.thread_get(
            actor=request.user, id=pk, permission="messaging.write", audited=False
        )
        data = validated(s.MessageCreateSerializer, request)
        message = services.message_post(
            actor=request.user,
            thread=thread,
            text=data.get("text", ""),
            attachments=data["attachments"],
            internal=data["internal"],
        )
        body = _message_serializer(request.user)(message).data
        return Response(body, status=status.HTTP_201_CREATED)


class ThreadReadView(APIView):
    @extend_schema(
        summary="Mark everything in the thread up to now read for the caller",
        parameters=[ID],
        request=None,
        responses={200: s.ThreadSerializer, **READ_ERRORS},
    )
    def post(self, request, pk):
        thread = selectors.thread_get(actor=request.user, id=pk, audited=False)
        services.thread_read(actor=request.user, thread=thread)
        return Response(thread_body(request.user, thread))


class UnreadCountView(APIView):
    required_permission = "messaging.view"

    @extend_schema(
        summary="The caller's unread messages",
        description="Patients: their threads. Staff: open threads assigned to them plus the "
        "team inbox (unassigned open threads of their clinic they may read).",
        responses={200: s.UnreadSerializer, **READ_ERRORS},
    )
    def get(self, request):
        return Response({"unread": selectors.unread_count(actor=request.user)})


class SettingsView(APIView):
    """The clinic's response target and working time (clinic admins)."""

    required_permission = "messaging.settings.edit"

    def _body(self, request, row):
        shown = {name: getattr(row, name) for name in services.SETTINGS_FIELDS}
        shown.update(weekdays=row.weekdays, timezone=request.user.clinic.timezone)
        return s.MessagingSettingsSerializer(shown).data

    @extend_schema(
        summary="The clinic's urgent-message response target and working hours",
        responses={200: s.MessagingSettingsSerializer, **READ_ERRORS},
    )
    def get(self, request):
        return Response(self._body(request, selectors.messaging_settings(actor=request.user)))

    @extend_schema(
        summary="Change the response target or working hours (any of the fields)",
        description="The target counts only working time: 60 minutes asked on Friday 16:30 of "
        "a Mon–Fri 09:00–17:00 clinic are due on Monday 09:30 (clinic time).",
        request=s.MessagingSettingsSerializer,
        responses={200: s.MessagingSettingsSerializer, **WRITE_ERRORS},
    )
    def patch(self, request):
        data = validated(s.MessagingSettingsSerializer, request, partial=True)
        if "weekdays" in data:
            data["working_days"] = data.pop("weekdays")
        row = services.settings_update(actor=request.user, **data)
        return Response(self._body(request, row))
