"""API shapes of the clinics app: signup, the clinic's settings, staff management."""

from rest_framework import serializers

from accounts.serializers import TokenPairSerializer
from clinics.models import Clinic
from clinics.services import CLINIC_EDITABLE_FIELDS
from core.api import ModelSerializer
from core.roles import STAFF_ROLE_CHOICES


class SignupSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    clinic_name = serializers.CharField(max_length=200)


class SignupConfirmSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=128, help_text="The code from the sign-up e-mail (the link's last part)."
    )


class SignupResponseSerializer(TokenPairSerializer):
    clinic_id = serializers.CharField()


class ClinicSerializer(ModelSerializer):
    """A clinic's settings and branding. `country` and `locale` read as the values in force
    (from the timezone when never set); send "" to go back to that default."""

    class Meta:
        model = Clinic
        fields = ["id", "slug", *CLINIC_EDITABLE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "slug", "created_at", "updated_at"]

    def to_representation(self, clinic):
        data = super().to_representation(clinic)
        data["country"], data["locale"] = clinic.country_code, clinic.locale_code
        return data


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
