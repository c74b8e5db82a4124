from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import mfa
from accounts.language import LANGUAGE_CHOICES
from accounts.models import User
from core.api import MillisecondDateTimeField, ModelSerializer
from core.roles import Role


class UserSerializer(ModelSerializer):
    """A person who logs in: clinic staff, a patient, or a platform superuser."""

    clinic_id = serializers.CharField(read_only=True, allow_null=True)
    language = serializers.ChoiceField(
        choices=[("", _("The clinic's language")), *LANGUAGE_CHOICES],
        read_only=True,
        help_text=_("Blank: the clinic's language."),
    )
    patient_id = serializers.SerializerMethodField(
        help_text=_("For patient users: the id of their own patient record.")
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "phone",
            "language",
            "role",
            "clinic_id",
            "patient_id",
            "is_active",
            "is_verified",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_patient_id(self, user) -> str | None:
        # The reverse side of patients.Patient.user, read without importing the patients app;
        # asked only of patient users, so staff lists cost no extra query per row.
        if user.role != Role.PATIENT:
            return None
        record = getattr(user, "patient_record", None)
        return record.pk if record is not None else None


class MeSerializer(UserSerializer):
    """You: with whether two-factor authentication is on (an app's security screen shows it
    and offers to turn it on or off)."""

    mfa_enabled = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "mfa_enabled"]
        read_only_fields = fields

    def get_mfa_enabled(self, user) -> bool:
        return mfa.has_device(user)


class ProfileSerializer(serializers.Serializer):
    """What a person may change about themselves; a field left out stays as it is."""

    name = serializers.CharField(
        max_length=150,
        required=False,
        help_text=_("Staff only: a patient's name is their clinic's record's (400 if changed)."),
    )
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=[("", _("The clinic's language")), *LANGUAGE_CHOICES],
        required=False,
        allow_blank=True,
        help_text=_("Blank: the clinic's language."),
    )


class InvitationSerializer(UserSerializer):
    """An invited person's account, and whether the e-mail with their link went out
    (context["email_sent"], from accounts.services.Invitation)."""

    email_sent = serializers.SerializerMethodField(
        help_text=_(
            "False when the invitation e-mail could not be sent: the account is kept and the "
            "invitation can be resent."
        )
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "email_sent"]
        read_only_fields = fields

    def get_email_sent(self, user) -> bool:
        return self.context["email_sent"]


class InvitationAnswerSerializer(serializers.Serializer):
    """The answer to an invitation: the same whether or not the address already has an account
    (then its holder is told instead and nothing is created)."""

    detail = serializers.CharField()
    email = serializers.EmailField(help_text=_("Where the e-mail went."))
    email_sent = serializers.BooleanField(
        help_text=_(
            "False when the e-mail could not be sent; a colleague or patient listed as invited "
            "can be sent it again."
        )
    )


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class RefreshSerializer(serializers.Serializer):
    refresh_token = serializers.CharField()


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class ResetPasswordSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("The part of the e-mailed link after /accounts/reset/: `<uidb64>/<token>`.")
    )
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


class ChangePasswordSerializer(serializers.Serializer):
    current_password = serializers.CharField(trim_whitespace=False, max_length=128)
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField(default="bearer")
    user = UserSerializer()


class RefreshResponseSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class LockoutSerializer(serializers.Serializer):
    """A staff member locked out of logging in (from `sources` addresses)."""

    user = UserSerializer()
    failures = serializers.IntegerField()
    sources = serializers.IntegerField(help_text=_("How many source addresses are locked out."))
    last_attempt_at = MillisecondDateTimeField()
