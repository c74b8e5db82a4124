"""API shapes of care programmes: templates with steps and goals, enrolments with their
tasks, adherence and goals' status, task completion bodies, measurement series."""

import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import MillisecondDateTimeField, ModelSerializer
from core.roles import Role
from programs.models import MAX_DURATION_DAYS, Enrollment, Goal, ProgramTemplate, Step, Task


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
    start = serializers.DateField()
    end = serializers.DateField()
    slots = serializers.CharField(help_text="The appointments API's free slots (add `type`).")


class ProgramTaskSerializer(ModelSerializer):
    title = serializers.CharField(source="step.title", read_only=True)
    booking = serializers.SerializerMethodField()
    recorded_by = serializers.SerializerMethodField(
        help_text="Who recorded the task done or skipped: the patient, or staff on their behalf."
    )

    class Meta:
        model = Task
        fields = [
            "id", "kind", "title", "day", "due_date", "status", "completed_at", "on_time",
            "values", "answers", "booking", "recorded_by",
        ]  # fmt: skip

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
        # Capped as goals_status caps a goal's: a step saved before the bound must not make
        # a patient's day of tasks a 500.
        window = min(max(task.step.window_days or 0, 0), MAX_DURATION_DAYS)
        end = task.due_date + datetime.timedelta(window)
        return {
            "appointment_type": task.step.appointment_type,
            "start": task.due_date.isoformat(),
            "end": end.isoformat(),
            "slots": f"/api/v1/appointments/slots/?start={task.due_date}&end={end}",
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

    class Meta:
        model = Enrollment
        fields = [
            "id", "patient", "program", "care_manager", "start_date", "end_date", "state",
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
        return ProgramTaskSerializer(tasks, many=True).data if tasks is not None else []


class TaskValueSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    value = serializers.FloatField()
    unit = serializers.CharField(max_length=20)


class TaskCompleteSerializer(serializers.Serializer):
    values = TaskValueSerializer(many=True, required=False)
    answers = serializers.DictField(required=False)


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
