import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import OUTSIDE_CALENDAR, in_calendar
from core.models import (
    BaseModel,
    BoundedTextField,
    validate_no_bidi_controls,
    validate_no_direction_overrides,
)
from core.words import search_key
from patients import phones

ICD10_CODE = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")
SNOMED_CODE = re.compile(r"[0-9]+")  # ASCII digits: "²".isdigit() is true
PHONE_MAX_LENGTH = 40


def full_name(first_name: str, last_name: str) -> str:
    """A patient's name as every page shows it (also for names read as values, not models)."""
    return f"{first_name} {last_name}".strip()


def phone_digits(phone: str) -> str:
    return phones.digits(phone)


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class AllergyStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Allergies not yet recorded")
    NO_KNOWN_ALLERGIES = "no_known_allergies", _("No known allergies")
    HAS_ALLERGIES = "has_allergies", _("Has allergies")


def validate_date_of_birth(day) -> None:
    """Not after the clinic's today (the active timezone), nor before 1880 (a mistyped year).
    The patient form checks it with its other fields, so each refusal shows at once."""
    if day > timezone.localdate():
        raise ValidationError(_("The date of birth is in the future."))
    if day.year < 1880:
        raise ValidationError(_("The date of birth is before 1880."))


class Patient(BaseModel):
    clinic = models.ForeignKey(
        "clinics.Clinic",
        models.PROTECT,
        related_name="patients",
        verbose_name=_("clinic"),
        db_index=False,
    )
    mrn = models.CharField(_("MRN"), max_length=16, editable=False)
    first_name = models.CharField(
        _("first name"), max_length=100, validators=[validate_no_bidi_controls]
    )
    last_name = models.CharField(
        _("last name"), max_length=100, validators=[validate_no_bidi_controls]
    )
    preferred_name = models.CharField(
        _("preferred name"), max_length=100, blank=True, validators=[validate_no_bidi_controls]
    )
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(
        _("administrative sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN
    )
    # E.164 when the number could be read with the clinic's country, else as entered.
    phone = models.CharField(_("phone"), max_length=PHONE_MAX_LENGTH, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = BoundedTextField(_("address"), max_length=500, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=150, blank=True)
    emergency_contact_relationship = models.CharField(_("relationship"), max_length=60, blank=True)
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=PHONE_MAX_LENGTH, blank=True
    )
    preferred_language = models.CharField(_("preferred language"), max_length=60, blank=True)
    staff_notes = BoundedTextField(
        _("notes for staff"),
        max_length=10_000,
        blank=True,
        validators=[validate_no_direction_overrides],
    )
    is_archived = models.BooleanField(_("archived"), default=False)
    allergy_status = models.CharField(
        _("allergy status"),
        max_length=20,
        choices=AllergyStatus.choices,
        default=AllergyStatus.UNKNOWN,
        help_text=_(
            "Kept by the allergy services: staff record “no known allergies”; the first "
            "active allergy makes it “has allergies”."
        ),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient_record",
        verbose_name=_("portal account"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Derived search columns (kept by services), indexed so search stays fast at 100k rows.
    first_name_key = models.CharField(max_length=100, editable=False, default="")
    last_name_key = models.CharField(max_length=100, editable=False, default="")
    preferred_name_key = models.CharField(max_length=100, editable=False, default="")
    phone_key = models.CharField(max_length=32, editable=False, default="")
    email_key = models.CharField(max_length=254, editable=False, default="")

    class Meta:
        ordering = ["last_name_key", "first_name_key", "id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="patient_unique_mrn_per_clinic")
        ]
        # The three name indexes each hold the list's filter (clinic, archived), its whole sort
        # key (last, first, id) and all three names, so a name search sorts its matches from
        # the indexes alone: "smi" at 1,000,000 patients (4,653 matches) 12 -> 1 ms, "jo"
        # (30,429) 84 -> 12 ms. The trailing preferred name lets a second word be checked
        # without reading the row: "jo smi" 4.8 -> 0.8 ms, its count 5.0 -> 0.7.
        indexes = [
            models.Index(
                fields=[
                    "clinic",
                    "is_archived",
                    "last_name_key",
                    "first_name_key",
                    "id",
                    "preferred_name_key",
                ],
                name="patient_name_sort",
            ),
            models.Index(
                fields=[
                    "clinic",
                    "is_archived",
                    "first_name_key",
                    "last_name_key",
                    "id",
                    "preferred_name_key",
                ],
                name="patient_first_name",
            ),
            models.Index(
                fields=[
                    "clinic",
                    "is_archived",
                    "preferred_name_key",
                    "last_name_key",
                    "first_name_key",
                    "id",
                ],
                name="patient_preferred_name",
            ),
            models.Index(fields=["clinic", "phone_key"], name="patient_phone"),
            models.Index(fields=["clinic", "email_key"], name="patient_email"),
            # The list reads each status in each of its orders from an index, 25 entries a page
            # whatever the clinic's size. "Active" and "Archived" from (clinic, is_archived, the
            # order): the name indexes above, and these.
            models.Index(
                fields=["clinic", "is_archived", "created_at", "id"], name="patient_created"
            ),
            models.Index(
                fields=["clinic", "is_archived", "date_of_birth", "id"], name="patient_status_dob"
            ),
            models.Index(fields=["clinic", "is_archived", "mrn"], name="patient_status_mrn"),
            # "Active and archived" from (clinic, the order), each entry holding the status its
            # `is_archived IN (0, 1)` checks, and the MRN's unique constraint. At 1,000,000
            # patients sorting the clinic instead took 0.3 s a page by name or date of birth, 0.7
            # newest first, and "Archived" by date of birth 1.4 s.
            models.Index(
                fields=["clinic", "last_name_key", "first_name_key", "id", "is_archived"],
                name="patient_all_names",
            ),
            models.Index(
                fields=["clinic", "date_of_birth", "id", "is_archived"], name="patient_dob"
            ),
            models.Index(
                fields=["clinic", "created_at", "id", "is_archived"], name="patient_all_created"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        if self.preferred_name and self.preferred_name != self.first_name:
            return f"{self.first_name} ({self.preferred_name}) {self.last_name}"
        return self.full_name

    def age(self, on=None) -> int:
        on = on or timezone.localdate()
        born = self.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    @property
    def phone_unchecked(self) -> bool:
        """A number kept as entered because it could not be read (the page says so)."""
        return bool(self.phone) and not phones.is_e164(self.phone)

    @property
    def emergency_phone_unchecked(self) -> bool:
        phone = self.emergency_contact_phone
        return bool(phone) and not phones.is_e164(phone)

    def clean(self):
        country = self.clinic.country_code if self.clinic_id else ""
        self.phone, _ok = phones.normalize(self.phone, country)
        self.emergency_contact_phone, _ok = phones.normalize(self.emergency_contact_phone, country)
        for name in ("first_name", "last_name", "preferred_name"):
            setattr(self, name, (getattr(self, name) or "").strip())
        self.email = (self.email or "").strip().lower()
        if self.date_of_birth:
            try:
                validate_date_of_birth(self.date_of_birth)
            except ValidationError as refused:
                raise ValidationError({"date_of_birth": refused.messages}) from None
        self.first_name_key = search_key(self.first_name)
        self.last_name_key = search_key(self.last_name)
        self.preferred_name_key = search_key(self.preferred_name)
        self.phone_key = phones.search_key(self.phone, country)
        self.email_key = self.email


class ClinicalRecord(BaseModel):
    """Shared shape of the clinical summary: always the patient's, always the patient's clinic."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class Allergy(ClinicalRecord):
    class Severity(models.TextChoices):
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")
        UNKNOWN = "unknown", _("Unknown")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        RESOLVED = "resolved", _("Resolved")

    # Most severe first, wherever allergies or their conflicts are listed by severity.
    SEVERITY_RANK = {"severe": 0, "moderate": 1, "mild": 2, "unknown": 3}

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="allergies", db_index=False
    )
    substance = models.CharField(
        _("substance"), max_length=200, validators=[validate_no_direction_overrides]
    )
    code = models.CharField(
        _("ATC code"),
        max_length=20,
        blank=True,
        help_text=_("Set when the substance was picked from the coded list (patients.vocabulary)."),
    )
    reaction = models.CharField(
        _("reaction"), max_length=200, blank=True, validators=[validate_no_direction_overrides]
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.UNKNOWN
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="active")

    class Meta:
        ordering = ["status", "substance"]
        verbose_name = _("allergy")
        verbose_name_plural = _("allergies")
        indexes = [models.Index(fields=["patient", "status"], name="allergy_patient")]

    def __str__(self):
        return self.substance


class Condition(ClinicalRecord):
    class CodeSystem(models.TextChoices):
        NONE = "", _("None")
        ICD10 = "icd10", _("ICD-10")
        SNOMED = "snomed", _("SNOMED CT")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RESOLVED = "resolved", _("Resolved")

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="conditions", db_index=False
    )
    name = models.CharField(
        _("condition"), max_length=200, validators=[validate_no_direction_overrides]
    )
    code = models.CharField(_("code"), max_length=20, blank=True)
    code_system = models.CharField(
        _("code system"), max_length=10, choices=CodeSystem.choices, blank=True, default=""
    )
    onset_date = models.DateField(_("onset date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="active")

    class Meta:
        ordering = ["status", "name"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [models.Index(fields=["patient", "status"], name="condition_patient")]

    def __str__(self):
        return self.name

    def clean(self):
        self.code = (self.code or "").strip().upper()
        if self.code and not self.code_system:
            raise ValidationError({"code_system": _("Say which code system the code is from.")})
        if (
            self.code_system == self.CodeSystem.ICD10
            and self.code
            and not ICD10_CODE.fullmatch(self.code)
        ):
            raise ValidationError({"code": _("Not an ICD-10 code (e.g. E11.9).")})
        if (
            self.code_system == self.CodeSystem.SNOMED
            and self.code
            and not SNOMED_CODE.fullmatch(self.code)
        ):
            raise ValidationError({"code": _("A SNOMED CT code is a number (e.g. 44054006).")})
        if self.onset_date and self.onset_date > timezone.localdate():
            raise ValidationError({"onset_date": _("The onset date is in the future.")})
        if _before_birth(self.onset_date, self.patient_id and self.patient):
            raise ValidationError({"onset_date": _("The onset date is before the date of birth.")})


class Medication(ClinicalRecord):
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="medications", db_index=False
    )
    name = models.CharField(
        _("medication"), max_length=200, validators=[validate_no_direction_overrides]
    )
    code = models.CharField(
        _("ATC code"),
        max_length=20,
        blank=True,
        help_text=_(
            "Set when the medication was picked from the coded list (patients.vocabulary)."
        ),
    )
    allergy_override_reason = models.TextField(
        _("allergy override reason"),
        blank=True,
        validators=[validate_no_direction_overrides],
        help_text=_("Why it was prescribed despite a matching allergy (kept with the record)."),
    )
    dose = models.CharField(
        _("dose"), max_length=100, blank=True, validators=[validate_no_direction_overrides]
    )
    frequency = models.CharField(
        _("frequency"), max_length=100, blank=True, validators=[validate_no_direction_overrides]
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-is_active", "name"]
        verbose_name = _("medication")
        verbose_name_plural = _("medications")
        indexes = [models.Index(fields=["patient", "is_active"], name="medication_patient")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})
        if _before_birth(self.start_date, self.patient_id and self.patient):
            raise ValidationError({"start_date": _("The start date is before the date of birth.")})
        for name in ("start_date", "end_date"):
            day = getattr(self, name)
            if day and not in_calendar(day):
                raise ValidationError({name: OUTSIDE_CALENDAR})


def _before_birth(day, patient) -> bool:
    """A clinical date before the patient was born is a typing slip (0001-01-01, 1019 for 2019)."""
    return bool(day and patient and patient.date_of_birth and day < patient.date_of_birth)


class RecentPatient(BaseModel):
    """A patient a staff member opened lately: the header search offers them before typing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("recently opened patient")
        verbose_name_plural = _("recently opened patients")
        constraints = [
            models.UniqueConstraint(fields=["user", "patient"], name="recent_patient_unique")
        ]
        indexes = [models.Index(fields=["user", "-opened_at"], name="recent_patient_user")]
