"""Labs API: thin views over labs.selectors and labs.services.

Reads go through selectors (scoped to the actor and audited with the patient's id), writes
through services (permission, validation, flagging, write, audit). A record outside the actor's
reach is 404; an action the role may not take is 403, checked before the body is validated.
Ids in request bodies that are unknown or out of reach are 400 with the field named.

Catalogue editing (clinic admins): `POST /tests/`, `PATCH /tests/{id}/` for the test's own
fields, and the reference ranges as their own collection `/tests/{id}/ranges/`
(GET, POST) and `/tests/{id}/ranges/{range_id}/` (PATCH, DELETE).
"""

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorSerializer,
    FhirJSONRenderer,
    choice_param,
    validated,
)
from core.roles import require
from labs import fhir, selectors, services
from labs import serializers as s
from labs.flags import applicable_range
from labs.models import Flag, LabOrder, LabResult
from patients.selectors import patient_for_update, patients_in_reach

LIST_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}
ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The record's id.")
PATIENT_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The patient's id.")
TEST_ID = OpenApiParameter("test_id", str, OpenApiParameter.PATH, description="The test's id.")
RANGE_ID = OpenApiParameter(
    "range_id", str, OpenApiParameter.PATH, description="The reference range's id."
)
RESULT_FILTERS = [
    OpenApiParameter("test", str, description="Only this test (id)."),
    OpenApiParameter("status", str, enum=list(LabResult.Status.values)),
    OpenApiParameter("flag", str, enum=[f for f in Flag.values if f]),
    OpenApiParameter(
        "collected_from",
        str,
        description="Collected at or after (ISO 8601 date or date-time; a date means its start).",
    ),
    OpenApiParameter(
        "collected_to",
        str,
        description="Collected at or before (ISO 8601 date or date-time; a date means its end).",
    ),
]


# --- helpers -------------------------------------------------------------------------------------
def moment_param(request, name: str, *, end_of_day: bool = False) -> datetime.datetime | None:
    """An ISO 8601 date-time (naive: the current timezone) or date, else a 400 naming it."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        day = parse_date(raw)  # first: parse_datetime would read a date as its midnight
        moment = None if day else parse_datetime(raw.replace(" ", "+"))  # '+' arrives as ' '
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise ValidationError({name: [_("Not an ISO 8601 date or date-time.")]})
    if day is not None:
        moment = datetime.datetime.combine(
            day, datetime.time.max if end_of_day else datetime.time()
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def body_patient(actor, patient_id: str, field: str = "patient"):
    """The patient a body names, when in the actor's reach; else a 400 naming the field."""
    patient = patients_in_reach(actor=actor).filter(pk=patient_id).first()
    if patient is None:
        raise ValidationError({field: [_("Unknown patient.")]})
    return patient


def result_filters(request) -> dict:
    return {
        "test": request.query_params.get("test", "").strip()[:64] or None,
        "status": choice_param(request, "status", LabResult.Status.values),
        "flag": choice_param(request, "flag", [f for f in Flag.values if f]),
        "collected_from": moment_param(request, "collected_from"),
        "collected_to": moment_param(request, "collected_to", end_of_day=True),
    }


def result_page(view, request, results, *, audit_page: bool) -> Response:
    results = results.select_related("patient", "entered_by")
    page = view.paginate_queryset(results)
    if audit_page:
        selectors.audit_rows_read(actor=request.user, rows=page)
    return view.get_paginated_response(s.ResultSerializer(page, many=True).data)


def result_body(actor, result) -> dict:
    history = selectors.result_history(result=result)
    return s.ResultDetailSerializer(result, context={"history": history}).data


def order_body(actor, order) -> dict:
    results = selectors.order_results(actor=actor, order=order)
    return s.OrderDetailSerializer(order, context={"results": results}).data


# --- catalogue -----------------------------------------------------------------------------------
class TestListView(GenericAPIView):
    serializer_class = s.LabTestSerializer

    @extend_schema(
        summary="The clinic's test catalogue (search; paginated)",
        parameters=[
            OpenApiParameter("search", str, description="Part of the name, or a LOINC code."),
            OpenApiParameter("active", str, enum=["true", "false"], description="Only active."),
        ],
        responses={200: s.LabTestSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        active = choice_param(request, "active", ["true", "false"])
        tests = selectors.labtest_list(
            actor=request.user,
            search=request.query_params.get("search", "").strip()[:100],
            active_only=active == "true",
        )
        page = self.paginate_queryset(tests.order_by("name", "id"))
        return self.get_paginated_response(s.LabTestSerializer(page, many=True).data)

    @extend_schema(
        summary="Add a test to the catalogue (clinic admins)",
        description="Reference ranges are added afterwards under `/tests/{id}/ranges/`.",
        request=s.LabTestSerializer,
        responses={201: s.LabTestSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        require(request.user, "labs.catalogue.edit")
        data = validated(s.LabTestSerializer, request)
        test = services.labtest_save(actor=request.user, **data)
        test = selectors.labtest_get(actor=request.user, id=test.pk)
        return Response(s.LabTestSerializer(test).data, status=status.HTTP_201_CREATED)


class TestDetailView(APIView):
    @extend_schema(
        summary="One test with its reference ranges",
        parameters=[ID],
        responses={200: s.LabTestSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(s.LabTestSerializer(selectors.labtest_get(actor=request.user, id=pk)).data)

    @extend_schema(
        summary="Change a test (clinic admins)",
        description="Name, LOINC code, unit, value type, critical limits, active. Results "
        "already entered keep the unit, range and flag they were given.",
        parameters=[ID],
        request=s.LabTestSerializer,
        responses={200: s.LabTestSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        test = selectors.labtest_get(actor=request.user, id=pk)
        require(request.user, "labs.catalogue.edit")
        data = validated(s.LabTestSerializer, request, partial=True)
        services.labtest_save(actor=request.user, test=test, **data)
        return Response(s.LabTestSerializer(selectors.labtest_get(actor=request.user, id=pk)).data)


class RangeListView(APIView):
    @extend_schema(
        summary="A test's reference ranges",
        parameters=[ID],
        responses={200: s.ReferenceRangeSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, pk):
        test = selectors.labtest_get(actor=request.user, id=pk)
        return Response(s.ReferenceRangeSerializer(test.ranges.all(), many=True).data)

    @extend_schema(
        summary="Add a reference range (clinic admins)",
        parameters=[ID],
        request=s.ReferenceRangeSerializer,
        responses={201: s.ReferenceRangeSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        test = selectors.labtest_get(actor=request.user, id=pk)
        require(request.user, "labs.catalogue.edit")
        data = validated(s.ReferenceRangeSerializer, request)
        reference = services.range_save(actor=request.user, test=test, **data)
        return Response(s.ReferenceRangeSerializer(reference).data, status=status.HTTP_201_CREATED)


class RangeDetailView(APIView):
    def reference(self, request, pk, range_id):
        test = selectors.labtest_get(actor=request.user, id=pk)
        for reference in test.ranges.all():
            if str(reference.pk) == range_id:
                return test, reference
        raise NotFound(_("Not found."))

    @extend_schema(
        summary="Change a reference range (clinic admins)",
        parameters=[ID, RANGE_ID],
        request=s.ReferenceRangeSerializer,
        responses={200: s.ReferenceRangeSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk, range_id):
        test, reference = self.reference(request, pk, range_id)
        require(request.user, "labs.catalogue.edit")
        data = validated(s.ReferenceRangeSerializer, request, partial=True)
        reference = services.range_save(actor=request.user, test=test, reference=reference, **data)
        return Response(s.ReferenceRangeSerializer(reference).data)

    @extend_schema(
        summary="Delete a reference range (clinic admins)",
        parameters=[ID, RANGE_ID],
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request, pk, range_id):
        _test, reference = self.reference(request, pk, range_id)
        services.range_delete(actor=request.user, reference=reference)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PanelListView(GenericAPIView):
    serializer_class = s.PanelSerializer

    @extend_schema(
        summary="The clinic's panels with their tests (paginated)",
        responses={200: s.PanelSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        panels = selectors.panel_list(actor=request.user).order_by("name", "id")
        page = self.paginate_queryset(panels)
        return self.get_paginated_response(s.PanelSerializer(page, many=True).data)


class PanelDetailView(APIView):
    @extend_schema(
        summary="One panel with its tests",
        parameters=[ID],
        responses={200: s.PanelSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(s.PanelSerializer(selectors.panel_get(actor=request.user, id=pk)).data)


# --- orders --------------------------------------------------------------------------------------
class OrderListView(GenericAPIView):
    serializer_class = s.OrderSerializer

    @extend_schema(
        summary="Lab orders, newest first (filters; paginated)",
        description="Each patient on the page is recorded once in the audit trail.",
        parameters=[
            OpenApiParameter("patient", str, description="Only this patient's orders (id)."),
            OpenApiParameter("status", str, enum=list(LabOrder.Status.values)),
        ],
        responses={200: s.OrderSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        require(request.user, "labs.view")
        order_status = choice_param(request, "status", LabOrder.Status.values)
        patient = None
        if request.query_params.get("patient", "").strip():
            patient = body_patient(request.user, request.query_params["patient"].strip()[:64])
        orders = selectors.order_list(actor=request.user, patient=patient, status=order_status)
        page = self.paginate_queryset(orders.order_by("-created_at", "-id"))
        selectors.audit_rows_read(actor=request.user, rows=page, detail="lab orders")
        return self.get_paginated_response(s.OrderSerializer(page, many=True).data)

    @extend_schema(
        summary="Order tests and/or panels (clinicians, clinic admins)",
        description="A panel adds each of its tests once; at least one test or panel.",
        request=s.OrderCreateSerializer,
        responses={201: s.OrderDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        require(request.user, "labs.order")
        data = validated(s.OrderCreateSerializer, request)
        patient = body_patient(request.user, data["patient"])
        tests = _by_ids(selectors.labtest_list(actor=request.user), data["tests"], "tests")
        panels = _by_ids(selectors.panel_list(actor=request.user), data["panels"], "panels")
        order = services.order_create(
            actor=request.user,
            patient=patient,
            tests=tests,
            panels=panels,
            priority=data["priority"],
            notes=data["notes"],
        )
        order = selectors.order_for_update(actor=request.user, id=order.pk)
        return Response(order_body(request.user, order), status=status.HTTP_201_CREATED)


def _by_ids(queryset, ids: list[str], field: str) -> list:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    found = {str(obj.pk): obj for obj in queryset.filter(pk__in=ids)}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise ValidationError({field: [_("Unknown id: %s.") % ", ".join(unknown[:5])]})
    return [found[i] for i in ids]


class OrderDetailView(APIView):
    @extend_schema(
        summary="One order with its tests and results",
        parameters=[ID],
        responses={200: s.OrderDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(order_body(request.user, selectors.order_get(actor=request.user, id=pk)))


class OrderCollectView(APIView):
    @extend_schema(
        summary="Mark an order's samples collected",
        parameters=[ID],
        request=s.CollectSerializer,
        responses={200: s.OrderDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        order = selectors.order_for_update(actor=request.user, id=pk)
        require(request.user, "labs.collect")
        data = validated(s.CollectSerializer, request)
        order = services.order_collect(
            actor=request.user, order=order, collected_at=data.get("collected_at")
        )
        return Response(order_body(request.user, order))


class OrderCancelView(APIView):
    @extend_schema(
        summary="Cancel an order (before it has results)",
        parameters=[ID],
        request=s.CancelSerializer,
        responses={200: s.OrderDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        order = selectors.order_for_update(actor=request.user, id=pk)
        require(request.user, "labs.order")
        data = validated(s.CancelSerializer, request)
        order = services.order_cancel(actor=request.user, order=order, reason=data["reason"])
        return Response(order_body(request.user, order))


class OrderFhirView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]

    @extend_schema(
        summary="The order as a FHIR R4 DiagnosticReport (results contained)",
        description="`application/fhir+json` by default. Recorded in the audit trail as an export.",
        parameters=[ID],
        responses={200: s.FhirDiagnosticReportSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        order, results = selectors.order_export(actor=request.user, id=pk)
        return Response(fhir.diagnostic_report(order, results))


# --- results -------------------------------------------------------------------------------------
class ResultListView(GenericAPIView):
    serializer_class = s.ResultSerializer

    @extend_schema(
        summary="Lab results, newest first (filters; paginated)",
        description="Staff see their clinic's results; a patient user their own final and "
        "corrected ones. Each patient on the page is recorded in the audit trail.",
        parameters=[
            OpenApiParameter("patient", str, description="Only this patient's results (id)."),
            *RESULT_FILTERS,
        ],
        responses={200: s.ResultSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        selectors.require_results_reader(request.user)
        filters = result_filters(request)
        patient = None
        if request.query_params.get("patient", "").strip():
            patient = body_patient(request.user, request.query_params["patient"].strip()[:64])
        results = selectors.result_list(actor=request.user, patient=patient, **filters)
        return result_page(self, request, results, audit_page=patient is None)

    @extend_schema(
        summary="Enter a result (nurses, lab technicians, clinic admins)",
        description="The server picks the reference range for the patient's sex and age at "
        "collection, copies it onto the result and computes `flag`.",
        request=s.ResultCreateSerializer,
        responses={201: s.ResultDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        require(request.user, "labs.result.enter")
        data = validated(s.ResultCreateSerializer, request)
        data["patient"] = body_patient(request.user, data["patient"])
        test = selectors.labtest_list(actor=request.user).filter(pk=data["test"]).first()
        if test is None:
            raise ValidationError({"test": [_("Unknown test.")]})
        data["test"] = test
        if data.get("order"):
            order = selectors.order_list(actor=request.user).filter(pk=data["order"]).first()
            if order is None:
                raise ValidationError({"order": [_("Unknown order.")]})
            data["order"] = order
        else:
            data.pop("order", None)
        result = services.result_create(actor=request.user, **data)
        result = selectors.result_for_update(actor=request.user, id=result.pk)
        return Response(result_body(request.user, result), status=status.HTTP_201_CREATED)


class ReviewQueueView(GenericAPIView):
    serializer_class = s.ResultSerializer

    @extend_schema(
        summary="Unreviewed results: critical first, then abnormal, then the rest (paginated)",
        responses={200: s.ResultSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        results = selectors.review_queue(actor=request.user).select_related(
            "entered_by", "reviewed_by"
        )
        page = self.paginate_queryset(results)
        selectors.audit_rows_read(actor=request.user, rows=page, detail="lab review queue")
        return self.get_paginated_response(s.ResultSerializer(page, many=True).data)


class ResultDetailView(APIView):
    @extend_schema(
        summary="One result, with the history of its corrections",
        parameters=[ID],
        responses={200: s.ResultDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        selectors.require_results_reader(request.user)
        result = selectors.result_get(actor=request.user, id=pk)
        return Response(result_body(request.user, result))


class ResultCorrectView(APIView):
    @extend_schema(
        summary="Correct a result's value (the old value stays in its history)",
        description="A final result becomes `corrected`; a preliminary one becomes `final`. "
        "The flag is recomputed and the result needs reviewing again.",
        parameters=[ID],
        request=s.CorrectSerializer,
        responses={200: s.ResultDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        result = selectors.result_for_update(actor=request.user, id=pk)
        require(request.user, "labs.result.enter")
        data = validated(s.CorrectSerializer, request)
        result = services.result_correct(
            actor=request.user,
            result=result,
            value=data["value"],
            reason=data["reason"],
            unit=data.get("unit") or None,
        )
        return Response(result_body(request.user, result))


class ResultReviewView(APIView):
    @extend_schema(
        summary="Sign a result off (clinicians, clinic admins)",
        parameters=[ID],
        request=s.ReviewSerializer,
        responses={200: s.ResultDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        result = selectors.result_for_update(actor=request.user, id=pk)
        require(request.user, "labs.review")
        data = validated(s.ReviewSerializer, request)
        result = services.result_review(actor=request.user, result=result, comment=data["comment"])
        return Response(result_body(request.user, result))


class ResultFhirView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]

    @extend_schema(
        summary="The result as a FHIR R4 Observation",
        description="`application/fhir+json` by default, `application/json` on request. "
        "Recorded in the audit trail as an export.",
        parameters=[ID],
        responses={200: s.FhirObservationSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        selectors.require_results_reader(request.user)
        return Response(fhir.observation(selectors.result_export(actor=request.user, id=pk)))


# --- per patient ---------------------------------------------------------------------------------
class PatientLabsView(GenericAPIView):
    serializer_class = s.ResultSerializer

    @extend_schema(
        summary="A patient's lab results, newest first (filters; paginated)",
        description="Lab roles, and the patient themself (final and corrected results only). "
        "Each call is one audited read of the patient's labs.",
        parameters=[PATIENT_ID, *RESULT_FILTERS],
        responses={200: s.ResultSerializer(many=True), 400: ErrorSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        selectors.require_results_reader(request.user)
        patient = patient_for_update(actor=request.user, id=pk)
        filters = result_filters(request)
        results = selectors.result_list(actor=request.user, patient=patient, **filters)
        return result_page(self, request, results, audit_page=False)


class PatientTrendView(APIView):
    @extend_schema(
        summary="Every value of one test for a patient, oldest first (for charts)",
        description="`reference_range` is the range that applies to the patient today (the "
        "chart's band); each point keeps the range that applied when it was collected.",
        parameters=[PATIENT_ID, TEST_ID],
        responses={200: s.TrendSerializer, **READ_ERRORS},
    )
    def get(self, request, pk, test_id):
        selectors.require_results_reader(request.user)
        patient = patient_for_update(actor=request.user, id=pk)
        test = selectors.labtest_for_reader(actor=request.user, id=test_id)
        points = selectors.trend(actor=request.user, patient=patient, test=test)
        reference = applicable_range(test.ranges.all(), sex=patient.sex, age=patient.age())
        band = None
        if reference is not None:
            band = {
                "low": s.as_number(reference.low),
                "high": s.as_number(reference.high),
                "text": reference.display,
            }
        body = {
            "patient_id": str(patient.pk),
            "test": s.TestBriefSerializer(test).data,
            "reference_range": band,
            "points": s.TrendPointSerializer(points, many=True).data,
        }
        return Response(body)
