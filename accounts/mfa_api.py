"""Two-factor authentication in the API: enrol, confirm, and finish a password login."""

from django.contrib.auth import user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import mfa
from accounts.api import ERRORS, PublicAuthView, token_pair
from accounts.mfa_serializers import (
    BackupCodesSerializer,
    CodeSerializer,
    MfaTokenSerializer,
    TotpSetupSerializer,
    VerifySerializer,
)
from accounts.serializers import TokenPairSerializer
from core.api import ErrorSerializer, validated


def login_answer(user):
    """The answer to a correct password: the tokens, or the second step it still needs."""
    step = mfa.login_step(user)
    if step == mfa.VERIFY:
        return Response({"mfa_required": True, "mfa_token": mfa.token_for(user, mfa.VERIFY)})
    if step == mfa.ENROL:
        return Response(
            {
                "detail": _("Your clinic requires two-factor authentication: set it up first."),
                "code": "mfa_enrollment_required",
                "mfa_token": mfa.token_for(user, mfa.ENROL),
            },
            status=403,
        )
    return None


class EnrolView(APIView):
    """Signed in (a bearer token or session) or half signed in (an enrolment mfa_token)."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def enrolling_user(self, request):
        if request.user.is_authenticated:
            return request.user, False
        token = validated(MfaTokenSerializer, request).get("mfa_token")
        if not token:
            raise AuthenticationFailed(_("Log in first."))
        return mfa.user_from_token(token, mfa.ENROL), True


class TotpBeginView(EnrolView):
    @extend_schema(
        request=MfaTokenSerializer,
        responses={200: TotpSetupSerializer, 409: ErrorSerializer, 403: ErrorSerializer, **ERRORS},
        summary="Start two-factor enrolment: a TOTP secret and its QR code",
    )
    def post(self, request):
        user, _half = self.enrolling_user(request)
        return Response(mfa.totp_begin(user=user))


class TotpConfirmView(EnrolView):
    @extend_schema(
        request=CodeSerializer,
        responses={200: BackupCodesSerializer, 403: ErrorSerializer, **ERRORS},
        summary="Finish enrolment with a code from the app: the backup codes (shown once)",
    )
    def post(self, request):
        user, half_signed_in = self.enrolling_user(request)
        data = validated(CodeSerializer, request)
        body = {"backup_codes": mfa.totp_confirm(user=user, code=data["code"])}
        if half_signed_in:  # enrolment was the last step of a login
            user_logged_in.send(sender=user.__class__, request=request._request, user=user)
            body.update(token_pair(user))
        return Response(body)


class TotpOffView(APIView):
    @extend_schema(
        request=CodeSerializer,
        responses={200: ErrorSerializer, 409: ErrorSerializer, 403: ErrorSerializer, **ERRORS},
        summary="Turn your own two-factor authentication off, with a current or backup code",
        description="403 where your clinic's policy requires it; 409 when it is not on; 400 "
        "for a wrong code. Someone who lost both their phone and their backup codes asks the "
        "clinic to reset it.",
    )
    def post(self, request):
        data = validated(CodeSerializer, request)
        mfa.mfa_turn_off(user=request.user, code=data["code"])
        return Response({"detail": _("Two-factor authentication is off.")})


class VerifyView(PublicAuthView):
    @extend_schema(
        request=VerifySerializer,
        responses={200: TokenPairSerializer, **ERRORS},
        summary="Finish a login with a code (authenticator app or backup code)",
    )
    def post(self, request):
        data = validated(VerifySerializer, request)
        user = mfa.user_from_token(data["mfa_token"], mfa.VERIFY)
        error = mfa.verify_error(user=user, code=data["code"])
        if error:
            raise AuthenticationFailed(error)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(token_pair(user))
