"""Appointments: types, providers' availability, appointments and their series, the time blocks
that make double booking impossible, calendar feeds, and the clinic's reminder and feed settings.

Times are stored in UTC; availability is wall-clock time in the clinic's timezone.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from clinics.models import HEX_COLOUR
from core.forms import validate_in_calendar
from core.models import BaseModel, BoundedTextField

# Appointments claim the provider's (and the patient's) time in blocks of this size.
BLOCK_MINUTES = 5
BLOCK = datetime.timedelta(minutes=BLOCK_MINUTES)


def on_block_message() -> str:
    return _("Use a multiple of %(n)s minutes.") % {"n": BLOCK_MINUTES}


def validate_block_time(value: datetime.time):
    if value is not None and (value.minute % BLOCK_MINUTES or value.second or value.microsecond):
        raise ValidationError(
            _("Times are on %(n)s-minute marks (e.g. 09:00, 09:05).") % {"n": BLOCK_MINUTES}
        )


class ClinicAppointmentSettings(BaseModel):
    """The clinic's reminder and calendar-feed settings (one row per clinic, created by the
    new-clinic hook). The booking policy patients meet is on clinics.Clinic."""

    clinic = models.OneToOneField(
        "clinics.Clinic", models.CASCADE, related_name="appointment_settings"
    )
    reminder_hours = models.PositiveIntegerField(
        _("reminder (hours before)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
    )
    provider_feed_shows_names = models.BooleanField(
        _("show patient names in providers' calendar feeds"),
        default=False,
        help_text=_("Off: subscribed calendars show the time and the type only."),
    )

    class Meta:
        verbose_name = _("appointment settings")
        verbose_name_plural = _("appointment settings")


class AppointmentType(BaseModel):
    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(_("name"), max_length=100)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        validators=[MinValueValidator(BLOCK_MINUTES), MaxValueValidator(8 * 60)],
    )
    buffer_minutes = models.PositiveIntegerField(
        _("buffer after (minutes)"), default=0, validators=[MaxValueValidator(120)]
    )
    colour = models.CharField(_("colour"), max_length=7, default="#0d6efd", validators=[HEX_COLOUR])
    telehealth = models.BooleanField(_("telehealth"), default=False)
    patient_bookable = models.BooleanField(_("patients may book"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="appointmenttype_unique_name")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        for field in ("duration_minutes", "buffer_minutes"):
            if getattr(self, field) and getattr(self, field) % BLOCK_MINUTES:
                errors[field] = on_block_message()
        if self.colour:
            self.colour = self.colour.lower()
        if errors:
            raise ValidationError(errors)

    @property
    def duration(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.buffer_minutes)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityRule(BaseModel):
    """A provider's weekly hours, as local wall-clock times in the clinic's timezone. Which
    days and types they apply to is `slots.WeeklyHours`, the values the slot search reads."""

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("provider")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"), validators=[validate_block_time])
    end_time = models.TimeField(_("until"), validators=[validate_block_time])
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, validators=[validate_in_calendar]
    )
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, validators=[validate_in_calendar]
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    # Ids of the appointment types offered in these hours; empty means every type.
    # (A list, not a many-to-many: the MongoDB backend cannot prefetch those.)
    type_ids = models.JSONField(_("types"), default=list, blank=True)

    class Meta:
        ordering = ["weekday", "start_time"]
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        indexes = [models.Index(fields=["clinic", "provider"], name="availrule_provider")]

    def clean(self):
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("The end must be after the start.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end of validity must not be before its start.")
        if errors:
            raise ValidationError(errors)


class AvailabilityException(BaseModel):
    """Time off (a whole day when no times are given) or extra hours on one date."""

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", _("Time off")
        EXTRA = "extra", _("Extra hours")

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="+",
        verbose_name=_("provider"),
        db_index=False,
    )
    date = models.DateField(_("date"), validators=[validate_in_calendar])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start_time = models.TimeField(
        _("from"), null=True, blank=True, validators=[validate_block_time]
    )
    end_time = models.TimeField(_("until"), null=True, blank=True, validators=[validate_block_time])
    location = models.CharField(_("location"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        indexes = [models.Index(fields=["provider", "date"], name="availexc_provider_date")]

    def clean(self):
        if (self.start_time is None) != (self.end_time is None):
            raise ValidationError(_("Give both a start and an end time, or neither."))
        if self.start_time is None and self.kind == self.Kind.EXTRA:
            raise ValidationError({"start_time": _("Extra hours need a start and an end time.")})
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The end must be after the start.")})

    @property
    def whole_day(self) -> bool:
        return self.start_time is None


class Status(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Appointments that hold their time (every status but cancelled).
HOLDING = (Status.BOOKED, Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED, Status.NO_SHOW)
UPCOMING = (Status.BOOKED, Status.CONFIRMED)


class AppointmentSeries(BaseModel):
    """Occurrences booked together by one recurrence (each is an Appointment)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly (same weekday of the month)")

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", models.CASCADE, related_name="+")
    frequency = models.CharField(_("repeats"), max_length=10, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(_("every"), default=1)
    count = models.PositiveSmallIntegerField(_("occurrences"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("appointment series")
        verbose_name_plural = _("appointment series")


class Appointment(BaseModel):
    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    patient = models.ForeignKey(
        "patients.Patient",
        models.CASCADE,
        related_name="+",
        verbose_name=_("patient"),
        db_index=False,
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("provider"),
        db_index=False,
    )
    type = models.ForeignKey(
        AppointmentType, models.PROTECT, related_name="+", verbose_name=_("type")
    )
    series = models.ForeignKey(
        AppointmentSeries,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        db_index=False,
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # end + the type's buffer: the provider's time this appointment takes.
    busy_until = models.DateTimeField()
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    reason = models.CharField(_("reason for visit"), max_length=500, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    # The unguessable part of a telehealth meeting link (TELEHEALTH_URL_TEMPLATE).
    telehealth_room = models.CharField(max_length=64, blank=True, editable=False)
    staff_notes = BoundedTextField(_("notes for staff"), max_length=10_000, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booked_by_patient = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    # The start time whose reminder has gone out: claimed by one conditional write.
    reminder_sent_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["clinic", "start", "id"], name="appt_clinic_start"),
            models.Index(fields=["provider", "start"], name="appt_provider_start"),
            models.Index(fields=["patient", "start"], name="appt_patient_start"),
            models.Index(fields=["series", "start"], name="appt_series_start"),
            # Reminders, across clinics.
            models.Index(fields=["status", "start"], name="appt_status_start"),
            # A clinic's appointments of one status, in order (of every clinic's, the others'
            # would be read and skipped).
            models.Index(
                fields=["clinic", "status", "start", "id"], name="appt_clinic_status_start"
            ),
        ]

    def __str__(self):
        return f"{self.type} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_upcoming(self) -> bool:
        return self.status in UPCOMING

    @property
    def telehealth_url(self) -> str:
        """The meeting link (TELEHEALTH_URL_TEMPLATE with this appointment's secret room)."""
        template = getattr(settings, "TELEHEALTH_URL_TEMPLATE", "")
        if not (template and self.telehealth_room):
            return ""
        return template.format(room=self.telehealth_room)


# What a change did, in the appointment's history ("Dr Grey: moved") and in a refusal ("cannot
# be moved").
CHANGE_LABELS = {
    "book": _("booked"),
    "confirm": _("confirmed"),
    "check_in": _("checked in"),
    "complete": _("completed"),
    "no_show": _("marked as a no-show"),
    "cancel": _("cancelled"),
    "reschedule": _("moved"),
    "notes": _("changed the notes"),
}


class AppointmentChange(BaseModel):
    """The history of an appointment: who booked, moved, confirmed, cancelled it, and when."""

    appointment = models.ForeignKey(
        Appointment, models.CASCADE, related_name="changes", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20)
    previous_start = models.DateTimeField(null=True, blank=True)
    previous_provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["appointment", "created_at"], name="apptchange_appt")]

    @property
    def action_label(self) -> str:
        return CHANGE_LABELS.get(self.action, self.action)


class AppointmentBlock(BaseModel):
    """One BLOCK_MINUTES block of a provider's or a patient's time, held by an appointment.

    The unique index on (resource, start) is what makes double booking impossible on every
    backend, without transactions: booking inserts every block its time covers, and a second
    booking of any of them fails in the database (see appointments.claims).
    """

    resource = models.CharField(max_length=40)  # "provider:<id>" or "patient:<id>"
    start = models.DateTimeField()
    appointment_id = models.CharField(max_length=24)
    claim = models.CharField(max_length=24)  # the booking attempt that wrote it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "start"], name="apptblock_unique_time")
        ]
        indexes = [
            models.Index(fields=["appointment_id"], name="apptblock_appointment"),
            models.Index(fields=["claim"], name="apptblock_claim"),
        ]


class CalendarFeed(BaseModel):
    """A secret calendar URL (/calendar/<token>.ics) of a provider's or a patient's
    appointments; only a hash of the token is kept, and deleting the row revokes it."""

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", db_index=False
    )
    # Set for a patient's own feed; empty for a provider's.
    patient = models.ForeignKey(
        "patients.Patient", models.CASCADE, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner"], name="calfeed_owner")]
