"""Labs API: thin views over labs.selectors and labs.services.

A view that loads a record makes one access call (`<thing>_get(..., permission=...)`: 404
outside the actor's reach, then 403 if the role may not); a view that loads none declares
`required_permission` (checked before the body is read). Ids in a request body go through the
same access calls, so an unknown id or another clinic's record is a 404 naming the field. Writes
go through services (permission, rules, flagging, write, audit); lists through the selectors'
`*_page`, which audit one row per patient shown.

Catalogue editing (clinic admins): `POST /tests/`, `PATCH /tests/{id}/` for the test's own
fields, and the reference ranges as their own collection `/tests/{id}/ranges/`
(GET, POST) and `/tests/{id}/ranges/{range_id}/` (PATCH, DELETE).
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import is_patient_user
from core.api import (
    READ_ERRORS,
    WALKABLE,
    WRITE_ERRORS,
    ErrorSerializer,
    FhirJSONRenderer,
    choice_param,
    cursor_params,
    cursor_response,
    moment_param,
    page_envelope,
    page_params,
    page_response,
    validated,
)
from labs import fhir, selectors, services
from labs import serializers as s
from labs.models import Flag, LabOrder, LabResult
from patients.selectors import patient_get

LIST_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}
ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The record's id.")
PATIENT_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The patient's id.")
TEST_ID = OpenApiParameter("test_id", str, OpenApiParameter.PATH, description="The test's id.")
RANGE_ID = OpenApiParameter(
    "range_id", str, OpenApiParameter.PATH, description="The reference range's id."
)
# The lists a mobile app may walk deep, numbered or by cursor (core.api.WALKABLE).
ResultPage = page_envelope("ResultPage", s.ResultSerializer(many=True))
OrderPage = page_envelope("OrderPage", s.OrderSerializer(many=True))
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
def named(field: str, access_call, **kwargs):
    """A record a request body names, through its access call: an unknown id or one out of
    reach is the access call's 404, its `detail` naming the field."""
    try:
        return access_call(**kwargs)
    except Http404:
        raise NotFound(_("%(field)s: not found.") % {"field": field}) from None


def patient_filter(request) -> str | None:
    """The `?patient=` filter of a list: a patient in reach (else a 400 naming it), unaudited
    (the page audits the patients it shows)."""
    patient_id = request.query_params.get("patient", "").strip()[:64]
    if not patient_id:
        return None
    try:
        return patient_get(actor=request.user, id=patient_id, permission=None, audited=False).pk
    except Http404:
        raise ValidationError({"patient": [_("Unknown patient.")]}) from None


def result_filters(request) -> dict:
    return {
        "test_id": request.query_params.get("test", "").strip()[:64] or None,
        "status": choice_param(request, "status", LabResult.Status.values),
        "flag": choice_param(request, "flag", [f for f in Flag.values if f]),
        "collected_from": moment_param(request, "collected_from"),
        "collected_to": moment_param(request, "collected_to", end_of_day=True),
    }


def result_list_response(request, **filters) -> Response:
    shape = s.PatientResultSerializer if is_patient_user(request.user) else s.ResultSerializer
    if (walked := cursor_params(request)) is not None:
        rows, next_cursor = selectors.result_keyset_page(actor=request.user, **walked, **filters)
        return cursor_response(request, shape(rows, many=True).data, next_cursor)
    page = selectors.result_page(actor=request.user, **page_params(request), **filters)
    return page_response(request, page, shape(page.object_list, many=True).data)


def result_body(result, history=None, *, actor) -> dict:
    """A result with its corrections; a patient reads it without the clinic's own working."""
    if history is None:
        history = selectors.result_history(result=result)
    shape = s.PatientResultDetailSerializer if is_patient_user(actor) else s.ResultDetailSerializer
    return shape(result, context={"history": history}).data


def order_body(actor, order) -> dict:
    results = selectors.order_results(actor=actor, order=order)
    return s.OrderDetailSerializer(order, context={"results": results}).data


# --- catalogue -----------------------------------------------------------------------------------
class TestListView(GenericAPIView):
    serializer_class = s.LabTestSerializer
    required_permission = {"GET": "labs.view", "POST": "labs.catalogue.edit"}

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
        page = selectors.labtest_page(
            actor=request.user,
            search=request.query_params.get("search", "").strip()[:100],
            active_only=active == "true",
            **page_params(request),
        )
        return page_response(request, page, s.LabTestSerializer(page.object_list, many=True).data)

    @extend_schema(
        summary="Add a test to the catalogue (clinic admins)",
        description="Reference ranges are added afterwards under `/tests/{id}/ranges/`.",
        request=s.LabTestSerializer,
        responses={201: s.LabTestSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        test = services.labtest_create(
            actor=request.user, **validated(s.LabTestSerializer, request)
        )
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
        "already entered keep the unit, range and flag they were given. An inactive test is "
        "neither ordered nor resulted.",
        parameters=[ID],
        request=s.LabTestSerializer,
        responses={200: s.LabTestSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        test = selectors.labtest_get(actor=request.user, id=pk, permission="labs.catalogue.edit")
        data = validated(s.LabTestSerializer, request, partial=True)
        test = services.labtest_update(actor=request.user, test=test, **data)
        return Response(s.LabTestSerializer(test).data)


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
        test = selectors.labtest_get(actor=request.user, id=pk, permission="labs.catalogue.edit")
        data = validated(s.ReferenceRangeSerializer, request)
        reference = services.range_create(actor=request.user, test=test, **data)
        return Response(s.ReferenceRangeSerializer(reference).data, status=status.HTTP_201_CREATED)


class RangeDetailView(APIView):
    @extend_schema(
        summary="Change a reference range (clinic admins)",
        parameters=[ID, RANGE_ID],
        request=s.ReferenceRangeSerializer,
        responses={200: s.ReferenceRangeSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk, range_id):
        reference = selectors.reference_range_get(actor=request.user, test_id=pk, id=range_id)
        data = validated(s.ReferenceRangeSerializer, request, partial=True)
        reference = services.range_update(actor=request.user, reference=reference, **data)
        return Response(s.ReferenceRangeSerializer(reference).data)

    @extend_schema(
        summary="Delete a reference range (clinic admins)",
        parameters=[ID, RANGE_ID],
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request, pk, range_id):
        reference = selectors.reference_range_get(actor=request.user, test_id=pk, id=range_id)
        services.range_delete(actor=request.user, reference=reference)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PanelListView(GenericAPIView):
    serializer_class = s.PanelSerializer
    required_permission = "labs.view"

    @extend_schema(
        summary="The clinic's panels with their tests (paginated)",
        responses={200: s.PanelSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        page = selectors.panel_page(actor=request.user, **page_params(request))
        return page_response(request, page, s.PanelSerializer(page.object_list, many=True).data)


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
    required_permission = {"GET": "labs.view", "POST": "labs.order"}

    @extend_schema(
        operation_id="labs_orders_list",  # its own envelope (OrderPage)
        summary="Lab orders, newest first (filters; paginated, or walked by cursor)",
        description="Each patient on the page is recorded once in the audit trail. Without "
        "`patient`, `count` is exact up to 10,000 orders and about as many past that "
        "(`count_estimated` is then true; it is present only without `patient`).",
        parameters=[
            OpenApiParameter("patient", str, description="Only this patient's orders (id)."),
            OpenApiParameter("status", str, enum=list(LabOrder.Status.values)),
            *WALKABLE,
        ],
        responses={200: OrderPage, **LIST_ERRORS},
    )
    def get(self, request):
        filters = {
            "patient_id": patient_filter(request),
            "status": choice_param(request, "status", LabOrder.Status.values),
        }
        if (walked := cursor_params(request)) is not None:
            rows, next_cursor = selectors.order_keyset_page(actor=request.user, **walked, **filters)
            return cursor_response(request, s.OrderSerializer(rows, many=True).data, next_cursor)
        page = selectors.order_page(actor=request.user, **filters, **page_params(request))
        return page_response(request, page, s.OrderSerializer(page.object_list, many=True).data)

    @extend_schema(
        summary="Order tests and/or panels (clinicians, clinic admins)",
        description="A panel adds each of its active tests once; at least one test or panel. "
        "An inactive test named on its own is refused (400).",
        request=s.OrderCreateSerializer,
        responses={201: s.OrderDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.OrderCreateSerializer, request)
        actor = request.user
        order = services.order_create(
            actor=actor,
            patient=named(
                "patient",
                patient_get,
                actor=actor,
                id=data["patient"],
                permission=None,
                audited=False,
            ),
            tests=named(
                "tests", selectors.labtests_get, actor=actor, ids=data["tests"], permission=None
            ),
            panels=named(
                "panels", selectors.panels_get, actor=actor, ids=data["panels"], permission=None
            ),
            priority=data["priority"],
            notes=data["notes"],
            indication=data["indication"],
            indication_code=data["indication_code"],
            indication_system=data["indication_system"],
        )
        order = selectors.order_items_loaded(order)
        body = s.OrderDetailSerializer(order, context={"results": []}).data
        return Response(body, status=status.HTTP_201_CREATED)


class OrderDetailView(APIView):
    @extend_schema(
        summary="One order with its tests and results",
        parameters=[ID],
        responses={200: s.OrderDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        order = selectors.order_get(actor=request.user, id=pk)
        return Response(order_body(request.user, order))


class OrderCollectView(APIView):
    @extend_schema(
        summary="Mark an order's samples collected",
        parameters=[ID],
        request=s.CollectSerializer,
        responses={200: s.OrderDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        order = selectors.order_get(
            actor=request.user, id=pk, permission="labs.collect", audited=False
        )
        data = validated(s.CollectSerializer, request)
        order = services.order_collect(
            actor=request.user, order=order, collected_at=data.get("collected_at")
        )
        return Response(order_body(request.user, order))


class OrderCancelView(APIView):
    @extend_schema(
        summary="Cancel an order (before it has results)",
        parameters=[ID],
        request=s.OrderCancelSerializer,
        responses={200: s.OrderDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        order = selectors.order_get(
            actor=request.user, id=pk, permission="labs.order", audited=False
        )
        data = validated(s.OrderCancelSerializer, request)
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
    required_permission = {"GET": selectors.RESULT_READ, "POST": "labs.result.enter"}

    @extend_schema(
        operation_id="labs_results_list",  # its own envelope (ResultPage)
        summary="Lab results, newest first (filters; paginated, or walked by cursor)",
        description="Staff see their clinic's results; a patient user their own final and "
        "corrected ones. Each patient on the page is recorded in the audit trail. Without "
        "`patient`, `count` is exact up to 10,000 results and about as many past that "
        "(`count_estimated` is then true; it is present only without `patient`).",
        parameters=[
            OpenApiParameter("patient", str, description="Only this patient's results (id)."),
            *RESULT_FILTERS,
            *WALKABLE,
        ],
        responses={200: ResultPage, **LIST_ERRORS},
    )
    def get(self, request):
        filters = result_filters(request)
        return result_list_response(request, patient_id=patient_filter(request), **filters)

    @extend_schema(
        summary="Enter a result (nurses, lab technicians, clinic admins)",
        description="The server picks the reference range for the patient's sex and age at "
        "collection, copies it onto the result and computes `flag`. An inactive test is "
        "refused (400). With `order`: a cancelled order, or a test the order does not have, is "
        "a 400; a test the order already has a result for is a 409 naming that `result` "
        "(correct it instead).",
        request=s.ResultCreateSerializer,
        responses={
            201: s.ResultDetailSerializer,
            **WRITE_ERRORS,
            409: OpenApiResponse(
                ErrorSerializer,
                "The order already has a result for this test (`result`: its id).",
            ),
        },
    )
    def post(self, request):
        data = validated(s.ResultCreateSerializer, request)
        actor = request.user
        # The role was checked once (required_permission): these calls only decide reach.
        data["patient"] = named(
            "patient", patient_get, actor=actor, id=data["patient"], permission=None, audited=False
        )
        data["test"] = named(
            "test", selectors.labtest_get, actor=actor, id=data["test"], permission=None
        )
        order_id = data.pop("order", None)
        if order_id:
            data["order"] = named(
                "order",
                selectors.order_get,
                actor=actor,
                id=order_id,
                permission=None,
                audited=False,
            )
        result = services.result_create(actor=actor, **data)
        return Response(
            result_body(result, history=[], actor=request.user), status=status.HTTP_201_CREATED
        )


class ReviewQueueView(GenericAPIView):
    serializer_class = s.ResultSerializer
    required_permission = "labs.review"

    @extend_schema(
        summary="Unreviewed results: critical first, then abnormal, then the rest (paginated)",
        description="The same queue and filters as the review queue page. Each patient on the "
        "page is recorded in the audit trail.",
        parameters=[
            OpenApiParameter(
                "severity", str, enum=list(selectors.SEVERITY_PRIORITIES), description="Only these."
            ),
            OpenApiParameter(
                "mine",
                str,
                enum=["true", "false"],
                description="`true`: results of orders the caller placed, and outside results.",
            ),
            OpenApiParameter(
                "search",
                str,
                description="Patients by name or MRN; 400 when more than 1,000 patients match.",
            ),
        ],
        responses={200: s.ResultSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        page = selectors.review_queue_page(
            actor=request.user,
            severity=choice_param(request, "severity", list(selectors.SEVERITY_PRIORITIES)),
            mine=choice_param(request, "mine", ["true", "false"]) == "true",
            search=request.query_params.get("search", "").strip()[:100],
            **page_params(request),
        )
        return page_response(request, page, s.ResultSerializer(page.object_list, many=True).data)


class ResultDetailView(APIView):
    @extend_schema(
        summary="One result, with the history of its corrections",
        description="A patient reading their own gets it without the clinic's own working: "
        "no review comment, critical-value communication, staff names or correction reasons.",
        parameters=[ID],
        responses={200: s.ResultDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(
            result_body(selectors.result_get(actor=request.user, id=pk), actor=request.user)
        )


# A result's state or value refuses the action: corrected since the app showed it (`shown`), a
# critical value not yet told, told already, signed off by someone else meanwhile.
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer,
        "Not allowed in the result's current state, or corrected since it was shown (`shown`).",
    )
}


class ResultCorrectView(APIView):
    @extend_schema(
        summary="Correct a result's value (the old value stays in its history)",
        description="A final result becomes `corrected`; a preliminary one becomes `final`. "
        "The flag is recomputed and the result needs reviewing again.",
        parameters=[ID],
        request=s.CorrectSerializer,
        responses={200: s.ResultDetailSerializer, **WRITE_ERRORS, **CONFLICT},
    )
    def post(self, request, pk):
        result = selectors.result_get(
            actor=request.user, id=pk, permission="labs.result.enter", audited=False
        )
        data = validated(s.CorrectSerializer, request)
        result = services.result_correct(
            actor=request.user,
            result=result,
            value=data["value"],
            reason=data["reason"],
            unit=data.get("unit") or None,
            shown=data.get("shown"),
        )
        return Response(result_body(result, actor=request.user))


class ResultReviewView(APIView):
    @extend_schema(
        summary="Sign a result off (clinicians, clinic admins)",
        parameters=[ID],
        request=s.ReviewSerializer,
        responses={200: s.ResultDetailSerializer, **WRITE_ERRORS, **CONFLICT},
    )
    def post(self, request, pk):
        result = selectors.result_get(
            actor=request.user, id=pk, permission="labs.review", audited=False
        )
        data = validated(s.ReviewSerializer, request)
        result = services.result_review(
            actor=request.user, result=result, comment=data["comment"], shown=data.get("shown")
        )
        return Response(result_body(result, actor=request.user))


class CriticalCommunicationView(APIView):
    @extend_schema(
        summary="Record who was told of a critical value, how and when",
        description="Once per critical result (HH/LL); until it is recorded the result cannot "
        "be reviewed (409). A second record is a 409; a result that is not critical a 400.",
        parameters=[ID],
        request=s.CriticalCommunicationSerializer,
        responses={200: s.ResultDetailSerializer, **WRITE_ERRORS, **CONFLICT},
    )
    def post(self, request, pk):
        result = selectors.result_get(
            actor=request.user, id=pk, permission="labs.critical.communicate", audited=False
        )
        data = validated(s.CriticalCommunicationSerializer, request)
        result = services.critical_communication_record(actor=request.user, result=result, **data)
        return Response(result_body(result, actor=request.user))


class BulkReviewView(APIView):
    required_permission = "labs.review"

    @extend_schema(
        summary="Sign off an order's results (or a patient's normal ones) with one comment",
        description="Normal results are signed together; each abnormal or critical result only "
        "when its id is in `abnormal`, a critical one only once its communication is recorded "
        "(409, nothing signed). Results left unticked are returned in `left`.",
        request=s.BulkReviewSerializer,
        responses={200: s.BulkReviewResultSerializer, **WRITE_ERRORS, **CONFLICT},
    )
    def post(self, request):
        data = validated(s.BulkReviewSerializer, request)
        results = named(
            "order" if data.get("order") else "patient",
            selectors.review_scope,
            actor=request.user,
            order_id=data.get("order"),
            patient_id=data.get("patient"),
        )
        done = services.results_review_bulk(
            actor=request.user,
            results=results,
            comment=data["comment"],
            ticked=data["abnormal"],
            shown=data["shown"],
        )
        return Response(
            {
                "reviewed": s.ResultSerializer(done.reviewed, many=True).data,
                "left": s.ResultSerializer(done.left, many=True).data,
            }
        )


class OrderableSearchView(APIView):
    required_permission = "labs.order"

    @extend_schema(
        summary="Type-ahead over the catalogue for ordering: panels first, then tests",
        parameters=[OpenApiParameter("q", str, description="Part of a name or a LOINC code.")],
        responses={200: s.OrderableSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        found = selectors.orderable_search(
            actor=request.user, query=request.query_params.get("q", "")
        )
        return Response(s.OrderableSerializer(found, many=True).data)


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
        result = selectors.result_export(actor=request.user, id=pk)
        return Response(fhir.observation(result, for_patient=is_patient_user(request.user)))


# --- per patient ---------------------------------------------------------------------------------
class PatientLabsView(GenericAPIView):
    serializer_class = s.ResultSerializer

    @extend_schema(
        operation_id="patients_labs_list",  # its own envelope (ResultPage)
        summary="A patient's lab results, newest first (filters; paginated, or walked by cursor)",
        description="Lab roles, and the patient themself (final and corrected results only, "
        "without the clinic's own working: no review comment, critical-value communication, "
        "staff names or correction reasons). A page of results is one audited read of the "
        "patient's labs.",
        parameters=[PATIENT_ID, *RESULT_FILTERS, *WALKABLE],
        responses={200: ResultPage, 400: ErrorSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        patient = patient_get(
            actor=request.user, id=pk, permission=selectors.RESULT_READ, audited=False
        )
        return result_list_response(request, patient_id=patient.pk, **result_filters(request))


class PatientTrendView(APIView):
    @extend_schema(
        summary="Every value of one test for a patient, oldest first (for charts)",
        description="`reference_range` is the chart's band, the same as on the trend page: the "
        "range reported with the newest value (before any value, the range that applies to the "
        "patient today); each point keeps the range that applied when it was collected.",
        parameters=[PATIENT_ID, TEST_ID],
        responses={200: s.TrendSerializer, **READ_ERRORS},
    )
    def get(self, request, pk, test_id):
        trend = selectors.trend_get(actor=request.user, patient_id=pk, test_id=test_id)
        return Response(s.TrendSerializer(trend).data)
