"""Patients API: thin views over patients.selectors and patients.services.

Each view makes one call to load the record it reads or changes: 404 outside the actor's reach,
then 403 for the role (before the body is validated), then the read is audited (a list: one row
per patient shown). Writes go through services (permission, validation, write, audit), whose
typed errors core.api.exception_handler renders; views that load no record declare
`required_permission`.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import InvitationAnswerSerializer
from core.api import (
    READ_ERRORS,
    WALKABLE,
    WRITE_ERRORS,
    ErrorSerializer,
    FhirJSONRenderer,
    choice_param,
    cursor_params,
    cursor_response,
    page_envelope,
    page_params,
    page_response,
    validated,
)
from core.errors import Conflict
from core.lists import page_of
from patients import selectors, services
from patients import serializers as s
from patients.fhir import patient_resource

ORDERINGS = list(selectors.SORTS)
ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The patient's id.")
RECORD_ID = OpenApiParameter(
    "record_id", str, OpenApiParameter.PATH, description="The record's id."
)


def patient_body(patient, request) -> dict:
    return s.PatientSerializer(patient, context={"request": request}).data


PatientPageSerializer = page_envelope(
    "PatientPage",
    s.PatientSerializer(many=True),
    counted="Exact up to 10,000 patients; above that the exact count taken at most 10 minutes "
    "ago (`count_estimated` is then true).",
    always_estimated=True,
)


# --- patients ------------------------------------------------------------------------------------
class PatientListView(GenericAPIView):
    serializer_class = s.PatientSerializer
    # Reading needs no declared permission: every role reads what is in its reach (staff their
    # clinic's patients, a patient user their own record).
    required_permission = {"POST": "patients.create"}

    @extend_schema(
        operation_id="patients_list",  # its own envelope (PatientPage): not taken for a "retrieve"
        summary="List patients (search, filter, sort; paginated)",
        description="Staff see their clinic's patients; a patient user sees only themself. "
        "Each patient on the page is recorded in the audit trail as read.",
        parameters=[
            OpenApiParameter(
                "search",
                str,
                description="Free text: any part of a name (start of a word, accents and case "
                "ignored), an MRN, a phone number, an e-mail or a date of birth "
                "(YYYY-MM-DD, or as the caller's dates are written: MM/DD/YYYY at an en-US clinic, "
                "DD/MM/YYYY in en-GB or Spanish).",
            ),
            OpenApiParameter(
                "status",
                str,
                enum=list(selectors.STATUSES),
                default="active",
                description="Active records (default), archived ones, or all.",
            ),
            OpenApiParameter("ordering", str, enum=ORDERINGS, default="name"),
            *WALKABLE,
        ],
        responses={200: PatientPageSerializer, 400: ErrorSerializer, **READ_ERRORS},
    )
    def get(self, request):
        search = request.query_params.get("search", "")[:200]
        archived = choice_param(request, "status", selectors.STATUSES, "active")
        sort = choice_param(request, "ordering", ORDERINGS, "name")
        if (walked := cursor_params(request)) is not None:
            rows, next_cursor = selectors.patient_keyset_page(
                actor=request.user, search=search, status=archived, sort=sort, **walked
            )
            data = s.PatientSerializer(rows, many=True, context={"request": request}).data
            return cursor_response(request, data, next_cursor)
        page = selectors.patient_page(
            actor=request.user, search=search, status=archived, sort=sort, **page_params(request)
        )
        data = s.PatientSerializer(page.object_list, many=True, context={"request": request}).data
        return page_response(request, page, data)

    @extend_schema(
        summary="Create a patient",
        description="When a patient with the same name and date of birth exists, the answer "
        'is 409 listing them, unless the body says `"confirm_duplicate": true`.',
        request=s.PatientWriteSerializer,
        responses={
            201: s.PatientSerializer,
            409: OpenApiResponse(s.DuplicateConflictSerializer, "Possible duplicates"),
            **WRITE_ERRORS,
        },
    )
    def post(self, request):
        data = validated(s.PatientWriteSerializer, request)
        try:
            patient = services.patient_create(actor=request.user, **data)
        except Conflict as exc:
            return _duplicates_answer(request, exc)
        return Response(patient_body(patient, request), status=status.HTTP_201_CREATED)


def _duplicates_answer(request, exc: Conflict) -> Response:
    """Possible duplicates: listed, to confirm against (and audited as read)."""
    duplicates = services.duplicates_shown(actor=request.user, conflict=exc)
    body = {
        "detail": _(
            "A patient with the same name and date of birth already exists. "
            'Send "confirm_duplicate": true to save this record anyway.'
        ),
        "duplicates": s.DuplicateSerializer(duplicates, many=True).data,
    }
    return Response(body, status=exc.status)


class PatientDetailView(APIView):
    @extend_schema(
        summary="A patient's record",
        parameters=[ID],
        responses={200: s.PatientSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        return Response(patient_body(selectors.patient_get(actor=request.user, id=pk), request))

    @extend_schema(
        summary="Change a patient's demographics",
        description="A new name or date of birth that another patient has is 409 listing "
        'them, unless the body says `"confirm_duplicate": true`.',
        parameters=[ID],
        request=s.PatientWriteSerializer,
        responses={
            200: s.PatientSerializer,
            409: OpenApiResponse(s.DuplicateConflictSerializer, "Possible duplicates"),
            **WRITE_ERRORS,
        },
    )
    def patch(self, request, pk):
        patient = selectors.patient_get(
            actor=request.user, id=pk, permission="patients.update", audited=False
        )
        data = validated(s.PatientWriteSerializer, request, partial=True)
        try:
            patient = services.patient_update(actor=request.user, patient=patient, **data)
        except Conflict as exc:
            return _duplicates_answer(request, exc)
        return Response(patient_body(patient, request))

    @extend_schema(
        summary="Archive a patient (records are archived, never deleted here)",
        description="Answers 200 with the archived record (`is_archived: true`); "
        "`POST .../restore` brings it back. Archiving twice is harmless.",
        parameters=[ID],
        responses={200: s.PatientSerializer, **READ_ERRORS},
    )
    def delete(self, request, pk):
        patient = selectors.patient_get(
            actor=request.user, id=pk, permission="patients.archive", audited=False
        )
        patient = services.patient_set_archived(actor=request.user, patient=patient, archived=True)
        return Response(patient_body(patient, request))


class PatientRestoreView(APIView):
    @extend_schema(
        summary="Restore an archived patient",
        parameters=[ID],
        request=s.ArchiveSerializer,
        responses={200: s.PatientSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        patient = selectors.patient_get(
            actor=request.user, id=pk, permission="patients.archive", audited=False
        )
        data = validated(s.ArchiveSerializer, request)
        patient = services.patient_set_archived(
            actor=request.user, patient=patient, archived=False, reason=data.get("reason", "")
        )
        return Response(patient_body(patient, request))


class PatientFhirView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are the API's usual JSON (`detail`), not FHIR resources: say so.
        if response.status_code >= 400 and hasattr(request, "accepted_renderer"):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="The patient as a FHIR R4 Patient resource",
        description="`application/fhir+json` by default, `application/json` on request "
        "(`Accept` header). Recorded in the audit trail as an export.",
        parameters=[ID],
        responses={200: s.FhirPatientSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        patient = selectors.patient_export(actor=request.user, id=pk, detail="FHIR Patient")
        return Response(patient_resource(patient))


class PatientInviteView(APIView):
    @extend_schema(
        summary="Invite the patient to their portal account (the passport), or resend",
        description="A new invitation answers 202 whether or not the address already has an "
        "account: a new address becomes a `patient` user linked to this record (the e-mailed "
        "link's tail is the `token` of `POST /api/v1/auth/reset-password`); an address with an "
        "account elsewhere gets a notice to its holder and nothing is created or linked. "
        "Calling this for a record whose account is still pending re-sends the invitation "
        "(200, the account). `email_sent` is false when the e-mail could not go out; calling "
        "this again tries again. 400 when the patient already has an active account or has "
        "no e-mail address.",
        parameters=[ID],
        request=s.InviteSerializer,
        responses={
            202: InvitationAnswerSerializer,
            200: s.InvitedUserSerializer,
            **WRITE_ERRORS,
        },
    )
    def post(self, request, pk):
        patient = selectors.patient_get(
            actor=request.user, id=pk, permission="patients.invite", audited=False
        )
        data = validated(s.InviteSerializer, request)
        invitation = services.patient_invite(
            actor=request.user, patient=patient, email=data.get("email", "")
        )
        if not invitation.created:
            body = s.InvitedUserSerializer(invitation.user, context={"email_sent": invitation.sent})
            return Response(body.data, status=status.HTTP_200_OK)
        answer = {
            "detail": services.patient_invitation_message(invitation),
            "email": invitation.email,
            "email_sent": invitation.sent,
        }
        return Response(answer, status=status.HTTP_202_ACCEPTED)


class PatientMfaResetView(APIView):
    @extend_schema(
        summary="Turn off the patient's two-factor authentication (a lost phone)",
        description="For the staff who invite patients to the app. The patient turns it on "
        "again from the app. 409 when it is not on. Audited as `mfa_reset`, in the patient's "
        "access log too.",
        parameters=[ID],
        request=None,
        responses={200: ErrorSerializer, 409: ErrorSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        patient = selectors.patient_get(
            actor=request.user, id=pk, permission="patients.mfa_reset", audited=False
        )
        services.patient_mfa_reset(actor=request.user, patient=patient)
        return Response({"detail": services.PATIENT_MFA_RESET_DONE})


class PatientAccessLogView(GenericAPIView):
    serializer_class = s.AccessLogEntrySerializer

    @extend_schema(
        summary="Who read or changed this record, newest first (paginated)",
        description="For clinic admins, and for the patient themself. A patient's own reads "
        "and writes are left out of their log unless `own=true`.",
        parameters=[
            ID,
            OpenApiParameter(
                "own", str, enum=["true", "false"], description="Patients: include your own."
            ),
        ],
        responses={200: s.AccessLogEntrySerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, pk):
        own = choice_param(request, "own", ["true", "false"]) == "true"
        events = selectors.access_log(actor=request.user, patient_id=pk, own=own)
        page = page_of(events, by_id=True, **page_params(request))  # a long-read record: a long log
        data = self.get_serializer(page.object_list, many=True).data
        return page_response(request, page, data)


# --- the clinical summary: allergies, conditions, medications -----------------------------------
class ClinicalListView(GenericAPIView):
    kind = ""

    def get(self, request, pk):
        records = selectors.clinical_list(actor=request.user, patient_id=pk, kind=self.kind)
        page = page_of(records, **page_params(request))
        return page_response(request, page, self.get_serializer(page.object_list, many=True).data)

    def post(self, request, pk):
        patient = selectors.patient_get(
            actor=request.user, id=pk, permission="clinical.edit", audited=False
        )
        data = validated(self.get_serializer_class(), request)
        record = services.clinical_create(
            actor=request.user, patient=patient, kind=self.kind, **data
        )
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class ClinicalDetailView(GenericAPIView):
    kind = ""

    def record(self, request, pk, record_id, *, permission="clinical.edit", audited=False):
        return selectors.clinical_get(
            actor=request.user,
            patient_id=pk,
            kind=self.kind,
            id=record_id,
            permission=permission,
            audited=audited,
        )

    def get(self, request, pk, record_id):
        record = self.record(request, pk, record_id, permission="clinical.view", audited=True)
        return Response(self.get_serializer(record).data)

    def patch(self, request, pk, record_id):
        record = self.record(request, pk, record_id)
        data = validated(self.get_serializer_class(), request, partial=True)
        record = services.clinical_update(actor=request.user, record=record, **data)
        return Response(self.get_serializer(record).data)

    def delete(self, request, pk, record_id):
        services.clinical_delete(actor=request.user, record=self.record(request, pk, record_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def clinical_views(kind: str, serializer_class, singular: str, plural: str, conflicts=None):
    """The list and detail views of one part of the clinical summary, documented."""
    item = {200: serializer_class}
    conflict = {409: OpenApiResponse(conflicts, "Matches an active allergy")} if conflicts else {}
    name = serializer_class.Meta.model.__name__
    attrs = {"kind": kind, "serializer_class": serializer_class, "__module__": __name__}
    list_view = extend_schema_view(
        get=extend_schema(
            summary=f"The patient's {plural} (paginated)",
            description="Clinical roles and the patient themself; each call is audited.",
            parameters=[ID],
            responses={200: serializer_class(many=True), **READ_ERRORS},
        ),
        post=extend_schema(
            summary=f"Record a {singular}",
            parameters=[ID],
            request=serializer_class,
            responses={201: serializer_class, **conflict, **WRITE_ERRORS},
        ),
    )(type(f"{name}ListView", (ClinicalListView,), attrs))
    detail_view = extend_schema_view(
        get=extend_schema(
            summary=f"One {singular}", parameters=[ID, RECORD_ID], responses={**item, **READ_ERRORS}
        ),
        patch=extend_schema(
            summary=f"Change a {singular}",
            parameters=[ID, RECORD_ID],
            request=serializer_class,
            responses={**item, **conflict, **WRITE_ERRORS},
        ),
        delete=extend_schema(
            summary=f"Delete a {singular} (recorded in error)",
            parameters=[ID, RECORD_ID],
            responses={204: None, **READ_ERRORS},
        ),
    )(type(f"{name}DetailView", (ClinicalDetailView,), attrs))
    return list_view, detail_view


AllergyListView, AllergyDetailView = clinical_views(
    "allergies", s.AllergySerializer, "allergy", "allergies"
)
ConditionListView, ConditionDetailView = clinical_views(
    "conditions", s.ConditionSerializer, "problem (condition)", "problems (conditions)"
)
MedicationListView, MedicationDetailView = clinical_views(
    "medications",
    s.MedicationSerializer,
    "medication",
    "medications",
    conflicts=s.AllergyConflictResponseSerializer,
)


class AllergyStatusView(APIView):
    @extend_schema(
        summary="Record “no known allergies”, or go back to “not yet asked”",
        description="`allergy_status` is `unknown` until staff record `no_known_allergies`; it "
        "becomes `has_allergies` with the first active allergy and back to `unknown` when none "
        "is active any more. 409 while the patient has active allergies.",
        parameters=[ID],
        request=s.AllergyStatusSerializer,
        responses={
            200: s.PatientSerializer,
            409: OpenApiResponse(ErrorSerializer, "The patient has active allergies"),
            **WRITE_ERRORS,
        },
    )
    def post(self, request, pk):
        patient = selectors.patient_get(
            actor=request.user, id=pk, permission="clinical.edit", audited=False
        )
        data = validated(s.AllergyStatusSerializer, request)
        patient = services.allergy_status_set(
            actor=request.user, patient=patient, status=data["allergy_status"]
        )
        return Response(patient_body(patient, request))
