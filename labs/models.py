import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, BoundedTextField
from labs import units
from patients.models import ICD10_CODE, SNOMED_CODE, Condition

VALUE = {"max_digits": 12, "decimal_places": 4, "null": True, "blank": True}


class ValueType(models.TextChoices):
    NUMERIC = "numeric", _("Numeric")
    TEXT = "text", _("Text")
    POSNEG = "posneg", _("Positive / negative")


class Flag(models.TextChoices):
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")
    HIGH = "high", _("High")
    CRITICAL_LOW = "critical_low", _("Critically low")
    CRITICAL_HIGH = "critical_high", _("Critically high")
    ABNORMAL = "abnormal", _("Abnormal")
    NONE = "", _("No reference range")


ABNORMAL_FLAGS = (Flag.LOW, Flag.HIGH, Flag.ABNORMAL)
CRITICAL_FLAGS = (Flag.CRITICAL_LOW, Flag.CRITICAL_HIGH)


class CommunicationMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    SECURE_MESSAGE = "message", _("Secure message")
    OTHER = "other", _("Other")


# Said on the LOINC field by clean(); Django's words for a conditional constraint name only it.
LOINC_TAKEN = _("Another test of the catalogue has this LOINC code.")


class LabTest(BaseModel):
    """One test of a clinic's catalogue (each clinic edits its own copy)."""

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(_("name"), max_length=200)
    loinc_code = models.CharField(_("LOINC code"), max_length=16, blank=True)
    unit = models.CharField(_("unit (UCUM)"), max_length=40, blank=True)
    value_type = models.CharField(
        _("value type"), max_length=10, choices=ValueType.choices, default=ValueType.NUMERIC
    )
    critical_low = models.DecimalField(_("critical low"), **VALUE)
    critical_high = models.DecimalField(_("critical high"), **VALUE)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lab test")
        verbose_name_plural = _("lab tests")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="labtest_unique_name"),
            models.UniqueConstraint(
                fields=["clinic", "loinc_code"],
                condition=Q(loinc_code__gt=""),  # MongoDB's partial indexes take no negation
                name="labtest_unique_loinc",
                violation_error_message=LOINC_TAKEN,
            ),
        ]
        indexes = [models.Index(fields=["clinic", "loinc_code"], name="labtest_loinc")]

    def __str__(self):
        return f"{self.name} ({self.loinc_code})" if self.loinc_code else self.name

    def clean(self):
        self.loinc_code = (self.loinc_code or "").strip()
        if self.loinc_code and not _is_loinc(self.loinc_code):
            raise ValidationError(
                {"loinc_code": _("Not a LOINC code (digits, dash, check digit).")}
            )
        if self.loinc_code and self._loinc_taken():
            raise ValidationError({"loinc_code": LOINC_TAKEN})
        if (
            self.critical_low is not None
            and self.critical_high is not None
            and self.critical_low >= self.critical_high
        ):
            raise ValidationError({"critical_high": _("Must be above the critical low limit.")})

    def _loinc_taken(self) -> bool:
        same = LabTest.objects.filter(clinic_id=self.clinic_id, loinc_code=self.loinc_code)
        return same.exclude(pk=self.pk).exists()


LOINC_SHAPE = re.compile(r"([0-9]+)-([0-9])")  # ASCII: "²".isdigit(), and int() refuses it


def _is_loinc(code: str) -> bool:
    """LOINC codes end in a mod-10 check digit: 2345-7, 4548-4."""
    shape = LOINC_SHAPE.fullmatch(code)
    if not shape:
        return False
    number, check = shape.groups()
    digits = [int(d) for d in number]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10 == int(check)


class ReferenceRange(BaseModel):
    """A normal range for a sex and an age band; several rows per test."""

    class Sex(models.TextChoices):
        ANY = "any", _("Any")
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    test = models.ForeignKey(LabTest, models.CASCADE, related_name="ranges", db_index=False)
    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+")
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.ANY)
    age_min = models.PositiveSmallIntegerField(_("from age (years)"), default=0)
    age_max = models.PositiveSmallIntegerField(
        _("below age (years)"), null=True, blank=True, help_text=_("Empty: no upper limit.")
    )
    low = models.DecimalField(_("low"), **VALUE)
    high = models.DecimalField(_("high"), **VALUE)
    normal_text = models.CharField(
        _("normal value"),
        max_length=60,
        blank=True,
        help_text=_("For text results, e.g. Negative."),
    )

    class Meta:
        ordering = ["test", "sex", "age_min"]
        verbose_name = _("reference range")
        verbose_name_plural = _("reference ranges")
        indexes = [models.Index(fields=["test", "sex"], name="range_test_sex")]

    def __str__(self):
        return self.display

    @property
    def display(self) -> str:
        if self.normal_text:
            return self.normal_text
        low = _plain(self.low)
        high = _plain(self.high)
        if low and high:
            return f"{low}–{high}"
        if high:
            return f"≤ {high}"
        return f"≥ {low}" if low else ""

    def applies_to(self, *, sex: str, age: int) -> bool:
        sex_matches = self.sex == self.Sex.ANY or self.sex == sex
        return sex_matches and self.age_min <= age and (self.age_max is None or age < self.age_max)

    def clean(self):
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValidationError({"high": _("The high limit is below the low limit.")})
        if self.age_max is not None and self.age_max <= self.age_min:
            raise ValidationError({"age_max": _("The age band is empty.")})


# A decimal point between two digits of a stored text ("0.59–1.04"), never a full stop.
DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def reader_decimals(text: str) -> str:
    """A stored text with numbers (a reference range is kept as "0.59–1.04") with the reader's
    decimal separator, 0,59–1,04 in es and fr, like the values beside it (display_value)."""
    return DECIMAL_POINT.sub(formats.get_format("DECIMAL_SEPARATOR"), text)


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def places_of(number: Decimal) -> int:
    """The decimal places a number is written with: 1.10 has 2, 5 and 1E+2 have none."""
    return max(0, -number.as_tuple().exponent)


class WrittenValue:
    """A value shown as it was written: in lab reporting the written precision is part of the
    result (creatinine 1.10 is not 1.1). For `value_numeric`, `value_text`, `unit` and
    `value_places` (the decimal places as entered; empty on rows older than it)."""

    @property
    def value_decimals(self) -> int | None:
        """The decimal places to show; without trailing zeros where none were recorded."""
        if self.value_numeric is None:
            return None
        if self.value_places is not None:
            return self.value_places
        return places_of(self.value_numeric.normalize())

    @property
    def written_number(self) -> Decimal | None:
        """The number with its decimal places: Decimal("1.10"), where the database has 1.1000."""
        if self.value_numeric is None:
            return None
        return self.value_numeric.quantize(Decimal(1).scaleb(-self.value_decimals))

    @property
    def display_value(self) -> str:
        """The value and its unit, with the reader's decimal separator (1,10 in es and fr)."""
        if self.value_numeric is None:
            return self.value_text
        number = formats.number_format(self.written_number)
        return f"{number} {units.display(self.unit)}".strip()


class LabPanel(BaseModel):
    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(_("name"), max_length=200)
    loinc_code = models.CharField(_("LOINC code"), max_length=16, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lab panel")
        verbose_name_plural = _("lab panels")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="labpanel_unique_name")
        ]

    def __str__(self):
        return self.name


class PanelItem(BaseModel):
    """A test in a panel (an explicit model, so it prefetches on every backend)."""

    panel = models.ForeignKey(LabPanel, models.CASCADE, related_name="items", db_index=False)
    test = models.ForeignKey(LabTest, models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["panel", "position"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "test"], name="panelitem_unique_test")
        ]


class LabOrder(BaseModel):
    class Priority(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        URGENT = "urgent", _("Urgent")
        STAT = "stat", _("STAT")

    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered")
        COLLECTED = "collected", _("Collected")
        RESULTED = "resulted", _("Resulted")
        REVIEWED = "reviewed", _("Reviewed")
        CANCELLED = "cancelled", _("Cancelled")

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    patient = models.ForeignKey(
        "patients.Patient", models.CASCADE, related_name="lab_orders", db_index=False
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.ROUTINE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ORDERED
    )
    notes = BoundedTextField(_("notes"), max_length=5_000, blank=True)
    # Why the tests are ordered, coded like the patient's problems (ICD-10 or SNOMED CT).
    indication = models.CharField(_("indication / diagnosis"), max_length=200, blank=True)
    indication_code = models.CharField(_("code"), max_length=20, blank=True)
    indication_system = models.CharField(
        _("code system"), max_length=10, choices=Condition.CodeSystem.choices, blank=True
    )
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    cancelled_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lab order")
        verbose_name_plural = _("lab orders")
        indexes = [
            models.Index(fields=["clinic", "status", "-created_at"], name="laborder_status"),
            models.Index(fields=["patient", "-created_at"], name="laborder_patient"),
            # Every order of the clinic, newest first, without sorting them all per page. The
            # patient and status at the end: a patient search or the open orders check them on
            # the index entry instead of each order's row (a search for "smi" in 16,953 orders:
            # 12 -> 5 ms).
            models.Index(
                fields=["clinic", "-created_at", "-id", "patient", "status"],
                name="laborder_clinic_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} order {self.pk}"

    def clean(self):
        self.indication_code = (self.indication_code or "").strip().upper()
        if self.indication_code and not self.indication_system:
            raise ValidationError(
                {"indication_system": _("Say which code system the code is from.")}
            )
        code, system = self.indication_code, self.indication_system
        if code and system == Condition.CodeSystem.ICD10 and not ICD10_CODE.fullmatch(code):
            raise ValidationError({"indication_code": _("Not an ICD-10 code (e.g. E11.9).")})
        if code and system == Condition.CodeSystem.SNOMED and not SNOMED_CODE.fullmatch(code):
            raise ValidationError(
                {"indication_code": _("A SNOMED CT code is a number (e.g. 44054006).")}
            )

    def items_awaiting(self, results) -> list["LabOrderItem"]:
        """The items none of `results` answers yet: the one rule of "which tests still need a
        result" (a result answers the item of its test). Callers choose which results count."""
        answered = {result.test_id for result in results}
        return [item for item in self.items.all() if item.test_id not in answered]


class LabOrderItem(BaseModel):
    order = models.ForeignKey(LabOrder, models.CASCADE, related_name="items", db_index=False)
    test = models.ForeignKey(LabTest, models.PROTECT, related_name="+")
    panel = models.ForeignKey(LabPanel, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["order", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["order", "test"], name="orderitem_unique_test")
        ]


class LabResult(WrittenValue, BaseModel):
    class Status(models.TextChoices):
        PRELIMINARY = "preliminary", _("Preliminary")
        FINAL = "final", _("Final")
        CORRECTED = "corrected", _("Corrected")

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    patient = models.ForeignKey(
        "patients.Patient", models.CASCADE, related_name="lab_results", db_index=False
    )
    order = models.ForeignKey(
        LabOrder, models.SET_NULL, null=True, blank=True, related_name="results"
    )
    test = models.ForeignKey(LabTest, models.PROTECT, related_name="results")
    value_numeric = models.DecimalField(_("value"), **VALUE)
    value_places = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    value_text = models.CharField(_("value"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    # The reference range that applied, copied for the patient's sex and age at collection.
    reference_low = models.DecimalField(_("reference low"), **VALUE)
    reference_high = models.DecimalField(_("reference high"), **VALUE)
    reference_text = models.CharField(_("reference range"), max_length=60, blank=True)
    flag = models.CharField(_("flag"), max_length=16, choices=Flag.choices, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default="final")
    collected_at = models.DateTimeField(_("collected at"))
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    performing_lab = models.CharField(_("performing lab"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = BoundedTextField(_("review comment"), max_length=2_000, blank=True)
    # A critical value must be told to someone before it is signed off: who, how, when, by whom.
    critical_communicated_to = models.CharField(_("communicated to"), max_length=200, blank=True)
    critical_communication_method = models.CharField(
        _("communicated by"), max_length=16, choices=CommunicationMethod.choices, blank=True
    )
    critical_communicated_at = models.DateTimeField(_("communicated at"), null=True, blank=True)
    critical_communicated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Place in the review queue (labs.flags.review_priority): 0 critical, 1 abnormal, 2 other;
    # empty once reviewed or while preliminary. Stored so the queue is one index walk.
    review_priority = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-collected_at", "-id"]
        verbose_name = _("lab result")
        verbose_name_plural = _("lab results")
        indexes = [
            models.Index(fields=["patient", "test", "-collected_at"], name="result_patient_test"),
            models.Index(fields=["patient", "-collected_at"], name="result_patient_time"),
            # Each entry also holds the patient and the order, which the queue's pages group by
            # and a patient search filters on: those walks then read no result row (a search
            # in a 20,000-result queue 48 -> 26 ms).
            models.Index(
                fields=["clinic", "review_priority", "-collected_at", "-id", "patient", "order"],
                name="result_review_queue",
            ),
            # The clinic's results in the list's order, to its last field: a page by number
            # skips ids read from the index alone (page 4,000 of 1,000,000 looked each row up
            # for its id and sorted each time's ties).
            models.Index(fields=["clinic", "-collected_at", "-id"], name="result_clinic_time"),
            # The clinic's results of a status or a flag, newest first, each entry holding the
            # other: at 1,000,000 results the 867 preliminary ones were found by reading them
            # all (1.3 s for the API's page and count), the critical ones too (1.5 s).
            models.Index(
                fields=["clinic", "status", "-collected_at", "-id", "flag"],
                name="result_clinic_status",
            ),
            models.Index(
                fields=["clinic", "flag", "-collected_at", "-id", "status"],
                name="result_clinic_flag",
            ),
        ]

    def __str__(self):
        return f"{self.test.name}: {self.display_value}"

    @property
    def value(self):
        return self.value_numeric if self.value_numeric is not None else self.value_text

    @property
    def is_critical(self) -> bool:
        return self.flag in CRITICAL_FLAGS

    @property
    def is_abnormal(self) -> bool:
        return self.flag in ABNORMAL_FLAGS or self.flag in CRITICAL_FLAGS

    @property
    def needs_communication(self) -> bool:
        """A critical value nobody has yet recorded telling a clinician about."""
        return self.is_critical and self.critical_communicated_at is None


class LabResultRevision(WrittenValue, BaseModel):
    """A result's earlier value, kept when it is corrected."""

    result = models.ForeignKey(LabResult, models.CASCADE, related_name="revisions")
    value_numeric = models.DecimalField(**VALUE)
    value_places = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    value_text = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    flag = models.CharField(max_length=16, choices=Flag.choices, blank=True)
    status = models.CharField(max_length=12, choices=LabResult.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["result", "-created_at"]


class LabImport(BaseModel):
    """A CSV file imported once: the same file again is recognised by its digest."""

    clinic = models.ForeignKey("clinics.Clinic", models.CASCADE, related_name="+", db_index=False)
    digest = models.CharField(max_length=64)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    rows_written = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lab results import")
        verbose_name_plural = _("lab results imports")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "digest"], name="labimport_unique_digest")
        ]

    def __str__(self):
        return self.filename or self.digest[:12]


class LabSettings(BaseModel):
    """A clinic's lab preferences (beside its catalogue): the unit system its tests use."""

    class UnitSystem(models.TextChoices):
        CONVENTIONAL = "conventional", _("Conventional units (mg/dL, %)")
        SI = "si", _("SI units (mmol/L, µmol/L, mmol/mol)")

    clinic = models.OneToOneField("clinics.Clinic", models.CASCADE, related_name="+")
    unit_system = models.CharField(
        _("units of the catalogue"),
        max_length=12,
        choices=UnitSystem.choices,
        default=UnitSystem.CONVENTIONAL,
    )

    class Meta:
        verbose_name = _("lab settings")
        verbose_name_plural = _("lab settings")

    def __str__(self):
        return self.get_unit_system_display()
