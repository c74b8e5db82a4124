"""Appointments API: thin views over appointments.selectors and appointments.services.

A record outside the actor's reach is 404, an action the role may not take is 403 (the
selector's `permission`, or `required_permission` on views that load no record); a clash is 409
with `clashes`, an illegal status change 409. Times go out in the clinic's offset.
"""

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments import ics, selectors, services
from appointments import serializers as s
from appointments.models import Status
from appointments.slots import local_instant
from core.access import open_record
from core.api import (
    READ_ERRORS,
    WALKABLE,
    WRITE_ERRORS,
    ErrorSerializer,
    choice_param,
    cursor_params,
    cursor_response,
    page_envelope,
    page_params,
    page_response,
    validated,
)
from patients.selectors import patient_get

ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The record's id.")
LIST_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}
# One 409 body for both conflicts: a clash carries `clashes`, a status that does not allow the
# change carries `current_status` (neither is present in the other case).
ClashSerializer = inline_serializer(
    "AppointmentClash",
    {
        "detail": serializers.CharField(),
        "clashes": serializers.ListField(
            required=False,
            child=inline_serializer(
                "ClashTime",
                {"start": serializers.DateTimeField(), "end": serializers.DateTimeField()},
            ),
        ),
        "current_status": serializers.CharField(required=False),
    },
)
CONFLICT = {409: OpenApiResponse(ClashSerializer, "A clash, or a status that does not allow it")}
OVERLAP = {409: OpenApiResponse(ErrorSerializer, "Overlaps hours already entered that day")}


def _context(request, clinic=None) -> dict:
    clinic = clinic or selectors.actor_clinic(request.user)
    return {"request": request, "tz": selectors.clinic_tz(clinic)}


def _appointment_body(request, appointment) -> dict:
    return s.AppointmentSerializer(appointment, context=_context(request, appointment.clinic)).data


def _body_patient(actor, patient_id: str | None):
    """The patient a booking is for: staff name one of their clinic's, a patient user is
    booking for themself. Unknown or out of reach: a 400 naming the field."""
    if not patient_id:
        own = open_record(actor)
        if own is None:
            raise ValidationError({"patient": _("This field is required.")})
        patient_id = own.pk
    try:
        return patient_get(
            actor=actor, id=patient_id, permission="appointments.book", audited=False
        )
    except Http404:
        raise ValidationError({"patient": _("Unknown patient.")}) from None


def _moment(request, name: str, *, end: bool = False, tz=None):
    raw = request.query_params.get(name, "")
    if not raw.strip():
        return None
    value = s.date_or_datetime(raw, name=name)
    if isinstance(value, datetime.datetime):
        return value
    return local_instant(value + datetime.timedelta(days=1 if end else 0), datetime.time(), tz)


# --- types ---------------------------------------------------------------------------------
class TypeListView(GenericAPIView):
    serializer_class = s.AppointmentTypeSerializer
    required_permission = {"GET": "appointments.view", "POST": "appointments.types.edit"}

    @extend_schema(
        summary="The clinic's appointment types (patients: the ones they may book)",
        responses={200: s.AppointmentTypeSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.type_list(actor=request.user))
        return self.get_paginated_response(s.AppointmentTypeSerializer(page, many=True).data)

    @extend_schema(
        summary="Add an appointment type (clinic admins)",
        request=s.AppointmentTypeSerializer,
        responses={201: s.AppointmentTypeSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.AppointmentTypeSerializer, request)
        created = services.type_save(actor=request.user, **data)
        return Response(s.AppointmentTypeSerializer(created).data, status=status.HTTP_201_CREATED)


class ProviderListView(APIView):
    required_permission = "appointments.view"

    @extend_schema(
        summary="The clinic's providers (clinicians and nurses): the names behind slots' ids",
        description="Every active provider, by name; the same for staff and patients (an "
        "app names a slot's or an appointment's `provider` with it). Not paginated.",
        responses={200: s.ProviderSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        clinic = selectors.actor_clinic(request.user)
        providers = selectors.provider_list(clinic_id=clinic.pk)
        return Response(s.ProviderSerializer(providers, many=True).data)


class TypeDetailView(APIView):
    @extend_schema(
        summary="One appointment type",
        parameters=[ID],
        responses={200: s.AppointmentTypeSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(
            s.AppointmentTypeSerializer(selectors.type_get(actor=request.user, id=pk)).data
        )

    @extend_schema(
        summary="Change an appointment type (clinic admins)",
        description="Appointments already booked keep their times.",
        parameters=[ID],
        request=s.AppointmentTypeSerializer,
        responses={200: s.AppointmentTypeSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        found = selectors.type_get(actor=request.user, id=pk, permission="appointments.types.edit")
        data = validated(s.AppointmentTypeSerializer, request, partial=True)
        found = services.type_save(actor=request.user, appointment_type=found, **data)
        return Response(s.AppointmentTypeSerializer(found).data)


# --- availability --------------------------------------------------------------------------
PROVIDER_FILTER = OpenApiParameter("provider", str, description="Only this provider's (id).")


class RuleListView(GenericAPIView):
    serializer_class = s.RuleSerializer
    required_permission = {
        "GET": "appointments.availability.view",
        "POST": "appointments.availability.edit",
    }

    @extend_schema(
        summary="Providers' weekly hours (local wall-clock times in the clinic's timezone)",
        parameters=[PROVIDER_FILTER],
        responses={200: s.RuleSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        rules = selectors.rule_list(
            actor=request.user, provider=request.query_params.get("provider", "")[:64]
        )
        page = self.paginate_queryset(rules)
        return self.get_paginated_response(s.RuleSerializer(page, many=True).data)

    @extend_schema(
        summary="Add weekly hours (a provider their own, admins anyone's)",
        request=s.RuleSerializer,
        responses={201: s.RuleSerializer, **OVERLAP, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.RuleSerializer, request)
        rule = services.rule_save(actor=request.user, provider_id=data.pop("provider_id"), **data)
        return Response(s.RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class RuleDetailView(APIView):
    @extend_schema(
        summary="One weekly rule", parameters=[ID], responses={200: s.RuleSerializer, **READ_ERRORS}
    )
    def get(self, request, pk):
        return Response(s.RuleSerializer(selectors.rule_get(actor=request.user, id=pk)).data)

    @extend_schema(
        summary="Change weekly hours",
        parameters=[ID],
        request=s.RuleUpdateSerializer,
        responses={200: s.RuleSerializer, **OVERLAP, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        rule = selectors.rule_get(
            actor=request.user, id=pk, permission="appointments.availability.edit"
        )
        data = validated(s.RuleUpdateSerializer, request, partial=True)
        rule = services.rule_save(actor=request.user, rule=rule, **data)
        return Response(s.RuleSerializer(rule).data)

    @extend_schema(
        summary="Remove weekly hours", parameters=[ID], responses={204: None, **READ_ERRORS}
    )
    def delete(self, request, pk):
        rule = selectors.rule_get(
            actor=request.user, id=pk, permission="appointments.availability.edit"
        )
        services.rule_delete(actor=request.user, rule=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExceptionListView(GenericAPIView):
    serializer_class = s.ExceptionSerializer
    required_permission = {
        "GET": "appointments.availability.view",
        "POST": "appointments.availability.edit",
    }

    @extend_schema(
        summary="Time off and extra hours (from today on unless `from` is given)",
        parameters=[PROVIDER_FILTER, OpenApiParameter("from", OpenApiTypes.DATE)],
        responses={200: s.ExceptionSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        tz = selectors.clinic_tz(selectors.actor_clinic(request.user))
        since = request.query_params.get("from", "")
        date_from = (
            s.date_or_datetime(since, name="from") if since else datetime.datetime.now(tz).date()
        )
        if isinstance(date_from, datetime.datetime):
            date_from = date_from.astimezone(tz).date()
        rows = selectors.exception_list(
            actor=request.user,
            provider=request.query_params.get("provider", "")[:64],
            date_from=date_from,
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ExceptionSerializer(page, many=True).data)

    @extend_schema(
        summary="Add time off (a whole day when no times) or extra hours on a date",
        request=s.ExceptionSerializer,
        responses={201: s.ExceptionSerializer, **OVERLAP, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.ExceptionSerializer, request)
        created = services.exception_save(
            actor=request.user, provider_id=data.pop("provider_id"), **data
        )
        return Response(s.ExceptionSerializer(created).data, status=status.HTTP_201_CREATED)


class ExceptionDetailView(APIView):
    @extend_schema(
        summary="One availability exception",
        parameters=[ID],
        responses={200: s.ExceptionSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(
            s.ExceptionSerializer(selectors.exception_get(actor=request.user, id=pk)).data
        )

    @extend_schema(
        summary="Change an availability exception",
        parameters=[ID],
        request=s.ExceptionUpdateSerializer,
        responses={200: s.ExceptionSerializer, **OVERLAP, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        found = selectors.exception_get(
            actor=request.user, id=pk, permission="appointments.availability.edit"
        )
        data = validated(s.ExceptionUpdateSerializer, request, partial=True)
        found = services.exception_save(actor=request.user, exception=found, **data)
        return Response(s.ExceptionSerializer(found).data)

    @extend_schema(
        summary="Remove an availability exception",
        parameters=[ID],
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request, pk):
        found = selectors.exception_get(
            actor=request.user, id=pk, permission="appointments.availability.edit"
        )
        services.exception_delete(actor=request.user, exception=found)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- slots ---------------------------------------------------------------------------------
class SlotListView(APIView):
    required_permission = "appointments.book"

    @extend_schema(
        summary="Free slots of a type",
        description="`start` and `end` are dates (whole local days of the clinic, `end` "
        "inclusive) or date-times with an offset; the past part of the range is ignored, and "
        "for patients the clinic's minimum notice too. At most 62 days.",
        parameters=[
            OpenApiParameter("type", str, required=True, description="Appointment type id."),
            OpenApiParameter("provider", str, description="One provider (default: all)."),
            OpenApiParameter("start", str, required=True, description="Date or date-time."),
            OpenApiParameter("end", str, description="Date or date-time (default: `start`)."),
            OpenApiParameter(
                "once_per_time",
                str,
                enum=["true", "false"],
                description="With no `provider`: `true` lists each start time once, with the "
                "provider who has the most free slots in the range (the least booked), as the "
                "booking page offers any provider; a week of a 50-provider clinic is then a few "
                "hundred slots, not thousands. Default `false`: every provider's every slot.",
            ),
        ],
        responses={200: s.SlotSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        clinic = selectors.actor_clinic(request.user)
        params = request.query_params
        start = s.date_or_datetime(params.get("start", ""), name="start")
        end = s.date_or_datetime(params["end"], name="end") if params.get("end") else start
        own = open_record(request.user)
        found = selectors.slot_list(
            actor=request.user,
            clinic=clinic,
            type_id=params.get("type", ""),
            provider=params.get("provider", "")[:64],
            start=start,
            end=end,
            patient_id=own.pk if own else "",
            once_per_time=choice_param(request, "once_per_time", ["true", "false"]) == "true",
        )
        return Response(s.SlotSerializer(found, many=True, context=_context(request, clinic)).data)


# --- appointments --------------------------------------------------------------------------
AppointmentPage = page_envelope("AppointmentPage", s.AppointmentSerializer(many=True))


class AppointmentListView(GenericAPIView):
    serializer_class = s.AppointmentSerializer
    required_permission = {"GET": "appointments.view", "POST": "appointments.book"}

    @extend_schema(
        operation_id="appointments_list",  # its own envelope (AppointmentPage)
        summary="Appointments, ordered by start (paginated, or walked by cursor)",
        description="Staff see their clinic's, a patient their own. Each patient on the page "
        "is recorded in the audit trail as read. `start`/`end`: dates (local days, `end` "
        "inclusive) or date-times with an offset. Without `patient`, `count` is exact up to "
        "10,000 appointments and about as many past that (`count_estimated` is then true; it "
        "is present only without `patient`).",
        parameters=[
            PROVIDER_FILTER,
            OpenApiParameter("patient", str, description="Only this patient's (id)."),
            OpenApiParameter("status", str, enum=list(Status.values)),
            OpenApiParameter("start", str, description="Starting at or after."),
            OpenApiParameter("end", str, description="Starting before (a date: by its end)."),
            *WALKABLE,
        ],
        responses={200: AppointmentPage, **LIST_ERRORS},
    )
    def get(self, request):
        clinic = selectors.actor_clinic(request.user)
        tz = selectors.clinic_tz(clinic)
        filters = {
            "provider": request.query_params.get("provider", "")[:64],
            "patient": request.query_params.get("patient", "")[:64],
            "status": choice_param(request, "status", Status.values),
            "start": _moment(request, "start", tz=tz),
            "end": _moment(request, "end", end=True, tz=tz),
        }
        context = _context(request, clinic)
        if (walked := cursor_params(request)) is not None:
            rows, next_cursor = selectors.appointment_keyset_page(
                actor=request.user, **walked, **filters
            )
            data = s.AppointmentSerializer(rows, many=True, context=context).data
            return cursor_response(request, data, next_cursor)
        page = selectors.appointment_page(actor=request.user, **filters, **page_params(request))
        data = s.AppointmentSerializer(page.object_list, many=True, context=context).data
        return page_response(request, page, data)

    @extend_schema(
        summary="Book an appointment (or a series)",
        description="`start` must be a free slot of the provider's hours. With `recurrence` "
        "every occurrence is checked first: all are booked, or none and the answer is 409 "
        "listing the occurrences that clash. The answer is the first occurrence, with "
        "`occurrences` listing all of them for a series.",
        request=s.AppointmentCreateSerializer,
        responses={201: s.SeriesCreatedSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.AppointmentCreateSerializer, request)
        patient = _body_patient(request.user, data.get("patient"))
        rows = services.appointment_book(
            actor=request.user,
            patient=patient,
            provider_id=data["provider"],
            type_id=data["type"],
            start=data["start"],
            reason=data.get("reason", ""),
            staff_notes=data.get("staff_notes", ""),
            recurrence=data.get("recurrence"),
        )
        context = _context(request, patient.clinic)
        body = s.AppointmentSerializer(rows[0], context=context).data
        if data.get("recurrence"):
            body["occurrences"] = s.AppointmentSerializer(rows, many=True, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)


class AppointmentDetailView(APIView):
    @extend_schema(
        summary="One appointment",
        parameters=[ID],
        responses={200: s.AppointmentSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        appointment = selectors.appointment_get(actor=request.user, id=pk)
        return Response(_appointment_body(request, appointment))

    @extend_schema(
        summary="Reschedule (start, provider) or change the reason and notes (staff)",
        description="A move follows the rules of booking (a free slot of the provider's "
        "hours; 409 with `clashes` otherwise). `scope: following` moves this occurrence and "
        "the following ones of its series by the same wall-clock shift, all or nothing.",
        parameters=[ID],
        request=s.AppointmentUpdateSerializer,
        responses={200: s.AppointmentSerializer, **CONFLICT, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        appointment = selectors.appointment_get(
            actor=request.user, id=pk, permission="appointments.reschedule", audited=False
        )
        data = validated(s.AppointmentUpdateSerializer, request)
        if "start" in data or "provider" in data:
            services.appointment_reschedule(
                actor=request.user,
                appointment=appointment,
                start=data.get("start"),
                provider_id=data.get("provider"),
                scope=data["scope"],
            )
        if "staff_notes" in data or "reason" in data:
            appointment = selectors.appointment_get(
                actor=request.user, id=pk, permission="appointments.reschedule", audited=False
            )
            services.appointment_update_notes(
                actor=request.user,
                appointment=appointment,
                staff_notes=data.get("staff_notes", appointment.staff_notes),
                reason=data.get("reason"),
            )
        appointment = selectors.appointment_get(actor=request.user, id=pk, audited=False)
        return Response(_appointment_body(request, appointment))


class AppointmentActionView(APIView):
    """POST /{id}/confirm, /check-in, /complete, /no-show: one status change."""

    action = ""

    @extend_schema(
        summary="Change the status (confirm, check in, complete, no-show)",
        description="Only from the states that allow it (409 otherwise): confirm from booked; "
        "check in from booked or confirmed; complete from checked in; no-show from booked or "
        "confirmed once the start has passed.",
        parameters=[ID],
        request=None,
        responses={200: s.AppointmentSerializer, **CONFLICT, **READ_ERRORS},
    )
    def post(self, request, pk):
        permission = services.TRANSITIONS[self.action][3]
        appointment = selectors.appointment_get(
            actor=request.user, id=pk, permission=permission, audited=False
        )
        services.appointment_transition(
            actor=request.user, appointment=appointment, action=self.action
        )
        return Response(_appointment_body(request, appointment))


class AppointmentCancelView(APIView):
    @extend_schema(
        summary="Cancel (this one, or this and the following ones of its series)",
        description="From booked or confirmed (409 otherwise). Patients may cancel up to the "
        "clinic's cut-off before the start; later is 409 with the policy in `detail`.",
        parameters=[ID],
        request=s.CancelSerializer,
        responses={200: s.AppointmentSerializer(many=True), **CONFLICT, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        appointment = selectors.appointment_get(
            actor=request.user, id=pk, permission="appointments.cancel", audited=False
        )
        data = validated(s.CancelSerializer, request)
        cancelled = services.appointment_cancel(
            actor=request.user,
            appointment=appointment,
            reason=data["reason"],
            scope=data["scope"],
        )
        context = _context(request, appointment.clinic)
        return Response(s.AppointmentSerializer(cancelled, many=True, context=context).data)


class AppointmentIcsView(APIView):
    @extend_schema(
        summary="The appointment as iCalendar (VEVENT with the clinic's VTIMEZONE)",
        parameters=[ID],
        responses={(200, "text/calendar"): OpenApiTypes.STR, **READ_ERRORS},
    )
    def get(self, request, pk):
        appointment = selectors.appointment_export(actor=request.user, id=pk)
        body = ics.single(
            appointment,
            tz=selectors.clinic_tz(appointment.clinic),
            telehealth_url=appointment.telehealth_url,
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="appointment-{pk}.ics"'
        return response


# --- calendar feeds ------------------------------------------------------------------------
FeedCreatedSerializer = inline_serializer(
    "CalendarFeedCreated", {"id": serializers.CharField(), "url": serializers.CharField()}
)


class FeedListView(GenericAPIView):
    serializer_class = s.FeedSerializer
    required_permission = "appointments.feeds"

    @extend_schema(
        summary="Your calendar feeds (their URLs are shown only when created)",
        responses={200: s.FeedSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.feed_list(actor=request.user))
        return self.get_paginated_response(s.FeedSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a secret calendar feed URL of your appointments",
        description="Providers get their calendar (times and types; patient names only if the "
        "clinic turns that on), patients their own appointments. The URL needs no login: "
        "keep it secret, and delete the feed to revoke it.",
        request=None,
        responses={201: FeedCreatedSerializer, **LIST_ERRORS},
    )
    def post(self, request):
        feed, url = services.feed_create(actor=request.user)
        return Response({"id": feed.pk, "url": url}, status=status.HTTP_201_CREATED)


class FeedDetailView(APIView):
    required_permission = "appointments.feeds"

    @extend_schema(
        summary="Revoke a calendar feed", parameters=[ID], responses={204: None, **READ_ERRORS}
    )
    def delete(self, request, pk):
        feed = selectors.feed_get(actor=request.user, id=pk)
        services.feed_revoke(actor=request.user, feed=feed)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the clinic's reminder and feed settings ------------------------------------------------
class SettingsView(APIView):
    required_permission = {"GET": "appointments.view", "PATCH": "appointments.settings.edit"}

    @extend_schema(
        summary="The clinic's reminder and feed settings, and its booking policy (read-only)",
        responses={200: s.SettingsSerializer, **READ_ERRORS},
    )
    def get(self, request):
        clinic = selectors.actor_clinic(request.user)
        return Response(s.SettingsSerializer(selectors.clinic_settings(clinic.pk)).data)

    @extend_schema(
        summary="Change the clinic's reminder and feed settings (clinic admins)",
        description="The booking policy is changed with `PATCH /api/v1/clinics/current`.",
        request=s.SettingsSerializer,
        responses={200: s.SettingsSerializer, **WRITE_ERRORS},
    )
    def patch(self, request):
        data = validated(s.SettingsSerializer, request, partial=True)
        return Response(
            s.SettingsSerializer(services.settings_update(actor=request.user, **data)).data
        )
