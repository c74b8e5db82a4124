"""Clinic settings and staff API, for the clinic's own admins: thin views over services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import UserSerializer
from clinics import selectors, services
from clinics.models import Clinic
from core.api import ErrorSerializer
from core.roles import STAFF_ROLE_CHOICES

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class ClinicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clinic
        fields = [
            "id",
            "name",
            "slug",
            "logo",
            "primary_color",
            "timezone",
            "address",
            "phone",
            "email",
            "website",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "slug", "created_at", "updated_at"]


class StaffInviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=STAFF_ROLE_CHOICES)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class StaffUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=STAFF_ROLE_CHOICES, required=False)
    is_active = serializers.BooleanField(required=False)


class CurrentClinicView(APIView):
    @extend_schema(responses={200: ClinicSerializer, **ERRORS}, summary="Your clinic")
    def get(self, request):
        clinic = selectors.clinic_get_current(actor=request.user)
        return Response(ClinicSerializer(clinic, context={"request": request}).data)

    @extend_schema(
        request=ClinicSerializer,
        responses={200: ClinicSerializer, **ERRORS},
        summary="Change your clinic's settings and branding (clinic admins)",
    )
    def patch(self, request):
        clinic = selectors.clinic_get_current(actor=request.user)
        serializer = ClinicSerializer(clinic, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        clinic = services.clinic_update(
            actor=request.user, clinic=clinic, **serializer.validated_data
        )
        return Response(ClinicSerializer(clinic, context={"request": request}).data)


@extend_schema(
    parameters=[
        OpenApiParameter("search", str, description="Part of the name or e-mail"),
        OpenApiParameter("role", str, enum=[value for value, _label in STAFF_ROLE_CHOICES]),
        OpenApiParameter("status", str, enum=["active", "inactive"]),
    ]
)
class StaffListView(generics.ListAPIView):
    serializer_class = UserSerializer

    @extend_schema(
        responses={200: UserSerializer(many=True), **ERRORS}, summary="Your clinic's staff"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.staff_list(
            actor=self.request.user,
            search=params.get("search", "").strip(),
            role=params.get("role", ""),
            status=params.get("status", ""),
        )

    @extend_schema(
        request=StaffInviteSerializer,
        responses={201: UserSerializer, **ERRORS},
        summary="Invite a staff member: they get an e-mail link to set their password",
    )
    def post(self, request):
        serializer = StaffInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.staff_invite(actor=request.user, **serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class StaffDetailView(APIView):
    @extend_schema(responses={200: UserSerializer, **ERRORS}, summary="A staff member")
    def get(self, request, pk):
        return Response(UserSerializer(selectors.staff_get(actor=request.user, id=pk)).data)

    @extend_schema(
        request=StaffUpdateSerializer,
        responses={200: UserSerializer, **ERRORS},
        summary="Change a staff member's role, details or active flag",
    )
    def patch(self, request, pk):
        user = selectors.staff_get(actor=request.user, id=pk)
        serializer = StaffUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.staff_update(actor=request.user, user=user, **serializer.validated_data)
        return Response(UserSerializer(user).data)

    @extend_schema(responses={204: None, **ERRORS}, summary="Deactivate a staff member")
    def delete(self, request, pk):
        user = selectors.staff_get(actor=request.user, id=pk)
        services.staff_deactivate(actor=request.user, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
