"""Appointments API shapes. Times go out in the clinic's own offset (ISO 8601), to the
millisecond; times coming in must carry an offset."""

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import (
    Appointment,
    AppointmentSeries,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    CalendarFeed,
    ClinicAppointmentSettings,
)
from core.access import is_patient_user
from core.api import MillisecondDateTimeField, ModelSerializer
from core.forms import OUTSIDE_CALENDAR, in_calendar

HHMM = "%H:%M"


class ClinicDateTimeField(MillisecondDateTimeField):
    """A time shown in the clinic's offset (`context["tz"]`)."""

    def to_representation(self, value):
        tz = self.context.get("tz")
        if value is None or tz is None:
            return super().to_representation(value)
        value = value.astimezone(tz)  # "+00:00" rather than "Z": the offset is the clinic's
        return value.replace(microsecond=value.microsecond - value.microsecond % 1000).isoformat()


@extend_schema_field(OpenApiTypes.DATETIME)
class OffsetDateTimeField(serializers.Field):
    """An ISO 8601 date-time that must carry its offset; impossible dates are a 400."""

    # Lazy: read in the caller's language when the error is raised, not at import.
    default_error_messages = {
        "invalid": gettext_lazy("Not an ISO 8601 date-time."),
        "naive": gettext_lazy(
            "Give a date and time with a timezone offset, e.g. 2026-03-02T09:00:00+00:00."
        ),
    }

    def to_internal_value(self, data):
        try:
            value = parse_datetime(str(data).strip().replace(" ", "+"))
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if value.tzinfo is None:
            self.fail("naive")
        if not in_calendar(value.date()):
            raise serializers.ValidationError(OUTSIDE_CALENDAR)
        return value

    def to_representation(self, value):
        return value.isoformat()


class AppointmentTypeSerializer(ModelSerializer):
    class Meta:
        model = AppointmentType
        fields = [
            "id",
            "name",
            "duration_minutes",
            "buffer_minutes",
            "colour",
            "telehealth",
            "patient_bookable",
            "is_active",
        ]
        read_only_fields = ["id"]


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "09:00"}
)
class TimeOfDayField(serializers.TimeField):
    """A wall-clock time "HH:MM" (OpenAPI's `time` format would demand seconds and an offset)."""

    def __init__(self, **kwargs):
        super().__init__(format=HHMM, input_formats=[HHMM, "%H:%M:%S"], **kwargs)


class RuleSerializer(ModelSerializer):
    provider = serializers.CharField(source="provider_id")
    start_time = TimeOfDayField()
    end_time = TimeOfDayField()
    types = serializers.ListField(
        child=serializers.CharField(),
        source="type_ids",
        required=False,
        help_text="Ids of the appointment types offered in these hours; empty or absent: all.",
    )

    class Meta:
        model = AvailabilityRule
        fields = [
            "id",
            "provider",
            "weekday",
            "start_time",
            "end_time",
            "valid_from",
            "valid_until",
            "location",
            "types",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {"weekday": {"help_text": "0 = Monday ... 6 = Sunday."}}


class RuleUpdateSerializer(RuleSerializer):
    provider = serializers.CharField(source="provider_id", read_only=True)


class ExceptionSerializer(ModelSerializer):
    provider = serializers.CharField(source="provider_id")
    start_time = TimeOfDayField(required=False, allow_null=True)
    end_time = TimeOfDayField(required=False, allow_null=True)

    class Meta:
        model = AvailabilityException
        fields = ["id", "provider", "date", "kind", "start_time", "end_time", "location", "note"]
        read_only_fields = ["id"]


class ExceptionUpdateSerializer(ExceptionSerializer):
    provider = serializers.CharField(source="provider_id", read_only=True)


class ProviderSerializer(serializers.Serializer):
    id = serializers.CharField(source="pk")
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=["clinician", "nurse"])


class SlotListSerializer(serializers.ListSerializer):
    """A week of every provider's slots is thousands of rows, written here in one pass with
    each instant formatted once (the providers share their slot boundaries). DRF's
    field-by-field path was two-fifths of that response; a method call per slot and per instant
    still took 5.3 ms for 4,231 slots, this 2.3. The keys are the child's declared fields
    (tests/appointments/test_api.py holds them together)."""

    def to_representation(self, data):
        slots = list(data)
        instants = {slot.start for slot in slots} | {slot.end for slot in slots}
        shown = self.child.fields["start"].to_representation  # in the clinic's offset
        text = {instant: shown(instant) for instant in instants}
        return [
            {"provider": slot.provider_id, "start": text[slot.start], "end": text[slot.end]}
            for slot in slots
        ]


class SlotSerializer(serializers.Serializer):
    """A free slot (a list of them is written by `SlotListSerializer`; the fields are declared
    for the schema)."""

    provider = serializers.CharField(source="provider_id")
    start = ClinicDateTimeField()
    end = ClinicDateTimeField()

    class Meta:
        list_serializer_class = SlotListSerializer


class RecurrenceSerializer(serializers.Serializer):
    frequency = serializers.ChoiceField(choices=AppointmentSeries.Frequency.values)
    interval = serializers.IntegerField(min_value=1, max_value=12, default=1)
    count = serializers.IntegerField(min_value=1, required=False)
    until = serializers.DateField(required=False)

    def validate(self, attrs):
        if ("count" in attrs) == ("until" in attrs):
            raise serializers.ValidationError(_("Give either a count or an end date."))
        return attrs


class AppointmentCreateSerializer(serializers.Serializer):
    patient = serializers.CharField(
        required=False, help_text="The patient's id (a patient user books for themself)."
    )
    provider = serializers.CharField()
    type = serializers.CharField()
    start = OffsetDateTimeField(help_text="ISO 8601 with offset, on a slot boundary.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    staff_notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    recurrence = RecurrenceSerializer(required=False)


class AppointmentUpdateSerializer(serializers.Serializer):
    start = OffsetDateTimeField(required=False)
    provider = serializers.CharField(required=False)
    scope = serializers.ChoiceField(choices=["this", "following"], default="this")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    staff_notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    scope = serializers.ChoiceField(choices=["this", "following"], default="this")


class AppointmentSerializer(ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    provider = serializers.CharField(source="provider_id")
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    type = serializers.CharField(source="type_id")
    type_name = serializers.CharField(source="type.name", read_only=True)
    colour = serializers.CharField(source="type.colour", read_only=True)
    series = serializers.CharField(source="series_id", allow_null=True)
    start = ClinicDateTimeField()
    end = ClinicDateTimeField()
    cancelled_at = ClinicDateTimeField(allow_null=True)
    telehealth_url = serializers.CharField(read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "patient",
            "patient_name",
            "provider",
            "provider_name",
            "type",
            "type_name",
            "colour",
            "series",
            "start",
            "end",
            "status",
            "reason",
            "location",
            "telehealth_url",
            "staff_notes",
            "booked_by_patient",
            "cancelled_at",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if is_patient_user(self.context["request"].user):
            data.pop("staff_notes")  # notes for staff stay with staff
        return data


class SeriesCreatedSerializer(AppointmentSerializer):
    occurrences = AppointmentSerializer(many=True, read_only=True, required=False)

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "occurrences"]


class FeedSerializer(ModelSerializer):
    url = serializers.CharField(
        read_only=True, required=False, help_text="Only in the answer that creates the feed."
    )

    class Meta:
        model = CalendarFeed
        fields = ["id", "url", "created_at", "last_used_at"]


class SettingsSerializer(ModelSerializer):
    """Reminders and feeds; the booking policy is shown read-only (it is the clinic's, changed
    with `PATCH /api/v1/clinics/current`), so patients' apps can tell it before they book."""

    BOOKING_POLICY = ("min_notice_hours", "cancel_cutoff_hours")

    min_notice_hours = serializers.IntegerField(source="clinic.min_notice_hours", read_only=True)
    cancel_cutoff_hours = serializers.IntegerField(
        source="clinic.cancel_cutoff_hours", read_only=True
    )

    class Meta:
        model = ClinicAppointmentSettings
        fields = [
            "min_notice_hours",
            "cancel_cutoff_hours",
            "reminder_hours",
            "provider_feed_shows_names",
        ]

    def validate(self, attrs):
        moved = [name for name in self.BOOKING_POLICY if name in self.initial_data]
        if moved:
            message = _("Change this in the clinic's settings (PATCH /api/v1/clinics/current).")
            raise serializers.ValidationError(dict.fromkeys(moved, message))
        return attrs


def date_or_datetime(value: str, *, name: str):
    """A query parameter: a date (a whole local day) or a date-time with its offset."""
    raw = (value or "").strip().replace(" ", "+")
    try:
        if len(raw) == 10:
            day = parse_date(raw)
            if day is not None:
                if not in_calendar(day):
                    raise serializers.ValidationError({name: [OUTSIDE_CALENDAR]})
                return day
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        raise serializers.ValidationError(
            {name: [_("Not an ISO 8601 date or date-time (e.g. 2026-03-02).")]}
        )
    if moment.tzinfo is None:
        raise serializers.ValidationError({name: [_("Give a timezone offset with the time.")]})
    if not in_calendar(moment.date()):
        raise serializers.ValidationError({name: [OUTSIDE_CALENDAR]})
    return moment
