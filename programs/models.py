"""Care programmes: a clinic's templates (versioned: a published version is never edited, a
new draft is), their steps and goals, a patient's enrolment in one version, the tasks it
generates and the measurements taken through them.

Integrity without transactions (MongoDB): a programme's name is claimed under a unique index
(ProgramName); one active enrolment per patient and programme is a unique `active_key`; each
task exists once per (enrolment, step, day); state changes are compare-and-set writes on the
current state.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from programs.catalogue import MEASURE_CHOICES, MEASURES

MAX_DURATION_DAYS = 730


class ProgramTemplate(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, db_index=False)
    # Every version of one programme shares its lineage (the first version's id).
    lineage = models.CharField(max_length=24)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration_days = models.PositiveIntegerField(_("duration (days)"), default=84)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["lineage", "version"], name="programs_template_version_once"
            )
        ]
        indexes = [models.Index(fields=["clinic", "status", "name"])]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def clean(self):
        if not 1 <= (self.duration_days or 0) <= MAX_DURATION_DAYS:
            raise ValidationError(
                {"duration_days": _("Between 1 and %(n)d days.") % {"n": MAX_DURATION_DAYS}}
            )


class ProgramName(BaseModel):
    """A name a programme of the clinic uses (any of its versions'), held by its lineage.

    Two programmes never share a name, but a programme's versions do, so no constraint on the
    templates can say it; the unique (clinic, key) index here does: of two programmes created
    or renamed to one name at the same instant, one claims it and the other is refused, on
    every backend and with no transaction."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, db_index=False)
    key = models.CharField(max_length=200)  # the name casefolded: no two differ only by case
    lineage = models.CharField(max_length=24)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "key"], name="programs_name_once")]
        indexes = [models.Index(fields=["lineage"])]

    def __str__(self):
        return self.key


def _number(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _valid_targets(targets, measure: str) -> bool:
    if not isinstance(targets, dict):
        return False
    codes = {c.code for c in MEASURES[measure].components} if measure in MEASURES else set()
    return all(
        code in codes
        and isinstance(limits, dict)
        and set(limits) <= {"low", "high"}
        and all(_number(v) for v in limits.values())
        for code, limits in targets.items()
    )


def _valid_questions(questions) -> bool:
    return isinstance(questions, list) and all(
        isinstance(q, dict)
        and isinstance(q.get("key"), str)
        and q["key"]
        and isinstance(q.get("text"), str)
        and q.get("type") in ("yes_no", "scale", "text")
        for q in questions
    )


class Step(BaseModel):
    class Kind(models.TextChoices):
        EDUCATION = "education", _("Education")
        MEASUREMENT = "measurement", _("Measurement")
        CHECK_IN = "check_in", _("Check-in")
        APPOINTMENT = "appointment", _("Appointment")

    class Repeat(models.TextChoices):
        NONE = "", _("Once")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        EVERY_N_DAYS = "every_n_days", _("Every N days")

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE)
    template = models.ForeignKey(ProgramTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    day = models.PositiveIntegerField(_("day"), default=0)  # day 0 is the start date
    repeat = models.CharField(_("repeat"), max_length=16, choices=Repeat.choices, blank=True)
    every_days = models.PositiveIntegerField(_("every N days"), null=True, blank=True)
    until_day = models.PositiveIntegerField(_("until day"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), blank=True)
    measure = models.CharField(_("measurement"), max_length=24, choices=MEASURE_CHOICES, blank=True)
    # {"8480-6": {"low": null, "high": 130}}: the target range per code (optional).
    targets = models.JSONField(default=dict, blank=True)
    # [{"key": "dizzy", "text": "...", "type": "yes_no" | "scale" | "text"}]
    questions = models.JSONField(default=list, blank=True)
    appointment_type = models.CharField(_("appointment type"), max_length=100, blank=True)
    window_days = models.PositiveIntegerField(_("booking window (days)"), default=7)

    class Meta:
        ordering = ["day", "position"]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.kind == self.Kind.MEASUREMENT and not self.measure:
            errors["measure"] = _("Choose what is measured.")
        if self.repeat == self.Repeat.EVERY_N_DAYS and not self.every_days:
            errors["every_days"] = _("Say how many days apart.")
        if self.until_day is not None and self.until_day < self.day:
            errors["until_day"] = _("The last day comes after the first.")
        if not _valid_targets(self.targets, self.measure):
            errors["targets"] = _(
                'Targets are {"<code of the measurement>": {"low": number, "high": number}}.'
            )
        if not _valid_questions(self.questions):
            errors["questions"] = _("Each question needs a key, a text and a type.")
        if errors:
            raise ValidationError(errors)

    def days(self, duration_days: int) -> list[int]:
        """The programme days this step falls on (0-based), within the programme."""
        last = duration_days - 1
        if self.until_day is not None:
            last = min(last, self.until_day)
        if self.day > last:
            return []
        step = {self.Repeat.DAILY: 1, self.Repeat.WEEKLY: 7}.get(self.repeat)
        if self.repeat == self.Repeat.EVERY_N_DAYS:
            step = self.every_days
        if not step:
            return [self.day]
        return list(range(self.day, last + 1, step))


class Goal(BaseModel):
    class Kind(models.TextChoices):
        AVERAGE = "average", _("Measurement average")
        COUNT = "count", _("Count of tasks done")

    class Comparator(models.TextChoices):
        LT = "lt", "<"
        LE = "le", "≤"
        GT = "gt", ">"
        GE = "ge", "≥"

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE)
    template = models.ForeignKey(ProgramTemplate, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.CharField(max_length=200)
    code = models.CharField(max_length=20, blank=True)  # average: the measured code
    comparator = models.CharField(max_length=2, choices=Comparator.choices, default="lt")
    value = models.FloatField(default=0)  # average: the target; count: how many
    window_days = models.PositiveIntegerField(default=14)  # over the last N days
    task_kind = models.CharField(max_length=16, choices=Step.Kind.choices, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.description


class Enrollment(BaseModel):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, db_index=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, db_index=False)
    template = models.ForeignKey(ProgramTemplate, on_delete=models.PROTECT)
    care_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start_date = models.DateField()
    end_date = models.DateField()  # the last programme day, moved on by pauses
    state = models.CharField(max_length=12, choices=State.choices, default=State.ACTIVE)
    reason = models.CharField(max_length=300, blank=True)
    paused_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # "<patient>:<lineage>" while active or paused, else NULL: enrolling twice is refused by
    # the unique index, on every backend.
    active_key = models.CharField(max_length=60, null=True, blank=True, unique=True)
    # Kept up to date by task writes and the nightly job, so the dashboard sorts by them.
    adherence = models.PositiveSmallIntegerField(null=True, blank=True)  # % (None: none due)
    adherence_on = models.DateField(null=True, blank=True)
    off_target = models.BooleanField(default=False)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    reminder_hour = models.PositiveSmallIntegerField(default=8)  # local hour of the daily push
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["clinic", "state", "adherence", "last_activity_at", "id"]),
            models.Index(fields=["clinic", "state", "last_activity_at", "id"]),
            # The dashboard's default order (newest first) read off the index, not sorted.
            models.Index(fields=["clinic", "state", "start_date", "id"]),
            # The API's, every state at once: 10,000 enrolments were sorted per page (27 ms).
            models.Index(fields=["clinic", "start_date", "id"]),
            models.Index(fields=["patient", "state"]),
        ]

    def __str__(self):
        return f"{self.template.name} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.ACTIVE, self.State.PAUSED)


class Task(BaseModel):
    class Status(models.TextChoices):
        DUE = "due", _("Due")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        MISSED = "missed", _("Missed")

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, db_index=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, db_index=False)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="tasks", db_index=False
    )
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    day = models.PositiveIntegerField()  # the programme day it was generated for
    kind = models.CharField(max_length=16, choices=Step.Kind.choices)
    due_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DUE)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Who recorded it done or skipped: the patient (their app) or staff on their behalf.
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_time = models.BooleanField(default=False)  # done on or before its due date
    values = models.JSONField(default=list, blank=True)  # [{"code", "value", "unit"}]
    answers = models.JSONField(default=dict, blank=True)  # {question key: answer}
    # An appointment task recorded done by booking its visit: the appointment (of the
    # appointments app, by id: no key across domain apps) and its day in the clinic, kept by
    # the appointments app's events (programs.services.appointment_booked and the others).
    appointment_id = models.CharField(max_length=24, blank=True, default="")
    booked_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "step", "day"], name="programs_task_once_per_day"
            )
        ]
        indexes = [
            models.Index(fields=["enrollment", "due_date"]),
            models.Index(fields=["patient", "due_date"]),
            models.Index(fields=["clinic", "status", "due_date"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.due_date}"


class Measurement(BaseModel):
    """One value taken through a task, in the catalogue's unit."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="measurements", db_index=False
    )
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="measurements")
    code = models.CharField(max_length=20)
    value = models.FloatField()
    unit = models.CharField(max_length=20)
    measured_at = models.DateTimeField()
    off_target = models.BooleanField(default=False)
    alert = models.BooleanField(default=False)

    class Meta:
        ordering = ["measured_at", "id"]
        indexes = [models.Index(fields=["enrollment", "code", "measured_at"])]

    def __str__(self):
        return f"{self.code} {self.value} {self.unit}"
