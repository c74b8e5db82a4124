"""Lab writes: catalogue, orders, results (flagged by the server), corrections, review, import.

Each service checks its permission (commands and tasks call them too). The records it is given
(patient, test, panel, order) come from the access calls in labs.selectors / patients.selectors,
so reach is decided there (404) and never again here. A broken rule is one typed error that both
front doors render: a ValidationError (400, next to the field), an InactiveTest (400) or a
Conflict (409, e.g. a second result for a test its order already has a result for).
"""

import copy
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from core import transactions
from core.audit import CREATE, DELETE, UPDATE, audit
from core.dates import local_moment
from core.errors import Conflict, ServiceError
from core.events import emit
from core.forms import FIRST_DAY, LAST_DAY, in_calendar
from core.numbers import PLAIN_NUMBER, clinic_decimal_comma, with_decimal_point
from core.roles import require
from core.services import model_update, only_fields
from labs import catalogue, units
from labs.flags import applicable_range, flag_for, review_priority, stored_range
from labs.models import (
    CommunicationMethod,
    LabImport,
    LabOrder,
    LabOrderItem,
    LabPanel,
    LabResult,
    LabResultRevision,
    LabSettings,
    LabTest,
    PanelItem,
    ReferenceRange,
    ValueType,
    places_of,
)
from labs.selectors import labtest_list
from patients.models import Patient
from patients.selectors import patient_list

FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of lab machines drift a little
PLACES = Decimal("0.0001")  # the decimals a value is stored with (LabResult.value_numeric)
SCIENTIFIC_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+")  # 1e3, 2.5E-2
POSNEG_VALUES = {
    "positive": "Positive",
    "negative": "Negative",
    "pos": "Positive",
    "neg": "Negative",
}
LABTEST_FIELDS = (
    "name",
    "loinc_code",
    "unit",
    "value_type",
    "critical_low",
    "critical_high",
    "is_active",
)
RANGE_FIELDS = ("sex", "age_min", "age_max", "low", "high", "normal_text")
# Not checked again by full_clean(): the relations came through the access calls, and the id is
# a fresh ObjectId (each check would be one more query per result, per row of an import).
RESULT_GIVEN = ["id", "clinic", "patient", "test", "order", "entered_by", "reviewed_by"]


class InactiveTest(ServiceError):
    """A test switched off in the catalogue is not ordered, nor entered as an outside result."""

    code = "inactive_test"

    def __init__(self, test: LabTest):
        super().__init__(
            _("%(test)s is inactive in the catalogue: it can no longer be ordered or resulted.")
            % {"test": test.name},
            test=str(test.pk),
        )


class CriticalNotCommunicated(Conflict):
    """A critical value is signed off only once someone has recorded who was told, and when."""

    code = "critical_not_communicated"

    def __init__(self, results: list[LabResult]):
        names = ", ".join(f"{r.test.name} ({r.display_value})" for r in results)
        super().__init__(
            _(
                "Record who was told of the critical value first (%(results)s): it cannot be "
                "signed off until its communication is recorded."
            )
            % {"results": names},
            results=[str(r.pk) for r in results],
        )


def _active(test: LabTest) -> LabTest:
    if not test.is_active:
        raise InactiveTest(test)
    return test


# --- Catalogue -----------------------------------------------------------------------------------
@transactions.unit
def catalogue_install(*, clinic, unit_system: str | None = None) -> None:
    """Give a clinic the starter catalogue; tests it already has (by LOINC) are left alone.

    In the clinic's unit system (its LabSettings, created here with `unit_system` or the
    deployment's LABS_UNIT_SYSTEM): SI converts the tests whose factor the catalogue knows."""
    default = unit_system or getattr(settings, "LABS_UNIT_SYSTEM", units.CONVENTIONAL)
    preferences, _created = LabSettings.objects.get_or_create(
        clinic=clinic, defaults={"unit_system": default}
    )
    in_si = preferences.unit_system == units.SI
    existing = set(LabTest.objects.filter(clinic=clinic).values_list("loinc_code", flat=True))
    tests, ranges = [], []
    for name, loinc, unit, value_type, crit_low, crit_high, rows in catalogue.TESTS:
        if loinc in existing:
            continue
        to_unit = _si_converter(loinc, unit) if in_si else None
        convert = to_unit.to_si if to_unit else _decimal
        test = LabTest(
            clinic=clinic,
            name=name,
            loinc_code=loinc,
            unit=to_unit.si if to_unit else unit,
            value_type=value_type,
            critical_low=_converted(convert, crit_low),
            critical_high=_converted(convert, crit_high),
        )
        tests.append(test)
        for sex, age_min, age_max, low, high, text in rows:
            ranges.append(
                ReferenceRange(
                    test=test,
                    clinic=clinic,
                    sex=sex,
                    age_min=age_min,
                    age_max=age_max,
                    low=_converted(convert, low),
                    high=_converted(convert, high),
                    normal_text=text,
                )
            )
    LabTest.objects.bulk_create(tests)
    ReferenceRange.objects.bulk_create(ranges)
    by_loinc = {t.loinc_code: t for t in LabTest.objects.filter(clinic=clinic)}
    existing_panels = set(LabPanel.objects.filter(clinic=clinic).values_list("name", flat=True))
    for name, loinc, codes in catalogue.PANELS:
        if name in existing_panels:
            continue
        panel = LabPanel.objects.create(clinic=clinic, name=name, loinc_code=loinc)
        PanelItem.objects.bulk_create(
            PanelItem(panel=panel, test=by_loinc[code], position=position)
            for position, code in enumerate(codes)
            if code in by_loinc
        )


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _si_converter(loinc: str, unit: str):
    conversion = units.CONVERSIONS.get(loinc)
    if conversion and units.normalise(conversion.conventional) == units.normalise(unit):
        return conversion
    return None


def _converted(convert, value) -> Decimal | None:
    return None if value is None else convert(Decimal(str(value)))


def lab_settings_get(*, clinic) -> LabSettings:
    return LabSettings.objects.filter(clinic=clinic).first() or LabSettings(clinic=clinic)


@transactions.unit
def catalogue_units_set(*, actor, unit_system: str) -> tuple[list[LabTest], list[LabTest]]:
    """Switch the clinic's catalogue to SI or conventional units: each test whose factor is known
    and that has no result yet is converted (unit, critical limits, reference ranges); tests
    with results keep their unit, so a patient's trend never mixes units. Returns (converted,
    kept)."""
    require(actor, "labs.catalogue.edit")
    if unit_system not in LabSettings.UnitSystem.values:
        raise ValidationError({"unit_system": _("Choose SI or conventional units.")})
    LabSettings.objects.update_or_create(
        clinic_id=actor.clinic_id, defaults={"unit_system": unit_system}
    )
    tests = list(
        LabTest.objects.filter(
            clinic_id=actor.clinic_id, loinc_code__in=list(units.CONVERSIONS)
        ).prefetch_related("ranges")
    )
    with_results = set(
        LabResult.objects.filter(test_id__in=[t.pk for t in tests]).values_list(
            "test_id", flat=True
        )
    )
    converted, kept = [], []
    for test in tests:
        conversion = units.CONVERSIONS[test.loinc_code]
        target = conversion.si if unit_system == units.SI else conversion.conventional
        if units.normalise(test.unit) == units.normalise(target):
            continue
        if test.pk in with_results or units.convert(test, Decimal(1), target) is None:
            kept.append(test)
            continue
        change = conversion.to_si if unit_system == units.SI else conversion.to_conventional
        for name in ("critical_low", "critical_high"):
            value = getattr(test, name)
            setattr(test, name, None if value is None else change(value))
        test.unit = target
        test.save(update_fields=["unit", "critical_low", "critical_high", "updated_at"])
        _ranges_converted(test, change)
        converted.append(test)
    audit(
        actor=actor,
        action=UPDATE,
        obj=None,
        detail=f"lab catalogue units: {unit_system} ({len(converted)} tests converted)",
    )
    return converted, kept


@transactions.unit
def labtest_create(*, actor, **fields) -> LabTest:
    require(actor, "labs.catalogue.edit")
    test = LabTest(clinic_id=actor.clinic_id, **only_fields(fields, LABTEST_FIELDS))
    test.unit = _known_unit(test.name, test.unit, test.loinc_code)
    test.full_clean()
    test.save(force_insert=True)
    audit(actor=actor, action=CREATE, obj=test)
    return test


# What only a test of numeric results has (the catalogue's form leaves them out for the others).
NUMERIC_ONLY = ("unit", "critical_low", "critical_high")


@transactions.unit
def labtest_update(*, actor, test: LabTest, **fields) -> LabTest:
    """Change a test. Its unit changes only while it has no result, as in the switch of the
    whole catalogue's units: its results, trends and limits would otherwise mix two units. Its
    critical limits (those not given in the same change, taken as given in the new unit) and
    reference ranges are converted where the catalogue knows the factor."""
    require(actor, "labs.catalogue.edit")
    only_fields(fields, LABTEST_FIELDS)
    if test.value_type != ValueType.NUMERIC:
        given = [name for name in NUMERIC_ONLY if fields.get(name) not in (None, "")]
        if given:
            refusal = _("A test of text results has no unit or critical limits.")
            raise ValidationError(dict.fromkeys(given, refusal))
    convert = None
    if "unit" in fields:
        fields["unit"] = (fields["unit"] or "").strip()
        if units.normalise(fields["unit"]) != units.normalise(test.unit):
            convert = _unit_change(test, fields["unit"], fields.get("loinc_code", test.loinc_code))
    if convert is not None:
        for name in ("critical_low", "critical_high"):
            if name not in fields and getattr(test, name) is not None:
                fields[name] = convert(getattr(test, name))
    changed = model_update(test, fields=fields, allowed=LABTEST_FIELDS)
    if convert is not None:
        _ranges_converted(test, convert)
    audit(actor=actor, action=UPDATE, obj=test, detail=", ".join(changed))
    return test


def _ranges_converted(test: LabTest, change) -> None:
    """The test's reference ranges carried into its new unit by `change` (a Conversion's)."""
    for reference in test.ranges.all():
        reference.low = None if reference.low is None else change(reference.low)
        reference.high = None if reference.high is None else change(reference.high)
        reference.save(update_fields=["low", "high", "updated_at"])


def _known_unit(name: str, unit: str, loinc_code: str) -> str:
    """`unit` stripped, if it is one a test of this LOINC code is reported in (the two of its
    conversion), or any unit of lab medicine (labs.units.recognised); else a ValidationError."""
    unit = (unit or "").strip()
    conversion = units.CONVERSIONS.get((loinc_code or "").strip())
    if conversion is not None:
        if units.normalise(unit) not in {
            units.normalise(conversion.conventional),
            units.normalise(conversion.si),
        }:
            raise ValidationError(
                {
                    "unit": _("%(test)s is reported in %(conventional)s or %(si)s.")
                    % {
                        "test": name or _("This test"),
                        "conventional": units.display(conversion.conventional),
                        "si": units.display(conversion.si),
                    }
                }
            )
    elif not units.recognised(unit):
        raise ValidationError(
            {
                "unit": _(
                    "“%(unit)s” is not a unit the catalogue knows. Write it in UCUM, e.g. "
                    "mg/dL, mmol/L, 10*3/uL or U/L."
                )
                % {"unit": unit}
            }
        )
    return unit


def _unit_change(test: LabTest, unit: str, loinc_code: str):
    """How the test's limits are carried into its new `unit` (None: no factor is known), or a
    ValidationError when the test has results or the unit is not one it can have."""
    if LabResult.objects.filter(test=test).exists():
        raise ValidationError(
            {
                "unit": _(
                    "%(test)s already has results in %(unit)s, so its unit cannot change: its "
                    "results, trends and limits would mix two units. To report it in %(new)s, "
                    "add a new test and make this one inactive."
                )
                % {
                    "test": test.name,
                    "unit": units.display(test.unit) or _("no unit"),
                    "new": units.display(unit) or _("no unit"),
                }
            }
        )
    _known_unit(test.name, unit, loinc_code)
    conversion = units.CONVERSIONS.get((loinc_code or "").strip())
    if conversion is None:
        return None
    old, new = units.normalise(test.unit), units.normalise(unit)
    conventional, si = units.normalise(conversion.conventional), units.normalise(conversion.si)
    if (old, new) == (conventional, si):
        return conversion.to_si
    if (old, new) == (si, conventional):
        return conversion.to_conventional
    return None


@transactions.unit
def range_create(*, actor, test: LabTest, **fields) -> ReferenceRange:
    require(actor, "labs.catalogue.edit")
    fields = only_fields(fields, RANGE_FIELDS)
    reference = ReferenceRange(test=test, clinic_id=test.clinic_id, **fields)
    reference.full_clean()
    _one_range_per_band(reference)
    reference.save(force_insert=True)
    audit(actor=actor, action=UPDATE, obj=test, detail=gettext_noop("reference range"))
    return reference


def _one_range_per_band(reference: ReferenceRange, **changes) -> None:
    """Two ranges for the same sex and age band would flag a result by whichever is read
    first (flags.applicable_range has nothing to choose between them)."""
    for name, value in changes.items():
        setattr(reference, name, value)
    same_band = ReferenceRange.objects.filter(
        test_id=reference.test_id,
        sex=reference.sex,
        age_min=reference.age_min,
        age_max=reference.age_max,
    ).exclude(pk=reference.pk)
    if same_band.exists():
        raise ValidationError(
            {"age_min": _("This test already has a range for this sex and age band: edit it.")}
        )


@transactions.unit
def range_update(*, actor, reference: ReferenceRange, **fields) -> ReferenceRange:
    require(actor, "labs.catalogue.edit")
    _one_range_per_band(copy.copy(reference), **only_fields(fields, RANGE_FIELDS))
    model_update(reference, fields=fields, allowed=RANGE_FIELDS)
    audit(actor=actor, action=UPDATE, obj=reference.test, detail=gettext_noop("reference range"))
    return reference


@transactions.unit
def range_delete(*, actor, reference: ReferenceRange) -> None:
    require(actor, "labs.catalogue.edit")
    audit(actor=actor, action=DELETE, obj=reference.test, detail=gettext_noop("reference range"))
    reference.delete()


# --- Orders ------------------------------------------------------------------------------------
@transactions.unit
def order_create(
    *,
    actor,
    patient: Patient,
    tests=(),
    panels=(),
    priority="routine",
    notes="",
    indication="",
    indication_code="",
    indication_system="",
) -> LabOrder:
    """Order tests and/or panels: a panel adds each of its active tests once; a test named on
    its own must be active (InactiveTest)."""
    require(actor, "labs.order")
    wanted: dict[str, tuple[LabTest, LabPanel | None]] = {}
    for panel in panels:
        for item in panel.items.all():
            if item.test.is_active:
                wanted.setdefault(item.test_id, (item.test, panel))
    for test in tests:
        wanted.setdefault(test.pk, (_active(test), None))
    if not wanted:
        raise ValidationError({"tests": _("Choose at least one test or panel.")})
    order = LabOrder(
        clinic_id=patient.clinic_id,
        patient=patient,
        ordered_by=actor,
        priority=priority,
        notes=notes,
        indication=(indication or "").strip(),
        indication_code=indication_code or "",
        indication_system=indication_system or "",
    )
    order.full_clean(exclude=["clinic", "patient", "ordered_by"])
    order.save(force_insert=True)
    LabOrderItem.objects.bulk_create(
        LabOrderItem(order=order, test=test, panel=panel) for test, panel in wanted.values()
    )
    audit(actor=actor, action=CREATE, obj=order, patient_id=patient.pk)
    return order


@transactions.unit
def order_collect(*, actor, order: LabOrder, collected_at: datetime | None = None) -> LabOrder:
    require(actor, "labs.collect")
    if order.status != LabOrder.Status.ORDERED:
        raise ValidationError(_("Only an ordered test can be marked collected."))
    collected_at = collected_at or timezone.now()
    _check_time(collected_at, "collected_at")
    return _order_status(actor, order, LabOrder.Status.COLLECTED, collected_at=collected_at)


@transactions.unit
def order_cancel(*, actor, order: LabOrder, reason: str = "") -> LabOrder:
    require(actor, "labs.order")
    if order.status not in (LabOrder.Status.ORDERED, LabOrder.Status.COLLECTED):
        raise ValidationError(_("An order with results cannot be cancelled."))
    return _order_status(actor, order, LabOrder.Status.CANCELLED, cancelled_reason=reason)


def _order_status(actor, order: LabOrder, status: str, **fields) -> LabOrder:
    LabOrder.objects.filter(pk=order.pk).update(status=status, updated_at=timezone.now(), **fields)
    order.status = status
    for name, value in fields.items():
        setattr(order, name, value)
    audit(actor=actor, action=UPDATE, obj=order, patient_id=order.patient_id, detail=status)
    return order


def _order_progress(
    order: LabOrder, written: list[LabResult] = (), earlier: list[LabResult] | None = None
) -> None:
    """Resulted once every ordered test has a result; reviewed once every result is reviewed.

    `written`: results of the order just saved, in hand (only the others are read);
    `earlier`: the others, when the caller read them before writing (order_saved_results)."""
    if order.status == LabOrder.Status.CANCELLED:
        return
    if earlier is None:
        earlier = order.results.exclude(pk__in=[r.pk for r in written])
    results = [*earlier, *written]
    # Preliminary results do not make an order resulted: its final values are still to come.
    final = [r for r in results if r.status != LabResult.Status.PRELIMINARY]
    status = order.status
    if not order.items_awaiting(final):
        status = LabOrder.Status.RESULTED
        if all(r.reviewed_at for r in final):
            status = LabOrder.Status.REVIEWED
    if status != order.status:
        LabOrder.objects.filter(pk=order.pk).update(status=status, updated_at=timezone.now())
        order.status = status


# --- Results -----------------------------------------------------------------------------------
def _check_time(moment: datetime, field_name: str) -> None:
    """A time in a plausible year, and not in the future; else a ValidationError on the field."""
    _plausible_year(moment, field_name)
    if moment > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({field_name: _("This time is in the future.")})


def _plausible_year(moment: datetime, field_name: str) -> None:
    """Checked before the time is converted to another zone: year 1 at +14:00 is year 0 in UTC,
    which no datetime holds."""
    if not in_calendar(moment.date()):
        raise ValidationError(
            {
                field_name: _(
                    "Give a date between the years %(first)d and %(last)d (this one is in year "
                    "%(year)d)."
                )
                % {"first": FIRST_DAY.year, "last": LAST_DAY.year, "year": moment.year}
            }
        )


def clean_value(test: LabTest, raw, *, decimal_comma: bool = False) -> tuple[Decimal | None, str]:
    """(numeric value, text value) for this test's value type, or a ValidationError.

    `decimal_comma`: the clinic writes decimals with a comma (clinic_decimal_comma)."""
    if raw is None or str(raw).strip() == "":
        raise ValidationError({"value": _("Enter a value.")})
    if test.value_type == ValueType.NUMERIC:
        number = _number(test, raw, decimal_comma=decimal_comma)
        if abs(number) >= Decimal("1e8"):
            raise ValidationError({"value": _("The number is out of range.")})
        stored = number.quantize(PLACES)
        if stored != number:  # never a different number than the one typed
            raise ValidationError(
                {
                    "value": _("At most 4 decimal places (%(value)s has more).")
                    % {"value": str(raw).strip()[:40]}
                }
            )
        # As written, 1.10 keeping its places (LabResult.value_places); zeros past the fourth
        # decimal go, as they do in the database.
        return (number if places_of(number) <= places_of(PLACES) else stored), ""
    if test.value_type == ValueType.POSNEG:
        text = POSNEG_VALUES.get(str(raw).strip().lower())
        if text is None:
            raise ValidationError({"value": _("%s is positive or negative.") % test.name})
        return None, text
    return None, str(raw).strip()[:200]


def _number(test: LabTest, raw, *, decimal_comma: bool) -> Decimal:
    """The number typed, written plainly: digits and one decimal point, read as a comma only
    where the clinic writes decimals so (elsewhere "1,500" is 1500 or 1.5: refused, never
    guessed; there "1.500" is refused alike), no scientific notation, and below zero only for
    a test that can be. "-0" is 0. A JSON number (a Decimal) has a decimal point in any
    clinic."""
    if isinstance(raw, Decimal):  # written out in full: 1e-05 is the JSON number 0.00001
        text, decimal_comma = format(raw, "f"), False
    else:
        text = "" if isinstance(raw, bool) else str(raw).strip()
    try:
        text = with_decimal_point(text, decimal_comma=decimal_comma)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    if SCIENTIFIC_NUMBER.fullmatch(text):
        raise ValidationError(
            {
                "value": _(
                    "Write the number in full (e.g. 1000, not 1e3): scientific notation is not "
                    "read here."
                )
            }
        )
    if not PLAIN_NUMBER.fullmatch(text):
        raise ValidationError({"value": _("%s needs a number.") % test.name})
    number = Decimal(text)
    if number.is_zero():  # -0 and -0.0 are the zero they mean, shown without a sign
        number = number.copy_abs()
    if number < 0 and not _may_be_negative(test):
        raise ValidationError(
            {
                "value": _("%(test)s cannot be negative (%(value)s): check the value.")
                % {"test": test.name, "value": text[:40]}
            }
        )
    return number


def _may_be_negative(test: LabTest) -> bool:
    """A concentration or a count is never below zero; a test whose catalogue limits go below
    zero (base excess, a z-score) can be."""
    limits = [test.critical_low, test.critical_high]
    limits += [limit for r in test.ranges.all() for limit in (r.low, r.high)]
    return any(limit is not None and limit < 0 for limit in limits)


def clean_unit(test: LabTest, unit: str | None, number: Decimal | None = None) -> Decimal | None:
    """`number` given in `unit` expressed in the test's own unit (converted where the
    catalogue knows the factor, e.g. glucose in mmol/L for a mg/dL test), else a
    ValidationError naming both units."""
    unit = (unit or "").strip()
    if not unit or units.normalise(unit) == units.normalise(test.unit):
        return number
    converted = units.convert(test, number, unit) if number is not None else None
    if converted is None:
        raise ValidationError(
            {
                "unit": _("%(test)s is reported in %(unit)s, not %(given)s.")
                % {
                    "test": test.name,
                    "unit": units.display(test.unit) or _("no unit"),
                    "given": unit,
                }
            }
        )
    return converted


def order_saved_results(order: LabOrder) -> list[LabResult]:
    """The results `order` has already (one query; read once per order by the entries)."""
    return list(order.results.all())


def _order_takes(order: LabOrder, patient: Patient, test: LabTest, earlier) -> None:
    """The one rule of what an order takes: a result for each of its own tests, once, while it
    is not cancelled (a second value is a correction of the first, which keeps its history)."""
    if order.patient_id != patient.pk:
        raise ValidationError({"order": _("That order is for another patient.")})
    if order.status == LabOrder.Status.CANCELLED:
        raise ValidationError({"order": _("This order was cancelled; it takes no results.")})
    if all(item.test_id != test.pk for item in order.items.all()):
        raise ValidationError({"test": _("%(test)s is not on this order.") % {"test": test.name}})
    answered = next((result for result in earlier if result.test_id == test.pk), None)
    if answered is not None:
        raise Conflict(
            _("This order already has a result for %(test)s: correct that result instead.")
            % {"test": test.name},
            code="already_resulted",
            field="test",
            result=str(answered.pk),
        )


def build_result(
    *,
    actor,
    patient: Patient,
    test: LabTest,
    value,
    collected_at: datetime,
    unit: str | None = None,
    status: str = LabResult.Status.FINAL,
    order: LabOrder | None = None,
    performing_lab: str = "",
    reported_at: datetime | None = None,
    earlier: list[LabResult] | None = None,
) -> LabResult:
    """A validated, flagged, unsaved result (shared by entry and import).

    `earlier`: the order's results (order_saved_results, and rows entered with this one) when
    the caller has read them; read here otherwise. A test switched off since it was ordered
    still takes its order's result (the sample was drawn); an outside result needs it active."""
    if order is not None:
        earlier = order_saved_results(order) if earlier is None else earlier
        _order_takes(order, patient, test, earlier)
    else:
        _active(test)
    if status not in (LabResult.Status.PRELIMINARY, LabResult.Status.FINAL):
        raise ValidationError({"status": _("A new result is preliminary or final.")})
    number, text = clean_value(test, value, decimal_comma=clinic_decimal_comma(actor.clinic))
    number = clean_unit(test, unit, number)
    _check_time(collected_at, "collected_at")
    age = patient.age(on=timezone.localdate(collected_at))
    if age < 0:
        raise ValidationError({"collected_at": _("Collected before the patient was born.")})
    reference = applicable_range(test.ranges.all(), sex=patient.sex, age=age)
    result = LabResult(
        clinic_id=patient.clinic_id,
        patient=patient,
        test=test,
        order=order,
        value_numeric=number,
        value_places=places_of(number) if number is not None else None,
        value_text=text,
        unit=test.unit,
        reference_low=reference.low if reference else None,
        reference_high=reference.high if reference else None,
        reference_text=reference.display if reference else "",
        flag=flag_for(test, reference, number if number is not None else text),
        status=status,
        collected_at=collected_at,
        reported_at=reported_at or timezone.now(),
        performing_lab=performing_lab,
        entered_by=actor,
    )
    result.review_priority = review_priority(result)
    result.full_clean(exclude=RESULT_GIVEN)
    return result


@transactions.unit
def result_create(*, actor, **fields) -> LabResult:
    require(actor, "labs.result.enter")
    order = fields.get("order")
    earlier = order_saved_results(order) if order is not None else None
    result = build_result(actor=actor, earlier=earlier, **fields)
    result.save(force_insert=True)
    audit(actor=actor, action=CREATE, obj=result, patient_id=result.patient_id)
    if result.order_id:  # its other results read once, for the rule and for the progress
        _order_progress(result.order, written=[result], earlier=earlier)
    emit("labs.critical_result", obj=result)
    emit("labs.result_ready", obj=result)
    return result


# What a person correcting, signing off or telling someone of a result acted on is the value
# their page showed (`shown`: value_shown() of the result as drawn, posted back with the form).
# When another correction changed it meanwhile, they are asked to look again.
CORRECTED_MEANWHILE = gettext_lazy(
    "This result was corrected while you had it open: look at its new value, then try again."
)


def value_shown(result: LabResult) -> str:
    """A short fingerprint of the value a page shows (number and its written precision, text,
    unit): posted back, it tells whether the result was corrected since."""
    number = result.value_numeric
    number = None if number is None else Decimal(str(number)).normalize()  # 4.2 as 4.2000
    value = (str(number), result.value_places, result.value_text, result.unit)
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def _as_shown(result: LabResult, shown: str | None) -> LabResult:
    """`result` read again in the unit (core.transactions.current), still holding the value the
    person acted on: the one posted (`shown`), else the view's copy (a caller that sent none)."""
    shown = shown or value_shown(result)
    transactions.current(result)
    if value_shown(result) != shown:
        raise Conflict(CORRECTED_MEANWHILE, code="changed")
    return result


@transactions.unit
def result_correct(
    *, actor, result: LabResult, value, reason: str = "", unit=None, shown: str | None = None
) -> LabResult:
    """Change a result's value: the old one stays visible in its history."""
    require(actor, "labs.result.enter")
    _as_shown(result, shown)
    number, text = clean_value(result.test, value, decimal_comma=clinic_decimal_comma(actor.clinic))
    number = clean_unit(result.test, unit, number)
    revision = LabResultRevision(
        result=result,
        value_numeric=result.value_numeric,
        value_places=result.value_places,
        value_text=result.value_text,
        unit=result.unit,
        flag=result.flag,
        status=result.status,
        changed_by=actor,
        reason=reason[:300],
    )
    result.value_numeric, result.value_text = number, text
    result.value_places = places_of(number) if number is not None else None
    # The range the result shows (stored at entry); critical limits from the test, as at entry.
    value = number if number is not None else text
    result.flag = flag_for(result.test, stored_range(result), value)
    was_preliminary = result.status == LabResult.Status.PRELIMINARY
    result.status = LabResult.Status.FINAL if was_preliminary else LabResult.Status.CORRECTED
    result.reviewed_by, result.reviewed_at, result.review_comment = None, None, ""
    # A new critical value is told to someone again, whatever was said about the old one.
    result.critical_communicated_to, result.critical_communication_method = "", ""
    result.critical_communicated_at, result.critical_communicated_by = None, None
    result.review_priority = review_priority(result)
    result.full_clean(exclude=RESULT_GIVEN)
    revision.save(force_insert=True)
    result.save()
    audit(
        actor=actor,
        action=UPDATE,
        obj=result,
        patient_id=result.patient_id,
        detail=gettext_noop("corrected"),
    )
    if result.order_id:  # a preliminary value made final may complete the order
        _order_progress(result.order, written=[result])
    emit("labs.critical_result", obj=result)
    emit("labs.result_ready", obj=result)
    return result


@transactions.unit
def result_review(
    *, actor, result: LabResult, comment: str = "", shown: str | None = None
) -> LabResult:
    """A clinician signs a result off (who, when, comment)."""
    require(actor, "labs.review")
    _as_shown(result, shown)
    if result.status == LabResult.Status.PRELIMINARY:
        raise ValidationError(_("Preliminary results are reviewed once final."))
    if result.reviewed_at is not None:
        raise ValidationError(_("This result has already been reviewed."))
    if result.needs_communication:
        raise CriticalNotCommunicated([result])
    result.reviewed_by, result.reviewed_at = actor, timezone.now()
    result.review_comment = review_comment(comment)
    result.review_priority = review_priority(result)
    result.save(
        update_fields=[
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "review_priority",
            "updated_at",
        ]
    )
    audit(
        actor=actor,
        action=UPDATE,
        obj=result,
        patient_id=result.patient_id,
        detail=gettext_noop("reviewed"),
    )
    if result.order_id:
        _order_progress(result.order, written=[result])
    return result


def review_comment(comment: str) -> str:
    """A sign-off's comment, stripped, within its limit; else a ValidationError saying so."""
    comment = (comment or "").strip()
    limit = LabResult._meta.get_field("review_comment").max_length
    if len(comment) > limit:
        raise ValidationError(
            {
                "comment": _(
                    "The comment is too long: at most %(limit)d characters (it has %(count)d). "
                    "Shorten it and sign off again."
                )
                % {"limit": limit, "count": len(comment)}
            }
        )
    return comment


# --- critical values ----------------------------------------------------------------------------
@transactions.unit
def critical_communication_record(
    *,
    actor,
    result: LabResult,
    communicated_to: str,
    method: str,
    communicated_at=None,
    shown: str | None = None,
) -> LabResult:
    """Record who was told of a critical value, how and when (once; then it can be reviewed).

    One conditional write claims the empty record, so two people recording at once cannot
    overwrite each other: the second gets a Conflict."""
    require(actor, "labs.critical.communicate")
    _as_shown(result, shown)
    if not result.is_critical:
        raise ValidationError(_("Only a critical result needs its communication recorded."))
    if result.critical_communicated_at is not None:
        raise Conflict(_("The communication of this critical value is already recorded."))
    errors = {}
    communicated_to = (communicated_to or "").strip()
    if not communicated_to:
        errors["communicated_to"] = _("Say who was told (name and role).")
    if method not in CommunicationMethod.values:
        errors["method"] = _("Choose how they were told.")
    communicated_at = communicated_at or timezone.now()
    try:
        _check_time(communicated_at, "communicated_at")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    else:
        if communicated_at < result.collected_at:
            errors["communicated_at"] = _("This is before the sample was collected.")
    if errors:
        raise ValidationError(errors)
    fields = {
        "critical_communicated_to": communicated_to[:200],
        "critical_communication_method": method,
        "critical_communicated_at": communicated_at,
        "critical_communicated_by": actor,
    }
    claimed = LabResult.objects.filter(pk=result.pk, critical_communicated_at__isnull=True).update(
        updated_at=timezone.now(), **fields
    )
    if claimed != 1:
        raise Conflict(_("The communication of this critical value is already recorded."))
    for name, value in fields.items():
        setattr(result, name, value)
    audit(
        actor=actor,
        action=UPDATE,
        obj=result,
        patient_id=result.patient_id,
        detail=f"critical value communicated to {communicated_to} by {method}"[:300],
    )
    return result


# --- review in bulk ------------------------------------------------------------------------------
@dataclass
class BulkReview:
    """What a sign-off in bulk did: the results signed, and those still needing their own tick."""

    reviewed: list[LabResult]
    left: list[LabResult]


@transactions.unit
def results_review_bulk(
    *, actor, results: list[LabResult], comment: str = "", ticked=(), shown=None
) -> BulkReview:
    """Sign off many results (an order, or a patient's) with one comment.

    Normal results are signed as a group; an abnormal or critical one only when its id is in
    `ticked` (its own tick), and a critical one only once its communication is recorded
    (CriticalNotCommunicated, nothing signed). Unticked ones stay in the queue (`left`).
    `shown`: value_shown() by result id, as the page drew them (a correction since is a 409).
    """
    require(actor, "labs.review")
    comment = review_comment(comment)
    signed_meanwhile = _as_shown_all(results, shown or {})
    waiting = [r for r in results if r.review_priority is not None]
    ticked = {str(pk) for pk in ticked}
    unknown = ticked - {str(r.pk) for r in waiting}
    if unknown:
        raise ValidationError(
            {"abnormal": _("Some ticked results are not waiting for review here.")}
        )
    chosen = [r for r in waiting if not r.is_abnormal or str(r.pk) in ticked]
    left = [r for r in waiting if r not in chosen]
    silent = [r for r in chosen if r.needs_communication]
    if silent:
        raise CriticalNotCommunicated(silent)
    if not chosen:
        raise ValidationError(
            _("Nothing to sign off: tick the abnormal results you have reviewed.")
        )
    if signed_meanwhile & {r.pk for r in chosen}:  # a colleague's sign-off stands
        raise Conflict(_("Some of these results were signed off by someone else meanwhile."))
    now = timezone.now()
    LabResult.objects.filter(pk__in=[r.pk for r in chosen], reviewed_at__isnull=True).update(
        reviewed_by=actor,
        reviewed_at=now,
        review_comment=comment,
        review_priority=None,
        updated_at=now,
    )
    orders = {}
    for result in chosen:
        result.reviewed_by, result.reviewed_at, result.review_comment = actor, now, comment
        result.review_priority = None
        audit(
            actor=actor,
            action=UPDATE,
            obj=result,
            patient_id=result.patient_id,
            detail=gettext_noop("reviewed (with others)"),
        )
        if result.order_id:
            orders[result.order_id] = result.order
    for order in orders.values():
        _order_progress(order, written=[r for r in chosen if r.order_id == order.pk])
    return BulkReview(reviewed=chosen, left=left)


def _as_shown_all(results, shown: dict[str, str]) -> set[str]:
    """The bulk form of _as_shown: the results, locked, still hold the values the page showed
    (`shown` by result id; the view's copies for those not given). Returns the ids of those a
    colleague signed off meanwhile, for the caller to refuse before it writes anything."""
    expected = {r.pk: shown.get(str(r.pk)) or value_shown(r) for r in results}
    now = LabResult.objects.select_for_update().filter(pk__in=list(expected))
    fields = ("value_numeric", "value_places", "value_text", "unit", "reviewed_at")
    signed = set()
    for row in now.only("pk", *fields):
        if value_shown(row) != expected[row.pk]:
            raise Conflict(CORRECTED_MEANWHILE, code="changed")
        if row.reviewed_at is not None:
            signed.add(row.pk)
    return signed


# --- CSV import ---------------------------------------------------------------------------------
CSV_COLUMNS = ("mrn", "test", "value", "unit", "collected_at", "lab")
CSV_OPTIONAL = ("lab",)
# A comma, or the semicolon Excel writes where decimals take the comma (Spanish, French), or a tab.
CSV_DELIMITERS = (",", ";", "\t")


@dataclass
class ImportRow:
    """One row of the file: its cells by column, and its errors or the result it makes.

    `duplicate`: the row repeats a result already recorded, or an earlier row of the file (the
    line of which is `repeats`): same patient, test, collection time and value. It is skipped,
    never imported twice."""

    line: int
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)
    result: LabResult | None = None
    duplicate: bool = False
    repeats: int | None = None

    @property
    def importable(self) -> bool:
        return self.result is not None and not self.errors and not self.duplicate


@dataclass
class ImportReport:
    """What an import found: errors about the whole file, then every row (the preview)."""

    file_errors: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    written: int = 0
    already: LabImport | None = None  # the earlier import of this very file
    results: list[LabResult] = field(default_factory=list)  # written

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def importable(self) -> list[ImportRow]:
        return [row for row in self.rows if row.importable]

    @property
    def duplicates(self) -> list[ImportRow]:
        return [row for row in self.rows if row.duplicate]

    @property
    def already_recorded(self) -> list[ImportRow]:
        return [row for row in self.rows if row.duplicate and row.repeats is None]

    @property
    def repeated(self) -> list[ImportRow]:
        """Rows equal to an earlier row of the same file."""
        return [row for row in self.rows if row.repeats is not None]

    @property
    def critical(self) -> list[LabResult]:
        return [result for result in self.results if result.needs_communication]


def file_digest(text: str) -> str:
    """The same file whatever its line endings or byte-order mark."""
    normalised = text.lstrip("\ufeff").replace("\r\n", "\n").strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@transactions.unit
def results_import(
    *,
    actor,
    data: bytes | str,
    dry_run: bool = True,
    valid_only: bool = False,
    filename: str = "",
) -> ImportReport:
    """Import results from CSV (mrn, test = LOINC or name, value, unit, collected_at, lab).

    The one parser of the file: every row is checked and reported (a dry run stops there).
    Rows are written when no row has an error (all or none), or, with `valid_only` (the user
    confirmed it), the valid rows alone. Never twice: a file imported before is refused
    ("already imported on ..."), and a row equal to a recorded result is skipped and listed.
    """
    require(actor, "labs.result.import")
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        report.file_errors.append(_("The file is not UTF-8 text; save it as CSV (UTF-8)."))
        return report
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_csv_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as exc:
        report.file_errors.append(_csv_error(exc, reader.line_num))
        return report
    digest = file_digest(text)
    report.already = (
        LabImport.objects.filter(clinic_id=actor.clinic_id, digest=digest)
        .select_related("imported_by")
        .first()
    )
    if report.already is not None:
        report.file_errors.append(_already_message(report.already))
        return report
    header = [h.strip().lower() for h in (records[0] if records else [])]
    missing = [c for c in CSV_COLUMNS if c not in header and c not in CSV_OPTIONAL]
    if missing:
        report.file_errors.append(
            _("Missing columns: %(missing)s. The first line names the columns: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ",".join(CSV_COLUMNS)}
        )
        return report
    for line, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not rows
        padded = [cell.strip() for cell in cells] + [""] * (len(header) - len(cells))
        row = ImportRow(line=line, cells=dict(zip(header, padded, strict=False)))
        if len(cells) != len(header):
            row.errors.append(_width_error(len(header), len(cells)))
        report.rows.append(row)
    if not report.rows:
        report.file_errors.append(_("The file has no rows."))
        return report
    _import_check(actor, report.rows)
    _mark_duplicates(report.rows)
    if dry_run or (not report.ok and not valid_only):
        return report
    results = [row.result for row in report.importable]
    if not results:  # nothing new: the file is not recorded as imported
        return report
    record = LabImport(
        clinic_id=actor.clinic_id,
        digest=digest,
        filename=filename[:200],
        imported_by=actor,
        rows_written=len(results),
        rows_skipped=len(report.rows) - len(results),
    )
    try:
        with transactions.savepoint():
            record.save(force_insert=True)  # the unique digest: one import per file
    except IntegrityError:
        report.already = LabImport.objects.filter(clinic_id=actor.clinic_id, digest=digest).first()
        report.file_errors.append(_already_message(report.already))
        return report
    LabResult.objects.bulk_create(results)
    report.written, report.results = len(results), results
    patients = {result.patient_id: result.patient for result in results}
    for patient in patients.values():
        audit(
            actor=actor,
            action=CREATE,
            obj=patient,
            patient_id=patient.pk,
            detail=gettext_noop("lab results imported"),
        )
    _announce(results)
    return report


def _csv_delimiter(text: str) -> str:
    """The separator of the file's header: the one that splits it into the most known columns
    (a comma when none does, for the error to name the columns missing)."""
    header = io.StringIO(text, newline="").readline()

    def known(delimiter: str) -> int:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return sum(1 for cell in cells if cell.strip().lower() in CSV_COLUMNS)

    return max(CSV_DELIMITERS, key=known)


def _csv_error(exc: csv.Error, line: int) -> str:
    """What the csv module could not read, said for whoever fixes the file."""
    if "field limit" in str(exc):  # csv.field_size_limit(), 131,072 characters
        return _(
            "Line %(line)d has a value longer than %(limit)s characters, which no result has: "
            "check the file (a quote left open makes the rest of the file one value)."
        ) % {
            "line": line,
            "limit": formats.number_format(csv.field_size_limit(), force_grouping=True),
        }
    return _("Line %(line)d cannot be read as CSV: check the file.") % {"line": line}


def _already_message(earlier: LabImport | None) -> str:
    if earlier is None:
        return _("This file has already been imported.")
    who = earlier.imported_by
    return ngettext(
        "This file was already imported on %(when)s by %(who)s (%(count)d result); nothing was "
        "imported again.",
        "This file was already imported on %(when)s by %(who)s (%(count)d results); nothing was "
        "imported again.",
        earlier.rows_written,
    ) % {
        "when": formats.date_format(
            timezone.localtime(earlier.created_at), "SHORT_DATETIME_FORMAT"
        ),
        "who": (who.name or who.email) if who is not None else _("someone"),
        "count": earlier.rows_written,
    }


def _mark_duplicates(rows: list[ImportRow]) -> None:
    """Rows equal to a recorded result, or to an earlier row of the file (one query)."""
    candidates = [row for row in rows if row.result is not None and not row.errors]
    if not candidates:
        return
    existing = LabResult.objects.filter(
        patient_id__in={row.result.patient_id for row in candidates},
        collected_at__in={row.result.collected_at for row in candidates},
    ).values_list("patient_id", "test_id", "collected_at", "value_numeric", "value_text")
    recorded = {_same_result_key(*values) for values in existing}
    first_line: dict[tuple, int] = {}  # each result of the file, by the line it is first on
    for row in candidates:
        result = row.result
        key = _same_result_key(
            result.patient_id,
            result.test_id,
            result.collected_at,
            result.value_numeric,
            result.value_text,
        )
        row.repeats = first_line.get(key) if key not in recorded else None
        row.duplicate = key in recorded or row.repeats is not None
        first_line.setdefault(key, row.line)


def _same_result_key(patient_id, test_id, collected_at, number, text) -> tuple:
    value = format(number.normalize(), "f") if number is not None else text.strip().lower()
    moment = collected_at.replace(microsecond=collected_at.microsecond // 1000 * 1000)
    return (str(patient_id), str(test_id), moment.timestamp(), value)


def _width_error(expected: int, found: int) -> str:
    if found > expected:
        message = _("The row has more fields than the header: expected %(n)d columns, found %(m)d.")
    else:
        message = _(
            "The row has fewer fields than the header: expected %(n)d columns, found %(m)d."
        )
    return message % {"n": expected, "m": found}


def _import_check(actor, rows: list[ImportRow]) -> None:
    """Build each well-formed row's result, or note why it cannot be (its errors)."""
    mrns = {row.cells["mrn"] for row in rows if not row.errors and row.cells["mrn"]}
    patients = {p.mrn: p for p in patient_list(actor=actor, status="all").filter(mrn__in=mrns)}
    catalogue = list(labtest_list(actor=actor))
    tests = {t.loinc_code: t for t in catalogue if t.loinc_code}
    tests_by_name = {t.name.lower(): t for t in catalogue}
    accepted = clinic_date_formats(actor.clinic)
    for row in rows:
        if row.errors:
            continue
        cells = row.cells
        try:
            patient = patients.get(cells["mrn"])
            if patient is None:
                raise ValidationError(_("Unknown MRN %s.") % (cells["mrn"] or _("(empty)")))
            test = tests.get(cells["test"]) or tests_by_name.get(cells["test"].lower())
            if test is None:
                raise ValidationError(_("Unknown test %s.") % (cells["test"] or _("(empty)")))
            row.result = build_result(
                actor=actor,
                patient=patient,
                test=test,
                value=cells["value"],
                unit=cells["unit"] or None,
                collected_at=_moment(cells["collected_at"], accepted),
                performing_lab=cells.get("lab", ""),
            )
        except (ValidationError, ServiceError) as exc:
            row.errors.extend(_messages(exc))


DAY_FIRST = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%d.%m.%Y %H:%M", "%d-%m-%Y %H:%M")
MONTH_FIRST = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%m/%d/%Y %I:%M %p")


def clinic_date_formats(clinic) -> tuple[str, ...]:
    """The date-time forms a clinic writes besides ISO 8601: day first, or month first in the
    United States' locale."""
    locale = getattr(clinic, "locale_code", "") or ""
    return MONTH_FIRST if locale == "en-US" else DAY_FIRST


def _moment(text: str, formats_accepted: tuple[str, ...] = ()) -> datetime:
    try:
        moment = parse_datetime(text)
    except ValueError:  # well formed, but no such day or time
        moment = None
    for form in formats_accepted if moment is None else ():
        try:
            moment = datetime.strptime(text.strip(), form)
            break
        except ValueError:
            continue
    if moment is None:
        example = (
            datetime(2026, 9, 24, 14, 5).strftime(formats_accepted[0]) if formats_accepted else ""
        )
        raise ValidationError(
            _("collected_at is not a date and time (ISO 8601 or %(example)s).")
            % {"example": example}
        )
    _plausible_year(moment, "collected_at")
    if timezone.is_naive(moment):  # on the clinic's clocks, read as the forms read them
        return local_moment(moment, timezone.get_current_timezone())
    return moment


def _messages(exc: ValidationError | ServiceError) -> list[str]:
    """A row's errors as the grid shows them beside its fields: the rules' own sentences say
    what they are about; Django's generic ones (a code: "max_length") are given the field's
    name, as "performing lab: Ensure this value has at most 200 characters"."""
    if isinstance(exc, ServiceError):
        return [exc.message]
    if not hasattr(exc, "error_dict"):
        return exc.messages
    fields = {field.name: field for field in LabResult._meta.fields}
    texts = []
    for key, errors in exc.error_dict.items():
        for error in errors:
            text = next(iter(error))
            field = fields.get(key) if error.code else None
            texts.append(f"{field.verbose_name}: {text}" if field is not None else text)
    return texts


# --- several results at once (result entry per order) -------------------------------------------
class RowsInvalid(ValidationError):
    """Some rows failed validation; `row_errors` maps each bad row's index to its error."""

    def __init__(self, row_errors: dict[int, ValidationError | ServiceError]):
        self.row_errors = row_errors
        count = len(row_errors)
        super().__init__(
            ngettext(
                "%(count)d row has an error; nothing was saved.",
                "%(count)d rows have errors; nothing was saved.",
                count,
            )
            % {"count": count}
        )


@transactions.unit
def results_enter(*, actor, rows: list[dict]) -> list[LabResult]:
    """Enter several results (each row: build_result's keywords): all of them or none.

    Every row is validated first; RowsInvalid names each bad row and nothing is written.
    """
    require(actor, "labs.result.enter")
    if not rows:
        raise ValidationError(_("Enter at least one result."))
    results, errors, saved = [], {}, {}
    for index, row in enumerate(rows):
        order, earlier = row.get("order"), None
        if order is not None:  # read once per order; a row repeating a test is refused too
            if order.pk not in saved:
                saved[order.pk] = order_saved_results(order)
            earlier = [*saved[order.pk], *(r for r in results if r.order_id == order.pk)]
        try:
            results.append(build_result(actor=actor, earlier=earlier, **row))
        except (ValidationError, ServiceError) as exc:
            errors[index] = exc
    if errors:
        raise RowsInvalid(errors)
    LabResult.objects.bulk_create(results)
    orders = {}
    for result in results:
        audit(actor=actor, action=CREATE, obj=result, patient_id=result.patient_id)
        if result.order_id:
            orders[result.order_id] = result.order
    for order in orders.values():
        written = [r for r in results if r.order_id == order.pk]
        _order_progress(order, written=written, earlier=saved[order.pk])
    _announce(results)
    return results


def _announce(results) -> None:
    """Tell listeners (notifications) of each new result, as a single entry does."""
    for result in results:
        emit("labs.critical_result", obj=result)
        emit("labs.result_ready", obj=result)
