"""Clinic signup, settings and staff API: thin views over clinics.selectors and services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import mfa
from accounts.api import ERRORS as AUTH_ERRORS
from accounts.api import PublicAuthView, token_pair
from accounts.serializers import (
    InvitationAnswerSerializer,
    InvitationSerializer,
    MessageSerializer,
    UserSerializer,
)
from clinics import selectors, services
from clinics import serializers as s
from core.api import READ_ERRORS, WRITE_ERRORS, choice_param, validated
from core.roles import STAFF_ROLE_CHOICES

STAFF_ROLES = [value for value, _label in STAFF_ROLE_CHOICES]
STAFF_STATUSES = ["active", "inactive"]
SIGNUP_SENT = _(
    "Check your e-mail: we have sent a link to confirm the address and create your clinic. "
    "If the address already has an account, the e-mail says how to log in instead."
)


class SignupView(PublicAuthView):
    @extend_schema(
        request=s.SignupSerializer,
        responses={202: MessageSerializer, **AUTH_ERRORS},
        summary="Sign up a clinic: an e-mail confirms the address (same answer for any address)",
        description="Nothing is created yet: the address gets an e-mail whose code "
        "(`POST /api/v1/auth/signup/confirm`) or link creates the clinic and its admin. If the "
        "address already has an account, its holder gets a notice instead, and the answer is "
        "the same 202. Invalid input (password, clinic name, malformed e-mail) is a 400 at once.",
    )
    def post(self, request):
        services.clinic_signup_request(**validated(s.SignupSerializer, request))
        return Response({"message": SIGNUP_SENT}, status.HTTP_202_ACCEPTED)


class SignupConfirmView(PublicAuthView):
    @extend_schema(
        request=s.SignupConfirmSerializer,
        responses={201: s.SignupResponseSerializer, **AUTH_ERRORS},
        summary="Create the clinic and its first user (a clinic admin) with the e-mailed code",
        description="400 when the code is invalid, used or expired.",
    )
    def post(self, request):
        user = services.clinic_signup_confirm(**validated(s.SignupConfirmSerializer, request))
        return Response({**token_pair(user), "clinic_id": user.clinic_id}, status.HTTP_201_CREATED)


class CurrentClinicView(APIView):
    @extend_schema(responses={200: s.ClinicSerializer, **READ_ERRORS}, summary="Your clinic")
    def get(self, request):
        clinic = selectors.clinic_get_current(actor=request.user)
        return Response(s.ClinicSerializer(clinic, context={"request": request}).data)

    @extend_schema(
        request=s.ClinicSerializer,
        responses={200: s.ClinicSerializer, **WRITE_ERRORS},
        summary="Change your clinic's settings and branding (clinic admins)",
    )
    def patch(self, request):
        clinic = selectors.clinic_get_current(actor=request.user, permission="clinic.update")
        fields = validated(s.ClinicSerializer, request, instance=clinic, partial=True)
        clinic = services.clinic_update(actor=request.user, clinic=clinic, **fields)
        return Response(s.ClinicSerializer(clinic, context={"request": request}).data)


def invitation_response(user, *, sent: bool, code=status.HTTP_200_OK) -> Response:
    return Response(InvitationSerializer(user, context={"email_sent": sent}).data, status=code)


class StaffListView(GenericAPIView):
    serializer_class = UserSerializer
    required_permission = {"GET": "staff.view", "POST": "staff.manage"}

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Part of the name or e-mail"),
            OpenApiParameter("role", str, enum=STAFF_ROLES),
            OpenApiParameter("status", str, enum=STAFF_STATUSES),
        ],
        responses={200: UserSerializer(many=True), **WRITE_ERRORS},
        summary="Your clinic's staff",
    )
    def get(self, request):
        users = selectors.staff_list(
            actor=request.user,
            search=request.query_params.get("search", "").strip(),
            role=choice_param(request, "role", STAFF_ROLES),
            status=choice_param(request, "status", STAFF_STATUSES),
        )
        page = self.paginate_queryset(users)
        return self.get_paginated_response(UserSerializer(page, many=True).data)

    @extend_schema(
        request=s.StaffInviteSerializer,
        responses={202: InvitationAnswerSerializer, **WRITE_ERRORS},
        summary="Invite a staff member: they get an e-mail link to set their password",
        description="The same 202 whether or not the address already has an account: a new "
        "address becomes an invited colleague (in the staff list, no password yet); an address "
        "with an account elsewhere gets a notice to its holder and nothing is created. "
        "`email_sent` is false when the e-mail could not be sent; an invited colleague's "
        "`POST …/staff/{id}/resend-invitation` tries again.",
    )
    def post(self, request):
        data = validated(s.StaffInviteSerializer, request)
        invitation = services.staff_invite(actor=request.user, **data)
        return Response(
            {
                "detail": services.staff_invitation_message(invitation),
                "email": invitation.email,
                "email_sent": invitation.sent,
            },
            status=status.HTTP_202_ACCEPTED,
        )


class StaffDetailView(APIView):
    @extend_schema(responses={200: UserSerializer, **READ_ERRORS}, summary="A staff member")
    def get(self, request, pk):
        return Response(UserSerializer(selectors.staff_get(actor=request.user, id=pk)).data)

    @extend_schema(
        request=s.StaffUpdateSerializer,
        responses={200: UserSerializer, **WRITE_ERRORS},
        summary="Change a staff member's role, details or active flag",
    )
    def patch(self, request, pk):
        user = selectors.staff_get(actor=request.user, id=pk, permission="staff.manage")
        fields = validated(s.StaffUpdateSerializer, request)
        user = services.staff_update(actor=request.user, user=user, **fields)
        return Response(UserSerializer(user).data)

    @extend_schema(
        responses={204: None, **WRITE_ERRORS},
        summary="Deactivate a staff member",
        description="400 when they are the clinic's last active admin.",
    )
    def delete(self, request, pk):
        user = selectors.staff_get(actor=request.user, id=pk, permission="staff.manage")
        services.staff_deactivate(actor=request.user, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffResendInvitationView(APIView):
    @extend_schema(
        request=None,
        responses={200: InvitationSerializer, **WRITE_ERRORS},
        summary="E-mail a new set-password link to a colleague who has not set a password",
        description="400 when they have already set a password, or the account is inactive. "
        "`email_sent` is false when the e-mail could not be sent this time either.",
    )
    def post(self, request, pk):
        user = selectors.staff_get(actor=request.user, id=pk, permission="staff.manage")
        sent = services.staff_invitation_resend(actor=request.user, user=user)
        return invitation_response(user, sent=sent)


class StaffMfaResetView(APIView):
    @extend_schema(
        request=None,
        responses={200: UserSerializer, **WRITE_ERRORS},
        summary="Remove a colleague's second factor (lost phone); they enrol again (audited)",
    )
    def post(self, request, pk):
        user = selectors.staff_get(actor=request.user, id=pk, permission="staff.manage")
        mfa.mfa_reset(actor=request.user, user=user)
        return Response(UserSerializer(user).data)
