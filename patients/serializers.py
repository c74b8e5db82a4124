"""Patient API bodies: parse and present only; the services validate and write."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import AuditEvent
from accounts.selectors import detail_label
from accounts.serializers import UserSerializer
from core.api import MillisecondDateTimeField, ModelSerializer
from core.roles import can
from core.schema import staff_only
from patients.models import PHONE_MAX_LENGTH, Allergy, AllergyStatus, Condition, Medication, Patient


def _name(user) -> str | None:
    return user.name if user is not None else None


def _without_unless(serializer, fields: dict, name: str, permission: str) -> dict:
    """`fields` less `name` unless the requesting user's role grants `permission`. The schema,
    drawn for anyone signed in or not, lists every field (core.schema.staff_only says which a
    patient's answer leaves out)."""
    request = serializer.context.get("request")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not can(user, permission):
        fields.pop(name, None)
    return fields


class EmergencyContactSerializer(serializers.Serializer):
    name = serializers.CharField(
        source="emergency_contact_name", max_length=150, required=False, allow_blank=True
    )
    relationship = serializers.CharField(
        source="emergency_contact_relationship", max_length=60, required=False, allow_blank=True
    )
    phone = serializers.CharField(
        source="emergency_contact_phone",
        max_length=PHONE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("Any format; stored in E.164 when it can be read, else as sent."),
    )


class PortalStatus:
    NONE = "none"
    INVITED = "invited"
    ACTIVE = "active"
    CHOICES = [NONE, INVITED, ACTIVE]


class PatientSerializer(ModelSerializer):
    """A patient's demographics. `staff_notes` only for the roles that read staff's records."""

    emergency_contact = EmergencyContactSerializer(source="*", required=False)
    created_by = serializers.SerializerMethodField(help_text=_("Name of who created the record."))
    updated_by = serializers.SerializerMethodField(help_text=_("Name of who last changed it."))
    has_portal_account = serializers.SerializerMethodField(
        help_text=_("The patient has set a password for their portal account.")
    )
    portal_account_status = serializers.SerializerMethodField(
        help_text=_("`none`, `invited` (e-mail sent, no password yet) or `active`.")
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "address",
            "emergency_contact",
            "preferred_language",
            "staff_notes",
            "allergy_status",
            "is_archived",
            "created_at",
            "updated_at",
            "created_by",
            "updated_by",
            "has_portal_account",
            "portal_account_status",
        ]
        read_only_fields = [
            "id",
            "mrn",
            "allergy_status",
            "is_archived",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        return _without_unless(self, super().get_fields(), "staff_notes", "patients.view")

    def get_created_by(self, patient) -> str | None:
        return _name(patient.created_by)

    def get_updated_by(self, patient) -> str | None:
        return _name(patient.updated_by)

    def get_has_portal_account(self, patient) -> bool:
        return self.get_portal_account_status(patient) == PortalStatus.ACTIVE

    def get_portal_account_status(self, patient) -> str:
        user = patient.user
        if user is None or not user.is_active:
            return PortalStatus.NONE
        return PortalStatus.ACTIVE if user.has_usable_password() else PortalStatus.INVITED


class PatientWriteSerializer(PatientSerializer):
    """A create, or a change of name or birth date: both refuse a likely duplicate (409)."""

    confirm_duplicate = serializers.BooleanField(
        default=False,
        write_only=True,
        help_text=_(
            "Save the record even though another patient has the same name and date of birth "
            "(otherwise the answer is 409 with the possible duplicates)."
        ),
    )

    class Meta(PatientSerializer.Meta):
        fields = [*PatientSerializer.Meta.fields, "confirm_duplicate"]


class DuplicateSerializer(serializers.Serializer):
    id = serializers.CharField()
    mrn = serializers.CharField()
    name = serializers.CharField(source="full_name")
    date_of_birth = serializers.DateField()


class DuplicateConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    duplicates = DuplicateSerializer(many=True)


class ArchiveSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("Why, for the access log (optional)."),
    )


class InvitedUserSerializer(UserSerializer):
    """The portal account an invitation made or re-sent, and whether the e-mail went out."""

    email_sent = serializers.SerializerMethodField(
        help_text=_(
            "False when the invitation e-mail could not be sent: the account is kept; "
            "call this endpoint again to resend."
        )
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "email_sent"]
        read_only_fields = fields

    def get_email_sent(self, user) -> bool:
        return self.context["email_sent"]


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        help_text=_("Where to send the invitation; defaults to the patient's e-mail address."),
    )


# --- the clinical summary ----------------------------------------------------------------------
class ClinicalSerializer(ModelSerializer):
    patient_id = serializers.CharField(read_only=True)
    recorded_by = serializers.SerializerMethodField(help_text=_("Who last recorded it."))

    COMMON = ["id", "patient_id", "recorded_by", "created_at", "updated_at"]

    def get_recorded_by(self, record) -> str | None:
        return _name(record.recorded_by)


class AllergySerializer(ClinicalSerializer):
    class Meta:
        model = Allergy
        fields = [
            *ClinicalSerializer.COMMON,
            "substance",
            "code",
            "reaction",
            "severity",
            "status",
        ]
        read_only_fields = ClinicalSerializer.COMMON


class ConditionSerializer(ClinicalSerializer):
    class Meta:
        model = Condition
        fields = [
            *ClinicalSerializer.COMMON,
            "name",
            "code",
            "code_system",
            "onset_date",
            "status",
        ]
        read_only_fields = ClinicalSerializer.COMMON


class MedicationSerializer(ClinicalSerializer):
    """A medication. One that matches an active allergy is refused with 409 and the
    `conflicts` unless the body carries `override_reason` (kept as `allergy_override_reason`)."""

    override_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=_("Why it is prescribed despite a matching allergy (needed after a 409)."),
    )

    class Meta:
        model = Medication
        fields = [
            *ClinicalSerializer.COMMON,
            "name",
            "code",
            "dose",
            "frequency",
            "start_date",
            "end_date",
            "is_active",
            "allergy_override_reason",
            "override_reason",
        ]
        read_only_fields = [*ClinicalSerializer.COMMON, "allergy_override_reason"]


CLINICAL_SERIALIZERS = {
    "allergies": AllergySerializer,
    "conditions": ConditionSerializer,
    "medications": MedicationSerializer,
}


# --- the access log ----------------------------------------------------------------------------
ACCESS_LOG_STAFF_ONLY = ("ip_address", "detail", "detail_label")


class AccessLogEntrySerializer(ModelSerializer):
    """One access to the record. Patients see who and what; clinic admins also see from where
    and the detail."""

    who = serializers.SerializerMethodField(help_text=_("The staff member's (or user's) name."))
    role = serializers.CharField(source="actor_role")
    time = MillisecondDateTimeField(source="created_at")
    action_label = serializers.CharField(source="get_action_display")
    detail_label = serializers.SerializerMethodField(
        help_text=_("The detail in the reader's language, as the patient page shows it.")
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id", "who", "role", "action", "action_label", "time", "detail", "detail_label",
            "ip_address",
        ]  # fmt: skip
        read_only_fields = fields

    def get_fields(self):
        """A patient reads who did what and when: not from where, nor the staff's own wording
        of it ("critical value communicated to … by phone", "internal remark")."""
        fields = super().get_fields()
        for name in ACCESS_LOG_STAFF_ONLY:
            fields = _without_unless(self, fields, name, "patients.access_log")
        return fields

    def get_detail_label(self, event) -> str:
        return detail_label(event.detail, event.object_type)

    def get_who(self, event) -> str:
        if event.actor is not None:
            return event.actor.name or event.actor_label
        return event.actor_label or str(_("System"))


staff_only("AccessLogEntry", ACCESS_LOG_STAFF_ONLY)
staff_only("Patient", ("staff_notes",))


# --- FHIR (documented shape; the body is built by patients.fhir) --------------------------------
class FhirPatientSerializer(serializers.Serializer):
    """A FHIR R4 Patient resource (only the elements this API fills are listed)."""

    resourceType = serializers.CharField(default="Patient")
    id = serializers.CharField()
    meta = serializers.DictField()
    identifier = serializers.ListField(child=serializers.DictField())
    active = serializers.BooleanField()
    name = serializers.ListField(child=serializers.DictField())
    telecom = serializers.ListField(child=serializers.DictField(), required=False)
    gender = serializers.ChoiceField(choices=["female", "male", "other", "unknown"])
    birthDate = serializers.DateField()
    address = serializers.ListField(child=serializers.DictField(), required=False)
    contact = serializers.ListField(child=serializers.DictField(), required=False)
    communication = serializers.ListField(child=serializers.DictField(), required=False)


class AllergyConflictSerializer(serializers.Serializer):
    allergy_id = serializers.CharField()
    allergen = serializers.CharField()
    severity = serializers.CharField()
    reaction = serializers.CharField()
    medication = serializers.CharField()
    drug_class = serializers.CharField(help_text=_("penicillins, cephalosporins, nsaids, ..."))
    kind = serializers.ChoiceField(choices=["same_class", "possible_cross_reactivity"])
    message = serializers.CharField()


class AllergyConflictResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    conflicts = AllergyConflictSerializer(many=True)


class AllergyStatusSerializer(serializers.Serializer):
    allergy_status = serializers.ChoiceField(
        choices=[AllergyStatus.NO_KNOWN_ALLERGIES, AllergyStatus.UNKNOWN],
        help_text=_(
            "`no_known_allergies` (asked, none) or `unknown` (not yet asked); "
            "`has_allergies` follows from the allergy list."
        ),
    )
