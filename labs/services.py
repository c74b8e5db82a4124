"""Lab writes: catalogue, orders, results (flagged by the server), corrections, review, import."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import AuditEvent
from core.audit import audit
from core.roles import require
from labs import catalogue
from labs.flags import applicable_range, flag_for, review_priority
from labs.models import (
    LabOrder,
    LabOrderItem,
    LabPanel,
    LabResult,
    LabResultRevision,
    LabTest,
    PanelItem,
    ReferenceRange,
    ValueType,
)
from patients.models import Patient

Action = AuditEvent.Action
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of lab machines drift a little
POSNEG_VALUES = {
    "positive": "Positive",
    "negative": "Negative",
    "pos": "Positive",
    "neg": "Negative",
}


# --- Catalogue -----------------------------------------------------------------------------------
def catalogue_install(*, clinic) -> None:
    """Give a clinic the starter catalogue; tests it already has (by LOINC) are left alone."""
    existing = set(LabTest.objects.filter(clinic=clinic).values_list("loinc_code", flat=True))
    tests, ranges = [], []
    for name, loinc, unit, value_type, crit_low, crit_high, rows in catalogue.TESTS:
        if loinc in existing:
            continue
        test = LabTest(
            clinic=clinic,
            name=name,
            loinc_code=loinc,
            unit=unit,
            value_type=value_type,
            critical_low=_decimal(crit_low),
            critical_high=_decimal(crit_high),
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
                    low=_decimal(low),
                    high=_decimal(high),
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


def labtest_save(*, actor, test: LabTest | None = None, **fields) -> LabTest:
    require(actor, "labs.catalogue.edit")
    test = test or LabTest(clinic=actor.clinic)
    allowed = {"name", "loinc_code", "unit", "value_type", "critical_low", "critical_high"}
    allowed.add("is_active")
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    creating = test._state.adding
    for name, value in fields.items():
        setattr(test, name, value)
    test.full_clean()
    test.save()
    audit(actor=actor, action=Action.CREATE if creating else Action.UPDATE, obj=test)
    return test


def range_save(*, actor, test: LabTest, reference: ReferenceRange | None = None, **fields):
    require(actor, "labs.catalogue.edit")
    reference = reference or ReferenceRange(test=test, clinic_id=test.clinic_id)
    for name, value in fields.items():
        setattr(reference, name, value)
    reference.full_clean()
    reference.save()
    audit(actor=actor, action=Action.UPDATE, obj=test, detail="reference range")
    return reference


def range_delete(*, actor, reference: ReferenceRange) -> None:
    require(actor, "labs.catalogue.edit")
    audit(actor=actor, action=Action.DELETE, obj=reference.test, detail="reference range")
    reference.delete()


# --- Orders ------------------------------------------------------------------------------------
def order_create(
    *, actor, patient: Patient, tests=(), panels=(), priority="routine", notes=""
) -> LabOrder:
    """Order tests and/or panels (a panel adds each of its tests once)."""
    require(actor, "labs.order")
    _same_clinic(actor, patient)
    wanted: dict[str, tuple[LabTest, LabPanel | None]] = {}
    for panel in panels:
        _same_clinic(actor, panel)
        for item in panel.items.select_related("test"):
            wanted.setdefault(item.test_id, (item.test, panel))
    for test in tests:
        _same_clinic(actor, test)
        wanted.setdefault(test.pk, (test, None))
    if not wanted:
        raise ValidationError({"tests": _("Choose at least one test or panel.")})
    order = LabOrder(
        clinic_id=patient.clinic_id,
        patient=patient,
        ordered_by=actor,
        priority=priority,
        notes=notes,
    )
    order.full_clean()
    order.save(force_insert=True)
    LabOrderItem.objects.bulk_create(
        LabOrderItem(order=order, test=test, panel=panel) for test, panel in wanted.values()
    )
    audit(actor=actor, action=Action.CREATE, obj=order, patient_id=patient.pk)
    return order


def _same_clinic(actor, obj) -> None:
    if obj.clinic_id != actor.clinic_id:
        raise ValidationError(_("That record belongs to another clinic."))


def order_collect(*, actor, order: LabOrder, collected_at: datetime | None = None) -> LabOrder:
    require(actor, "labs.collect")
    if order.status != LabOrder.Status.ORDERED:
        raise ValidationError(_("Only an ordered test can be marked collected."))
    collected_at = collected_at or timezone.now()
    _not_in_future(collected_at, "collected_at")
    return _order_status(actor, order, LabOrder.Status.COLLECTED, collected_at=collected_at)


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
    audit(actor=actor, action=Action.UPDATE, obj=order, patient_id=order.patient_id, detail=status)
    return order


def _order_progress(order: LabOrder) -> None:
    """Resulted once every ordered test has a result; reviewed once every result is reviewed."""
    if order.status == LabOrder.Status.CANCELLED:
        return
    ordered = set(order.items.values_list("test_id", flat=True))
    # Preliminary results do not make an order resulted: its final values are still to come.
    results = order.results.exclude(status=LabResult.Status.PRELIMINARY)
    resulted = {r.test_id for r in results}
    status = order.status
    if ordered <= resulted:
        status = LabOrder.Status.RESULTED
        if all(r.reviewed_at for r in results):
            status = LabOrder.Status.REVIEWED
    if status != order.status:
        LabOrder.objects.filter(pk=order.pk).update(status=status, updated_at=timezone.now())
        order.status = status


# --- Results -----------------------------------------------------------------------------------
def _not_in_future(moment: datetime, field_name: str) -> None:
    if moment > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({field_name: _("This time is in the future.")})


def clean_value(test: LabTest, raw) -> tuple[Decimal | None, str]:
    """(numeric value, text value) for this test's value type, or a ValidationError."""
    if raw is None or str(raw).strip() == "":
        raise ValidationError({"value": _("Enter a value.")})
    if test.value_type == ValueType.NUMERIC:
        if isinstance(raw, bool):
            raise ValidationError({"value": _("%s needs a number.") % test.name})
        try:
            number = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation:
            raise ValidationError({"value": _("%s needs a number.") % test.name})
        if not number.is_finite() or abs(number) >= Decimal("1e8"):
            raise ValidationError({"value": _("The number is out of range.")})
        return number.quantize(Decimal("0.0001")).normalize(), ""
    if test.value_type == ValueType.POSNEG:
        text = POSNEG_VALUES.get(str(raw).strip().lower())
        if text is None:
            raise ValidationError({"value": _("%s is positive or negative.") % test.name})
        return None, text
    return None, str(raw).strip()[:200]


def clean_unit(test: LabTest, unit: str | None) -> str:
    unit = (unit or "").strip()
    if unit and unit != test.unit:
        raise ValidationError(
            {
                "unit": _("%(test)s is reported in %(unit)s, not %(given)s.")
                % {"test": test.name, "unit": test.unit or _("no unit"), "given": unit}
            }
        )
    return test.unit


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
) -> LabResult:
    """A validated, flagged, unsaved result (shared by entry and import)."""
    if patient.clinic_id != actor.clinic_id or test.clinic_id != actor.clinic_id:
        raise ValidationError(_("That patient or test belongs to another clinic."))
    if order is not None and (order.patient_id != patient.pk or order.clinic_id != actor.clinic_id):
        raise ValidationError({"order": _("That order is for another patient.")})
    if status not in (LabResult.Status.PRELIMINARY, LabResult.Status.FINAL):
        raise ValidationError({"status": _("A new result is preliminary or final.")})
    number, text = clean_value(test, value)
    unit = clean_unit(test, unit)
    _not_in_future(collected_at, "collected_at")
    age = patient.age(on=timezone.localdate(collected_at))
    if age < 0:
        raise ValidationError({"collected_at": _("Collected before the patient was born.")})
    reference = applicable_range(test.ranges.all(), sex=patient.sex, age=age)
    result = LabResult(
        clinic_id=actor.clinic_id,
        patient=patient,
        test=test,
        order=order,
        value_numeric=number,
        value_text=text,
        unit=unit,
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
    result.full_clean()
    return result


def result_create(*, actor, **fields) -> LabResult:
    require(actor, "labs.result.enter")
    result = build_result(actor=actor, **fields)
    result.save(force_insert=True)
    audit(actor=actor, action=Action.CREATE, obj=result, patient_id=result.patient_id)
    if result.order_id:
        _order_progress(result.order)
    return result


def result_correct(*, actor, result: LabResult, value, reason: str = "", unit=None) -> LabResult:
    """Change a result's value: the old one stays visible in its history."""
    require(actor, "labs.result.enter")
    number, text = clean_value(result.test, value)
    clean_unit(result.test, unit)
    revision = LabResultRevision(
        result=result,
        value_numeric=result.value_numeric,
        value_text=result.value_text,
        unit=result.unit,
        flag=result.flag,
        status=result.status,
        changed_by=actor,
        reason=reason[:300],
    )
    age = result.patient.age(on=timezone.localdate(result.collected_at))
    reference = applicable_range(result.test.ranges.all(), sex=result.patient.sex, age=age)
    result.value_numeric, result.value_text = number, text
    result.flag = flag_for(result.test, reference, number if number is not None else text)
    was_preliminary = result.status == LabResult.Status.PRELIMINARY
    result.status = LabResult.Status.FINAL if was_preliminary else LabResult.Status.CORRECTED
    result.reviewed_by, result.reviewed_at, result.review_comment = None, None, ""
    result.review_priority = review_priority(result)
    result.full_clean()
    revision.save(force_insert=True)
    result.save()
    audit(
        actor=actor,
        action=Action.UPDATE,
        obj=result,
        patient_id=result.patient_id,
        detail="corrected",
    )
    if result.order_id:
        _order_progress(result.order)  # a preliminary value made final may complete the order
    return result


def result_review(*, actor, result: LabResult, comment: str = "") -> LabResult:
    """A clinician signs a result off (who, when, comment)."""
    require(actor, "labs.review")
    if result.status == LabResult.Status.PRELIMINARY:
        raise ValidationError(_("Preliminary results are reviewed once final."))
    if result.reviewed_at is not None:
        raise ValidationError(_("This result has already been reviewed."))
    result.reviewed_by, result.reviewed_at = actor, timezone.now()
    result.review_comment = comment.strip()
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
        action=Action.UPDATE,
        obj=result,
        patient_id=result.patient_id,
        detail="reviewed",
    )
    if result.order_id:
        _order_progress(result.order)
    return result


# --- CSV import ---------------------------------------------------------------------------------
CSV_COLUMNS = ("mrn", "test", "value", "unit", "collected_at", "lab")


@dataclass
class ImportReport:
    rows: list[LabResult] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    written: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def results_import(*, actor, data: bytes | str, dry_run: bool = True) -> ImportReport:
    """Import results from CSV (mrn, test = LOINC or name, value, unit, collected_at, lab).

    Every row is checked first; rows are written only when no row has an error (all or none).
    """
    require(actor, "labs.result.import")
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        rows = list(csv.reader(io.StringIO(text)))
    except (UnicodeDecodeError, csv.Error) as exc:
        report.errors.append((1, _("The file is not a readable UTF-8 CSV file (%s).") % exc))
        return report
    header = [h.strip().lower() for h in (rows[0] if rows else [])]
    missing = [c for c in CSV_COLUMNS if c not in header and c != "lab"]
    if missing:
        report.errors.append((1, _("Missing columns: %s") % ", ".join(missing)))
        return report
    catalogue_tests = LabTest.objects.filter(clinic_id=actor.clinic_id).prefetch_related("ranges")
    tests = {t.loinc_code: t for t in catalogue_tests if t.loinc_code}
    tests_by_name = {t.name.lower(): t for t in catalogue_tests}
    patients = {}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not rows
        if len(cells) != len(header):
            report.errors.append(
                (
                    line,
                    _("Expected %(n)d columns, found %(m)d.") % {"n": len(header), "m": len(cells)},
                )
            )
            continue
        row = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        try:
            patient = patients.get(row["mrn"])
            if patient is None:
                patient = Patient.objects.filter(clinic_id=actor.clinic_id, mrn=row["mrn"]).first()
                if patient is None:
                    raise ValidationError(_("Unknown MRN %s.") % (row["mrn"] or "(empty)"))
                patients[row["mrn"]] = patient
            test = tests.get(row["test"]) or tests_by_name.get(row["test"].lower())
            if test is None:
                raise ValidationError(_("Unknown test %s.") % (row["test"] or "(empty)"))
            collected_at = parse_datetime(row["collected_at"])
            if collected_at is None:
                raise ValidationError(_("collected_at is not a date and time (ISO 8601)."))
            if timezone.is_naive(collected_at):
                collected_at = timezone.make_aware(collected_at)
            report.rows.append(
                build_result(
                    actor=actor,
                    patient=patient,
                    test=test,
                    value=row["value"],
                    unit=row.get("unit") or None,
                    collected_at=collected_at,
                    performing_lab=row.get("lab", ""),
                )
            )
        except ValidationError as exc:
            report.errors.append((line, "; ".join(_messages(exc))))
    if not report.rows and not report.errors:
        report.errors.append((1, _("The file has no rows.")))
    if dry_run or report.errors:
        return report
    LabResult.objects.bulk_create(report.rows)
    report.written = len(report.rows)
    for patient in patients.values():
        audit(
            actor=actor,
            action=Action.CREATE,
            obj=patient,
            patient_id=patient.pk,
            detail="lab results imported",
        )
    return report


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{k}: {m}" if k != "__all__" else m for k, v in exc.message_dict.items() for m in v
        ]
    return exc.messages


# --- several results at once (result entry per order) -------------------------------------------
class RowsInvalid(ValidationError):
    """Some rows failed validation; `row_errors` maps each bad row's index to its error."""

    def __init__(self, row_errors: dict[int, ValidationError]):
        self.row_errors = row_errors
        super().__init__(
            _("%(count)d row(s) have errors; nothing was saved.") % {"count": len(row_errors)}
        )


def results_enter(*, actor, rows: list[dict]) -> list[LabResult]:
    """Enter several results (each row: build_result's keywords): all of them or none.

    Every row is validated first; RowsInvalid names each bad row and nothing is written.
    """
    require(actor, "labs.result.enter")
    if not rows:
        raise ValidationError(_("Enter at least one result."))
    results, errors = [], {}
    for index, row in enumerate(rows):
        try:
            results.append(build_result(actor=actor, **row))
        except ValidationError as exc:
            errors[index] = exc
    if errors:
        raise RowsInvalid(errors)
    LabResult.objects.bulk_create(results)
    orders = {}
    for result in results:
        audit(actor=actor, action=Action.CREATE, obj=result, patient_id=result.patient_id)
        if result.order_id:
            orders[result.order_id] = result.order
    for order in orders.values():
        _order_progress(order)
    return results
