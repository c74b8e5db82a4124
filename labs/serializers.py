"""Labs API bodies: parse and present only; labs.services validates, flags and writes."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import MillisecondDateTimeField, ModelSerializer
from core.schema import staff_only
from labs import services
from labs.models import (
    CommunicationMethod,
    Flag,
    LabOrder,
    LabResult,
    LabTest,
    ReferenceRange,
    ValueType,
)
from patients.models import Condition

ID = {"max_length": 64}
NUMBER = {
    "max_digits": 12,
    "decimal_places": 4,
    "coerce_to_string": False,
    "allow_null": True,
    "required": False,
}


def _name(user) -> str | None:
    return (user.name or user.email) if user is not None else None


def as_number(value: Decimal | None):
    """Decimals go out as JSON numbers (what charts want), without trailing zeros."""
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


VALUE_SCHEMA = {
    "oneOf": [{"type": "number"}, {"type": "string"}],
    "description": "A number for numeric tests, text for text tests, "
    "`positive`/`negative` for positive/negative tests.",
}


@extend_schema_field(VALUE_SCHEMA)
class ValueField(serializers.Field):
    """A result value: a JSON number or a string (never a boolean, list or object)."""

    default_error_messages = {"invalid": _("Enter a number or a text value.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        if isinstance(data, float) and data != data:  # NaN
            self.fail("invalid")
        if isinstance(data, str) and len(data) > 200:
            raise serializers.ValidationError(_("At most 200 characters."))
        if isinstance(data, str) and "\x00" in data:  # as every text field of the forms refuses
            raise serializers.ValidationError(_("Null characters are not allowed."))
        if isinstance(data, float):  # a number, never read as typed text (labs.services._number)
            return Decimal(repr(data))
        return str(data)

    def to_representation(self, value):
        return as_number(value) if isinstance(value, Decimal) else value


class DecimalPlacesField(serializers.IntegerField):
    """What a JSON number cannot carry: 1.10 goes out as 1.1 with `decimal_places` 2."""

    def __init__(self, **kwargs):
        help_text = _(
            "The decimal places the value was written with (1.10: 2), to show it so; null for "
            "text values."
        )
        kwargs = {"source": "value_decimals", "help_text": help_text, **kwargs}
        super().__init__(read_only=True, allow_null=True, **kwargs)


# --- catalogue -----------------------------------------------------------------------------------
class ReferenceRangeSerializer(ModelSerializer):
    low = serializers.DecimalField(**NUMBER)
    high = serializers.DecimalField(**NUMBER)
    display = serializers.CharField(read_only=True, help_text=_("The range as text, e.g. 70–99."))

    class Meta:
        model = ReferenceRange
        fields = ["id", "sex", "age_min", "age_max", "low", "high", "normal_text", "display"]
        read_only_fields = ["id", "display"]
        extra_kwargs = {
            "age_min": {"help_text": _("From this age in years (included).")},
            "age_max": {"help_text": _("Below this age in years; null: no upper limit.")},
        }


class LabTestSerializer(ModelSerializer):
    critical_low = serializers.DecimalField(**NUMBER)
    critical_high = serializers.DecimalField(**NUMBER)
    ranges = ReferenceRangeSerializer(many=True, read_only=True)

    class Meta:
        model = LabTest
        fields = [
            "id",
            "name",
            "loinc_code",
            "unit",
            "value_type",
            "critical_low",
            "critical_high",
            "is_active",
            "ranges",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "ranges", "created_at", "updated_at"]
        # Uniqueness is checked by the service's full_clean (one message, both backends).
        validators = []


class TestBriefSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    loinc_code = serializers.CharField()
    unit = serializers.CharField()
    value_type = serializers.ChoiceField(choices=ValueType.choices)


class PanelSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    loinc_code = serializers.CharField()
    tests = serializers.SerializerMethodField()

    @extend_schema_field(TestBriefSerializer(many=True))
    def get_tests(self, panel):
        return TestBriefSerializer([item.test for item in panel.items.all()], many=True).data


# --- results -------------------------------------------------------------------------------------
class PatientBriefSerializer(serializers.Serializer):
    id = serializers.CharField()
    mrn = serializers.CharField()
    name = serializers.CharField(source="full_name")


class RangeValueSerializer(serializers.Serializer):
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    text = serializers.CharField(help_text=_("The range as text; empty when none applied."))


def reference_of(result) -> dict:
    return {
        "low": as_number(result.reference_low),
        "high": as_number(result.reference_high),
        "text": result.reference_text,
    }


class ResultSerializer(ModelSerializer):
    """A result as read: server-computed `flag`, the `reference_range` that applied."""

    patient = PatientBriefSerializer(read_only=True)
    test = TestBriefSerializer(read_only=True)
    order_id = serializers.CharField(allow_null=True, read_only=True)
    value = ValueField(read_only=True)
    decimal_places = DecimalPlacesField()
    display_value = serializers.CharField(read_only=True)
    flag = serializers.ChoiceField(
        choices=Flag.choices,
        read_only=True,
        help_text=_("normal, low, high, critical_low, critical_high, abnormal; empty: no range."),
    )
    flag_label = serializers.CharField(source="get_flag_display", read_only=True)
    critical_communication_method = serializers.ChoiceField(
        choices=CommunicationMethod.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("Empty until a critical value's communication is recorded."),
    )
    is_critical = serializers.BooleanField(read_only=True)
    is_abnormal = serializers.BooleanField(read_only=True)
    needs_communication = serializers.BooleanField(
        read_only=True,
        help_text=_("A critical value whose communication is not recorded yet (not reviewable)."),
    )
    reference_range = serializers.SerializerMethodField()
    entered_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()
    value_shown = serializers.SerializerMethodField(
        help_text=_(
            "A fingerprint of the value as shown: send it back as `shown` with a sign-off, a "
            "correction or a critical value's communication, and a correction made since is a "
            "409 instead of an action on a value nobody saw."
        )
    )

    class Meta:
        model = LabResult
        fields = [
            "id",
            "patient",
            "test",
            "order_id",
            "value",
            "decimal_places",
            "unit",
            "display_value",
            "flag",
            "flag_label",
            "is_critical",
            "is_abnormal",
            "reference_range",
            "status",
            "collected_at",
            "reported_at",
            "performing_lab",
            "entered_by",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "needs_communication",
            "critical_communicated_to",
            "critical_communication_method",
            "critical_communicated_at",
            "created_at",
            "updated_at",
            "value_shown",
        ]
        read_only_fields = fields

    def get_value_shown(self, result) -> str:
        return services.value_shown(result)

    @extend_schema_field(RangeValueSerializer)
    def get_reference_range(self, result) -> dict:
        return reference_of(result)

    def get_entered_by(self, result) -> str | None:
        return _name(result.entered_by)

    def get_reviewed_by(self, result) -> str | None:
        return _name(result.reviewed_by)


class ResultRevisionSerializer(serializers.Serializer):
    value = serializers.SerializerMethodField()
    decimal_places = DecimalPlacesField()
    unit = serializers.CharField()
    flag = serializers.CharField()
    status = serializers.CharField(help_text=_("The result's status before the correction."))
    reason = serializers.CharField()
    changed_by = serializers.SerializerMethodField()
    changed_at = MillisecondDateTimeField(source="created_at")

    @extend_schema_field(VALUE_SCHEMA)  # like the result's own value: a number or a text
    def get_value(self, revision):
        if revision.value_numeric is not None:
            return as_number(revision.value_numeric)
        return revision.value_text

    def get_changed_by(self, revision) -> str | None:
        return _name(revision.changed_by)


class ResultDetailSerializer(ResultSerializer):
    history = serializers.SerializerMethodField(
        help_text=_("Earlier values replaced by corrections, newest first.")
    )
    revision_serializer = ResultRevisionSerializer

    class Meta(ResultSerializer.Meta):
        fields = [*ResultSerializer.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(ResultRevisionSerializer(many=True))
    def get_history(self, result):
        return self.revision_serializer(self.context.get("history", []), many=True).data


# What stays with the clinic: the reviewer's comment, who was told of a critical value and how,
# which colleague entered and reviewed it, and why a value was corrected.
STAFF_ONLY_RESULT_FIELDS = (
    "entered_by",
    "reviewed_by",
    "reviewed_at",
    "review_comment",
    "needs_communication",
    "critical_communicated_to",
    "critical_communication_method",
    "critical_communicated_at",
)


class PatientResultSerializer(ResultSerializer):
    """A result as its patient reads it in their app: the value, its range and flag, never the
    clinic's own working (the README: patients never see staff notes)."""

    class Meta(ResultSerializer.Meta):
        fields = [f for f in ResultSerializer.Meta.fields if f not in STAFF_ONLY_RESULT_FIELDS]
        read_only_fields = fields


class PatientResultRevisionSerializer(ResultRevisionSerializer):
    """An earlier value replaced by a correction, without the clinic's reason or its author."""

    reason = None
    changed_by = None


staff_only("Result", STAFF_ONLY_RESULT_FIELDS)
staff_only("ResultDetail", STAFF_ONLY_RESULT_FIELDS)
staff_only("ResultRevision", ("reason", "changed_by"))


class PatientResultDetailSerializer(ResultDetailSerializer):
    revision_serializer = PatientResultRevisionSerializer

    class Meta(ResultDetailSerializer.Meta):
        fields = [
            f for f in ResultDetailSerializer.Meta.fields if f not in STAFF_ONLY_RESULT_FIELDS
        ]
        read_only_fields = fields


class ResultCreateSerializer(serializers.Serializer):
    patient = serializers.CharField(help_text=_("The patient's id."), **ID)
    test = serializers.CharField(help_text=_("The lab test's id (see /api/v1/labs/tests/)."), **ID)
    value = ValueField()
    unit = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text=_("Must be the test's unit (UCUM); the test's unit when omitted."),
    )
    collected_at = MillisecondDateTimeField(help_text=_("When the sample was taken."))
    status = serializers.ChoiceField(
        choices=[LabResult.Status.PRELIMINARY, LabResult.Status.FINAL],
        default=LabResult.Status.FINAL,
    )
    order = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text=_("An order's id."), **ID
    )
    performing_lab = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ValueShownSerializer(serializers.Serializer):
    """An action on a result as the app showed it: a correction made since is a 409."""

    shown = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("The result's `value_shown` as the app showed it (recommended)."),
    )


class CorrectSerializer(ValueShownSerializer):
    value = ValueField()
    reason = serializers.CharField(max_length=300, help_text=_("Why the value changed."))
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True)


class ReviewSerializer(ValueShownSerializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TrendPointSerializer(serializers.Serializer):
    id = serializers.CharField()
    collected_at = MillisecondDateTimeField()
    value = ValueField()
    decimal_places = DecimalPlacesField()
    unit = serializers.CharField()
    flag = serializers.CharField()
    status = serializers.CharField()
    reference_range = serializers.SerializerMethodField()

    @extend_schema_field(RangeValueSerializer)
    def get_reference_range(self, result) -> dict:
        return reference_of(result)


class TrendSerializer(serializers.Serializer):
    """A labs.selectors.Trend: the values of one test for one patient and the chart's band."""

    patient_id = serializers.CharField(source="patient.pk")
    test = TestBriefSerializer()
    reference_range = serializers.SerializerMethodField(
        help_text=_(
            "The chart's band: the range reported with the newest value (before any value, the "
            "range that applies to the patient today)."
        )
    )
    points = TrendPointSerializer(
        many=True, source="results", help_text=_("Every value, oldest first.")
    )

    @extend_schema_field(RangeValueSerializer(allow_null=True))
    def get_reference_range(self, trend) -> dict | None:
        band = trend.band
        if band is None:
            return None
        return {"low": as_number(band.low), "high": as_number(band.high), "text": band.text}


# --- orders --------------------------------------------------------------------------------------
class OrderItemSerializer(serializers.Serializer):
    test = TestBriefSerializer()
    panel_id = serializers.CharField(allow_null=True)


class OrderSerializer(ModelSerializer):
    patient = PatientBriefSerializer(read_only=True)
    ordered_by = serializers.SerializerMethodField()
    items = OrderItemSerializer(many=True, read_only=True)

    class Meta:
        model = LabOrder
        fields = [
            "id",
            "patient",
            "ordered_by",
            "priority",
            "status",
            "notes",
            "indication",
            "indication_code",
            "indication_system",
            "items",
            "collected_at",
            "cancelled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_ordered_by(self, order) -> str | None:
        return _name(order.ordered_by)


class OrderDetailSerializer(OrderSerializer):
    results = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "results"]
        read_only_fields = fields

    @extend_schema_field(ResultSerializer(many=True))
    def get_results(self, order):
        return ResultSerializer(self.context.get("results", []), many=True).data


class OrderCreateSerializer(serializers.Serializer):
    patient = serializers.CharField(help_text=_("The patient's id."), **ID)
    tests = serializers.ListField(
        child=serializers.CharField(**ID), required=False, max_length=100, default=list
    )
    panels = serializers.ListField(
        child=serializers.CharField(**ID), required=False, max_length=20, default=list
    )
    priority = serializers.ChoiceField(
        choices=LabOrder.Priority.choices, default=LabOrder.Priority.ROUTINE
    )
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    indication = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text=_("Why.")
    )
    indication_code = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    indication_system = serializers.ChoiceField(
        choices=Condition.CodeSystem.choices, required=False, allow_blank=True, default=""
    )


class CollectSerializer(serializers.Serializer):
    collected_at = MillisecondDateTimeField(
        required=False, allow_null=True, help_text=_("Now when omitted.")
    )


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --- FHIR (documented shape; bodies are built by labs.fhir) ------------------------------------
class FhirObservationSerializer(serializers.Serializer):
    """A FHIR R4 Observation (only the elements this API fills are listed)."""

    resourceType = serializers.CharField(default="Observation")
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["preliminary", "final", "amended"])
    category = serializers.ListField(child=serializers.DictField())
    code = serializers.DictField()
    subject = serializers.DictField()
    effectiveDateTime = MillisecondDateTimeField()
    issued = MillisecondDateTimeField(required=False)
    valueQuantity = serializers.DictField(required=False)
    valueString = serializers.CharField(required=False)
    valueCodeableConcept = serializers.DictField(required=False)
    interpretation = serializers.ListField(child=serializers.DictField(), required=False)
    referenceRange = serializers.ListField(child=serializers.DictField(), required=False)


class FhirDiagnosticReportSerializer(serializers.Serializer):
    """A FHIR R4 DiagnosticReport with its Observations contained."""

    resourceType = serializers.CharField(default="DiagnosticReport")
    id = serializers.CharField()
    status = serializers.CharField()
    category = serializers.ListField(child=serializers.DictField())
    code = serializers.DictField()
    subject = serializers.DictField()
    effectiveDateTime = MillisecondDateTimeField(required=False)
    issued = MillisecondDateTimeField(required=False)
    result = serializers.ListField(child=serializers.DictField(), required=False)
    contained = serializers.ListField(child=serializers.DictField(), required=False)


class CriticalCommunicationSerializer(ValueShownSerializer):
    communicated_to = serializers.CharField(
        max_length=200, help_text=_("Who was told, e.g. Dr Patel (on call).")
    )
    method = serializers.ChoiceField(choices=CommunicationMethod.choices)
    communicated_at = MillisecondDateTimeField(
        required=False, help_text=_("When they were told; now when left out.")
    )


class BulkReviewSerializer(serializers.Serializer):
    order = serializers.CharField(
        max_length=64, required=False, help_text=_("Sign off this order's results.")
    )
    patient = serializers.CharField(
        max_length=64,
        required=False,
        help_text=_("Or: sign off every normal result of this patient waiting for review."),
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    abnormal = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        default=list,
        help_text=_("Abnormal or critical results in scope you reviewed one by one (ids)."),
    )
    shown = serializers.DictField(
        child=serializers.CharField(max_length=64),
        required=False,
        default=dict,
        help_text=_(
            "Each result's `value_shown` as the app showed it, by result id (recommended): a "
            "result corrected since is a 409 and nothing is signed off."
        ),
    )

    def validate(self, data):
        if bool(data.get("order")) == bool(data.get("patient")):
            raise serializers.ValidationError(_("Give either an order or a patient."))
        return data


class BulkReviewResultSerializer(serializers.Serializer):
    reviewed = ResultSerializer(many=True)
    left = ResultSerializer(many=True, help_text=_("Abnormal results still needing their tick."))


class OrderableSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["panel", "test"])
    id = serializers.CharField()
    name = serializers.CharField()
    loinc_code = serializers.CharField()
    tests = serializers.ListField(child=serializers.CharField())
