"""Lab results as FHIR R4 resources (plain JSON-ready dicts): `Observation` per result and
`DiagnosticReport` per order with its Observations contained.

Built by hand so the runtime needs no FHIR library; the tests validate the output with
`fhir.resources`. Only elements with a value are written: FHIR forbids empty elements.
"""

from decimal import Decimal

from labs import units
from labs.models import Flag, LabOrder, LabResult, ValueType

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"

OBSERVATION_STATUS = {
    LabResult.Status.PRELIMINARY: "preliminary",
    LabResult.Status.FINAL: "final",
    LabResult.Status.CORRECTED: "amended",
}
INTERPRETATIONS = {
    Flag.NORMAL: ("N", "Normal"),
    Flag.LOW: ("L", "Low"),
    Flag.HIGH: ("H", "High"),
    Flag.CRITICAL_LOW: ("LL", "Critical low"),
    Flag.CRITICAL_HIGH: ("HH", "Critical high"),
    Flag.ABNORMAL: ("A", "Abnormal"),
}
POSNEG_CODES = {"Positive": ("10828004", "Positive"), "Negative": ("260385009", "Negative")}
LAB_CATEGORY = [
    {
        "coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory", "display": "Laboratory"}],
        "text": "Laboratory",
    }
]
REPORT_CATEGORY = [
    {"coding": [{"system": V2_0074, "code": "LAB", "display": "Laboratory"}], "text": "Laboratory"}
]
LAB_REPORT_CODE = {
    "coding": [{"system": LOINC, "code": "11502-2", "display": "Laboratory report"}],
    "text": "Lab report",
}


def _instant(moment) -> str:
    return moment.isoformat()


def fhir_decimal(value: Decimal) -> int | Decimal:
    """A FHIR decimal with the places it is written with: its precision is part of the value
    (5.10 is to the hundredth), so a float's 5.1 would lose it. The Decimal is kept for the
    FHIR renderer to write digit for digit; a whole number is an int."""
    return int(value) if value.as_tuple().exponent >= 0 else value


def _quantity(value: Decimal, unit: str) -> dict:
    """FHIR's `unit` is for a reader ("×10³/µL"), `code` the UCUM code a machine reads."""
    quantity = {"value": fhir_decimal(value)}
    if unit:
        quantity.update({"unit": units.display(unit), "system": UCUM, "code": unit})
    return quantity


def _code(name: str, loinc: str) -> dict:
    concept = {"text": name}
    if loinc:
        concept["coding"] = [{"system": LOINC, "code": loinc, "display": name}]
    return concept


def observation(result: LabResult, *, id: str | None = None, for_patient: bool = False) -> dict:
    """One result as an R4 Observation (`result.test` should be loaded); its patient's copy
    without the reviewer's comment (the clinic's own working)."""
    test = result.test
    resource = {
        "resourceType": "Observation",
        "id": id or str(result.pk),
        "meta": {"lastUpdated": _instant(result.updated_at)},
        "status": OBSERVATION_STATUS.get(result.status, "unknown"),
        "category": LAB_CATEGORY,
        "code": _code(test.name, test.loinc_code),
        "subject": {"reference": f"Patient/{result.patient_id}"},
        "effectiveDateTime": _instant(result.collected_at),
    }
    if result.reported_at:
        resource["issued"] = _instant(result.reported_at)
    if result.performing_lab:
        resource["performer"] = [{"display": result.performing_lab}]
    if result.value_numeric is not None:
        resource["valueQuantity"] = _quantity(result.written_number, result.unit)
    elif test.value_type == ValueType.POSNEG and result.value_text in POSNEG_CODES:
        code, display = POSNEG_CODES[result.value_text]
        resource["valueCodeableConcept"] = {
            "coding": [{"system": SNOMED, "code": code, "display": display}],
            "text": result.value_text,
        }
    elif result.value_text:
        resource["valueString"] = result.value_text
    if result.flag in INTERPRETATIONS:
        code, display = INTERPRETATIONS[result.flag]
        resource["interpretation"] = [
            {"coding": [{"system": INTERPRETATION, "code": code, "display": display}]}
        ]
    reference = {}
    if result.reference_low is not None:
        reference["low"] = _quantity(result.reference_low.normalize(), result.unit)
    if result.reference_high is not None:
        reference["high"] = _quantity(result.reference_high.normalize(), result.unit)
    if result.reference_text:
        reference["text"] = result.reference_text
    if reference:
        resource["referenceRange"] = [reference]
    if result.review_comment and not for_patient:
        resource["note"] = [{"text": result.review_comment}]
    return resource


def report_status(order: LabOrder, results: list[LabResult]) -> str:
    if order.status == LabOrder.Status.CANCELLED:
        return "cancelled"
    if not results:
        return "registered"
    ordered = {item.test_id for item in order.items.all()}
    if not ordered <= {r.test_id for r in results}:
        return "partial"
    statuses = {r.status for r in results}
    if LabResult.Status.PRELIMINARY in statuses:
        return "preliminary"
    if LabResult.Status.CORRECTED in statuses:
        return "corrected"
    return "final"


def report_code(order: LabOrder) -> dict:
    """The panel's LOINC code when the order is exactly one coded panel, else "Lab report"."""
    items = list(order.items.all())
    panels = {item.panel_id for item in items}
    if len(panels) == 1 and None not in panels:
        panel = items[0].panel
        if panel is not None and panel.loinc_code:
            return _code(panel.name, panel.loinc_code)
    return LAB_REPORT_CODE


def diagnostic_report(order: LabOrder, results: list[LabResult]) -> dict:
    """An order as an R4 DiagnosticReport; its results are contained Observations."""
    resource = {
        "resourceType": "DiagnosticReport",
        "id": str(order.pk),
        "meta": {"lastUpdated": _instant(order.updated_at)},
        "status": report_status(order, results),
        "category": REPORT_CATEGORY,
        "code": report_code(order),
        "subject": {"reference": f"Patient/{order.patient_id}"},
    }
    effective = order.collected_at or min((r.collected_at for r in results), default=None)
    if effective:
        resource["effectiveDateTime"] = _instant(effective)
    reported = [r.reported_at for r in results if r.reported_at]
    if reported:
        resource["issued"] = _instant(max(reported))
    if results:
        contained = [observation(r, id=f"obs-{r.pk}") for r in results]
        resource["contained"] = contained
        resource["result"] = [
            {"reference": f"#{obs['id']}", "display": r.test.name}
            for obs, r in zip(contained, results, strict=True)
        ]
    return resource
