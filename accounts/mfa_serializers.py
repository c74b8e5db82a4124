"""Bodies of the two-factor API (accounts.mfa_api) and of a login that needs a second step."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers


class MfaChallengeSerializer(serializers.Serializer):
    """A password login that needs a second step."""

    mfa_required = serializers.BooleanField(
        help_text=gettext_lazy("True: send a code with the token to /auth/mfa/verify.")
    )
    mfa_token = serializers.CharField(help_text=gettext_lazy("Valid for five minutes."))


class MfaEnrolmentRequiredSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="mfa_enrollment_required")
    mfa_token = serializers.CharField(
        help_text=gettext_lazy("Send it to /auth/mfa/totp and /auth/mfa/totp/confirm to enrol.")
    )


class MfaTokenSerializer(serializers.Serializer):
    mfa_token = serializers.CharField(
        required=False,
        max_length=1000,
        help_text=gettext_lazy(
            "Without a bearer token: the one a login that needs enrolment gave."
        ),
    )


class TotpSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text=gettext_lazy("Base32, for typing into the app."))
    otpauth_url = serializers.CharField()
    qr_svg = serializers.CharField(help_text=gettext_lazy("An inline SVG of the otpauth URL."))


class CodeSerializer(MfaTokenSerializer):
    code = serializers.CharField(max_length=32)


class VerifySerializer(serializers.Serializer):
    mfa_token = serializers.CharField(max_length=1000)
    code = serializers.CharField(max_length=32)


class BackupCodesSerializer(serializers.Serializer):
    backup_codes = serializers.ListField(child=serializers.CharField())
    access_token = serializers.CharField(required=False)
    refresh_token = serializers.CharField(required=False)
    token_type = serializers.CharField(required=False)
