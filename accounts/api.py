"""Auth API for the mobile apps: thin views over accounts.services."""

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import serializers as s
from accounts import services
from accounts.language import activate_for
from accounts.mfa_serializers import MfaChallengeSerializer, MfaEnrolmentRequiredSerializer
from core.api import ErrorSerializer, SessionNotValid, validated

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 429: ErrorSerializer}


def token_pair(user) -> dict:
    """The body of every answer that signs someone in: login, and signup."""
    return {
        **services.tokens_issue(user=user),
        "token_type": "bearer",
        "user": s.UserSerializer(user).data,
    }


class PublicAuthView(APIView):
    """No session or JWT needed; rate-limited per client (AUTH_RATE_LIMIT)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def get_authenticate_header(self, request):
        # Wrong credentials are a 401 with a challenge, not DRF's 403 for header-less views.
        return 'Bearer realm="api"'


class LoginView(PublicAuthView):
    @extend_schema(
        request=s.LoginSerializer,
        responses={
            200: PolymorphicProxySerializer(
                component_name="LoginResponse",
                serializers=[s.TokenPairSerializer, MfaChallengeSerializer],
                resource_type_field_name=None,
            ),
            403: MfaEnrolmentRequiredSerializer,
            **ERRORS,
        },
        summary="Log in with e-mail and password (then a code, once two-factor is on)",
    )
    def post(self, request):
        from accounts.mfa_api import login_answer

        data = validated(s.LoginSerializer, request)
        # The plain HttpRequest, so django-axes can count failures and lock the account.
        user = authenticate(request._request, username=data["email"], password=data["password"])
        if user is None:
            raise AuthenticationFailed(_("Invalid e-mail or password."))
        second_step = login_answer(user)
        if second_step is not None:
            return second_step
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(token_pair(user))


class RefreshView(PublicAuthView):
    @extend_schema(
        request=s.RefreshSerializer,
        responses={200: s.RefreshResponseSerializer, **ERRORS},
        summary="Exchange a refresh token for a new pair (the old one stops working)",
    )
    def post(self, request):
        data = validated(s.RefreshSerializer, request)
        try:
            return Response(services.tokens_rotate(**data))
        except DjangoValidationError:
            raise SessionNotValid() from None  # the app signs the person in again


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=s.RefreshSerializer,
        responses={200: s.MessageSerializer, **ERRORS},
        summary="Log out: the given refresh token stops working",
    )
    def post(self, request):
        services.token_revoke(actor=request.user, **validated(s.RefreshSerializer, request))
        return Response({"message": _("Logged out.")})


class ForgotPasswordView(PublicAuthView):
    @extend_schema(
        request=s.EmailSerializer,
        responses={200: s.MessageSerializer, **ERRORS},
        summary="E-mail a password-reset link (same answer whether or not the account exists)",
    )
    def post(self, request):
        services.password_reset_request(**validated(s.EmailSerializer, request))
        return Response(
            {"message": _("If an account exists for this e-mail, a reset link has been sent.")}
        )


class ResetPasswordView(PublicAuthView):
    @extend_schema(
        request=s.ResetPasswordSerializer,
        responses={200: s.MessageSerializer, **ERRORS},
        summary="Set a new password with the token from the e-mailed link",
    )
    def post(self, request):
        services.password_reset_with_token(**validated(s.ResetPasswordSerializer, request))
        return Response({"message": _("Your password has been set. You can log in now.")})


class ChangePasswordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=s.ChangePasswordSerializer,
        responses={200: s.MessageSerializer, **ERRORS},
        summary="Change your password (logs out your other sessions and devices)",
    )
    def post(self, request):
        data = validated(s.ChangePasswordSerializer, request)
        services.password_change(actor=request.user, request=request._request, **data)
        return Response({"message": _("Your password has been changed.")})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.MeSerializer, 401: ErrorSerializer}, summary="You")
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)

    @extend_schema(
        request=s.ProfileSerializer,
        responses={200: s.MeSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
        summary="Change your name, phone or language",
    )
    def patch(self, request):
        data = validated(s.ProfileSerializer, request)
        user = request.user
        changes = {key: data[key] for key in ("name", "phone", "language") if key in data}
        services.profile_update(actor=user, **changes)  # only what was sent
        activate_for(request, user)
        return Response(s.MeSerializer(user).data)
