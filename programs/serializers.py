"""API shapes of care programmes: templates with steps and goals, enrolments with their
tasks, adherence and goals' status, task completion bodies, measurement series."""

from urllib.parse import urlencode

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import MillisecondDateTimeField, ModelSerializer, NumberField
from core.roles import Role
from core.services import only_fields
from programs import schedule
from programs.catalogue import MEASURES
from programs.models import Enrollment, Goal, ProgramTemplate, Step, Task


class ProgramStepSerializer(ModelSerializer):
    class Meta:
        model = Step
        fields = [
            "id", "day", "repeat", "every_days", "until_day", "kind", "title", "body", "measure",
            "targets", "questions", "appointment_type", "window_days",
        ]  # fmt: skip
        read_only_fields = ["id"]


class ProgramGoalSerializer(ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "kind", "description", "code", "comparator", "value", "window_days",
                  "task_kind"]  # fmt: skip
        read_only_fields = ["id"]


class ProgramTemplateSerializer(ModelSerializer):
    steps = ProgramStepSerializer(many=True, required=False)
    goals = ProgramGoalSerializer(many=True, required=False)

    class Meta:
        model = ProgramTemplate
        fields = ["id", "name", "description", "duration_days", "status", "version", "lineage",
                  "published_at", "steps", "goals", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "status", "version", "lineage", "published_at", "created_at",
                            "updated_at"]  # fmt: skip


class ProgramSummarySerializer(ModelSerializer):
    class Meta:
        model = ProgramTemplate
        fields = ["id", "name", "status", "version", "duration_days"]


class EnrollSerializer(serializers.Serializer):
    patient = serializers.CharField(max_length=64)
    start_date = serializers.DateField()
    care_manager = serializers.CharField(max_length=64, required=False, allow_blank=True)


class EnrollmentReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class BookingSerializer(serializers.Serializer):
    appointment_type = serializers.CharField()
    appointment_type_id = serializers.CharField(
        allow_null=True,
        help_text="The type to book (`type` of the slots and of the booking); null when the "
        "clinic no longer offers it, or patients may not book it themselves.",
    )
    start = serializers.DateField()
    end = serializers.DateField()
    slots = serializers.CharField(
        help_text="The appointments API's free slots of this type in the window (without "
        "`type` when appointment_type_id is null)."
    )


class ComponentSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="LOINC code (the `code` of a value).")
    label = serializers.CharField()
    unit = serializers.CharField(help_text="UCUM unit (the `unit` of a value).")
    low = serializers.FloatField(help_text="The lowest value accepted.")
    high = serializers.FloatField(help_text="The highest value accepted.")


class TaskMeasureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    components = ComponentSerializer(many=True)


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The answer's key in `answers`.")
    text = serializers.CharField()
    type = serializers.ChoiceField(
        ["yes_no", "scale", "text"],
        help_text="yes_no: true or false; scale: a whole number from 1 to 5; text: at most "
        "1,000 characters.",
    )


class ProgramTaskSerializer(ModelSerializer):
    """A task with what the patient's app needs to carry it out: the step's text, the
    measurement's codes and units, the check-in's questions, the appointment to book."""

    title = serializers.CharField(source="step.title", read_only=True)
    body = serializers.CharField(
        source="step.body", read_only=True, help_text="The step's text (Markdown)."
    )
    measure = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()
    booking = serializers.SerializerMethodField()
    recorded_by = serializers.SerializerMethodField(
        help_text="Who recorded the task done or skipped: the patient, or staff on their behalf."
    )
    appointment = serializers.CharField(
        source="appointment_id",
        read_only=True,
        help_text="An appointment task done by booking its visit: the appointment's id (the "
        "appointments API's); empty otherwise.",
    )
    booked_for = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The booked visit's day (the clinic's calendar); null when none was booked.",
    )

    class Meta:
        model = Task
        fields = [
            "id", "kind", "title", "body", "day", "due_date", "status", "completed_at",
            "on_time", "measure", "questions", "values", "answers", "booking", "recorded_by",
            "appointment", "booked_for",
        ]  # fmt: skip

    @extend_schema_field(TaskMeasureSerializer(allow_null=True))
    def get_measure(self, task) -> dict | None:
        """A measurement task: what to send as `values` (one per component)."""
        if task.kind != Step.Kind.MEASUREMENT or task.step.measure not in MEASURES:
            return None
        measure = MEASURES[task.step.measure]
        return TaskMeasureSerializer(measure).data

    @extend_schema_field(QuestionSerializer(many=True))
    def get_questions(self, task) -> list[dict]:
        """A check-in task: what to send as `answers` (one per key)."""
        if task.kind != Step.Kind.CHECK_IN:
            return []
        return QuestionSerializer(task.step.questions, many=True).data

    @extend_schema_field(serializers.ChoiceField(["patient", "staff"], allow_null=True))
    def get_recorded_by(self, task) -> str | None:
        if task.completed_by_id is None:
            return None
        return "patient" if task.completed_by.role == Role.PATIENT else "staff"

    @extend_schema_field(BookingSerializer(allow_null=True))
    def get_booking(self, task) -> dict | None:
        """An appointment step: what to book and when (booked through the appointments API)."""
        if task.kind != Step.Kind.APPOINTMENT:
            return None
        start, end = schedule.booking_window(task)
        type_id = self.context.get("type_ids", {}).get(task.step.appointment_type)
        query = {"start": start, "end": end} | ({"type": type_id} if type_id else {})
        return {
            "appointment_type": task.step.appointment_type,
            "appointment_type_id": type_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "slots": f"/api/v1/appointments/slots/?{urlencode(query)}",
        }


class GoalStatusSerializer(serializers.Serializer):
    id = serializers.CharField(source="goal.pk")
    description = serializers.CharField(source="goal.description")
    kind = serializers.CharField(source="goal.kind")
    current = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(["achieved", "not_achieved", "no_data"])


class EnrollmentSerializer(ModelSerializer):
    program = ProgramSummarySerializer(source="template", read_only=True)
    patient = serializers.CharField(source="patient_id")
    care_manager = serializers.CharField(source="care_manager_id", allow_null=True)
    care_manager_name = serializers.CharField(
        source="care_manager.name", allow_null=True, read_only=True, default=None
    )

    class Meta:
        model = Enrollment
        fields = [
            "id", "patient", "program", "care_manager", "care_manager_name", "start_date",
            "end_date", "state",
            "reason", "adherence", "off_target", "last_activity_at", "created_at",
        ]  # fmt: skip


class EnrollmentDetailSerializer(EnrollmentSerializer):
    goals = serializers.SerializerMethodField()
    tasks = serializers.SerializerMethodField()

    class Meta(EnrollmentSerializer.Meta):
        fields = [*EnrollmentSerializer.Meta.fields, "goals", "tasks"]

    def get_goals(self, enrollment) -> list[dict]:
        return GoalStatusSerializer(self.context.get("goals", []), many=True).data

    def get_tasks(self, enrollment) -> list[dict]:
        tasks = self.context.get("tasks")
        if tasks is None:
            return []
        return ProgramTaskSerializer(tasks, many=True, context=self.context).data


class TaskValueSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    value = NumberField()
    unit = serializers.CharField(max_length=20)


class TaskCompleteSerializer(serializers.Serializer):
    values = TaskValueSerializer(many=True, required=False)
    answers = serializers.DictField(required=False)


class TaskSkipSerializer(serializers.Serializer):
    """Skipping takes no fields: no body, or an empty object. A field sent is refused by name
    rather than ignored (a reason or values the app meant to keep would be lost in silence)."""

    def validate(self, attrs):
        only_fields(self.initial_data, self.fields)
        return attrs


class MeasurementPointSerializer(serializers.Serializer):
    at = MillisecondDateTimeField()
    value = serializers.FloatField()
    off_target = serializers.BooleanField()
    alert = serializers.BooleanField()


class TargetRangeSerializer(serializers.Serializer):
    low = serializers.FloatField(allow_null=True, required=False)
    high = serializers.FloatField(allow_null=True, required=False)


class MeasurementSeriesSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    target = TargetRangeSerializer()
    points = MeasurementPointSerializer(many=True)


class FhirCarePlanSerializer(serializers.Serializer):
    resourceType = serializers.CharField(default="CarePlan")  # noqa: N815 (FHIR's name)
    id = serializers.CharField()
    status = serializers.CharField()
    contained = serializers.ListField(child=serializers.DictField())
