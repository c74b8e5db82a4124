"""FHIR export: results as R4 Observations and orders as DiagnosticReports, validated with
`fhir.resources` (its R4B models: R4's Observation and DiagnosticReport, unchanged)."""

import json
from decimal import Decimal

import pytest
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import Observation

from core.roles import Role
from labs import fhir, services
from labs.models import LabResult
from tests.labs.factories import (
    GLUCOSE,
    HEMOGLOBIN,
    HIV,
    audit_mark,
    audit_rows_since,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
    panel,
)
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


@pytest.fixture
def tests(clinic):
    return install_catalogue(clinic)


@pytest.fixture
def admin(staff):
    return staff[Role.ADMIN]


@pytest.fixture
def patient(clinic, admin, tests):
    return make_patient(clinic, actor=admin, sex="male")


def observation(client, result) -> dict:
    response = client.get(f"/api/v1/labs/results/{result.pk}/fhir")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    data = json.loads(response.content)
    Observation.model_validate(data)  # raises on anything R4 does not allow
    return data


def test_a_quantitys_unit_is_for_a_reader_and_its_code_for_a_machine(
    admin_api, patient, tests, admin
):
    """FHIR's Quantity.unit is the human-readable unit; the UCUM code goes in `code` (the
    printable record prints `unit`)."""
    result = make_result(patient, tests["777-3"], "250", actor=admin)

    data = observation(admin_api, result)

    assert data["valueQuantity"] == {
        "value": 250,
        "unit": "×10³/µL",
        "system": UCUM,
        "code": "10*3/uL",
    }
    assert data["referenceRange"][0]["low"]["unit"] == "×10³/µL"


@pytest.mark.parametrize(
    ("value", "code"),
    [("30", "LL"), ("65", "L"), ("85", "N"), ("120", "H"), ("600", "HH")],
)
def test_numeric_observation(admin_api, patient, tests, admin, value, code):
    result = make_result(patient, tests[GLUCOSE], value, actor=admin, performing_lab="Central")
    data = observation(admin_api, result)
    result.refresh_from_db()  # as stored (MongoDB keeps milliseconds)
    assert data["resourceType"] == "Observation" and data["id"] == result.pk
    assert data["status"] == "final"
    assert data["category"][0]["coding"][0]["code"] == "laboratory"
    assert data["code"]["coding"] == [{"system": LOINC, "code": GLUCOSE, "display": "Glucose"}]
    assert data["subject"] == {"reference": f"Patient/{patient.pk}"}
    assert data["valueQuantity"] == {
        "value": int(value),
        "unit": "mg/dL",
        "system": UCUM,
        "code": "mg/dL",
    }
    assert data["referenceRange"] == [
        {
            "low": {"value": 70, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"},
            "high": {"value": 99, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"},
            "text": "70–99",
        }
    ]
    assert data["interpretation"][0]["coding"][0] == {
        "system": INTERPRETATION,
        "code": code,
        "display": data["interpretation"][0]["coding"][0]["display"],
    }
    assert data["effectiveDateTime"] == result.collected_at.isoformat()
    assert data["issued"]
    assert data["performer"] == [{"display": "Central"}]


def test_a_value_keeps_the_places_it_was_written_with(patient, tests, admin):
    """FHIR's decimal keeps its precision: haemoglobin written 13.10 is to the hundredth, and
    the Observation says 13.10, not 13.1; a whole number stays whole."""
    written = make_result(patient, tests[HEMOGLOBIN], "13.10", actor=admin)
    whole = make_result(patient, tests[GLUCOSE], "250", actor=admin)
    stored = LabResult.objects.select_related("test").in_bulk([written.pk, whole.pk])

    value = fhir.observation(stored[written.pk])["valueQuantity"]["value"]
    assert (type(value), str(value)) == (Decimal, "13.10")
    Observation.model_validate(fhir.observation(stored[written.pk]))
    assert fhir.observation(stored[whole.pk])["valueQuantity"]["value"] == 250
    assert type(fhir.observation(stored[whole.pk])["valueQuantity"]["value"]) is int


def test_the_json_text_keeps_the_written_places(admin_api, patient, tests, admin):
    result = make_result(patient, tests[HEMOGLOBIN], "13.10", actor=admin)
    response = admin_api.get(f"/api/v1/labs/results/{result.pk}/fhir")
    assert b'"valueQuantity":{"value":13.10,' in response.content


def test_statuses(admin_api, patient, tests, admin):
    preliminary = make_result(patient, tests[HEMOGLOBIN], "14.2", actor=admin, status="preliminary")
    assert observation(admin_api, preliminary)["status"] == "preliminary"
    final = make_result(patient, tests[HEMOGLOBIN], "14.2", actor=admin)
    services.result_correct(actor=admin, result=final, value="12.9", reason="Rerun")
    data = observation(admin_api, final)
    assert data["status"] == "amended"
    assert data["valueQuantity"]["value"] == 12.9
    assert data["interpretation"][0]["coding"][0]["code"] == "L"  # male range 13.5–17.5


@pytest.mark.parametrize(("value", "code"), [("negative", "N"), ("positive", "A")])
def test_positive_negative_observation(admin_api, patient, tests, admin, value, code):
    data = observation(admin_api, make_result(patient, tests[HIV], value, actor=admin))
    concept = data["valueCodeableConcept"]
    assert concept["text"] == value.capitalize()
    assert concept["coding"][0]["system"] == "http://snomed.info/sct"
    assert data["interpretation"][0]["coding"][0]["code"] == code
    assert data["referenceRange"] == [{"text": "Negative"}]


def test_text_observation_and_no_range(admin_api, clinic, patient, admin):
    test = services.labtest_create(actor=admin, name="Urine colour", value_type="text")
    data = observation(admin_api, make_result(patient, test, "Straw", actor=admin))
    assert data["valueString"] == "Straw"
    assert data["code"] == {"text": "Urine colour"}
    assert "interpretation" not in data and "referenceRange" not in data


def test_export_is_audited(api_as, patient, tests, admin):
    result = make_result(patient, tests[GLUCOSE], "85", actor=admin)
    since = audit_mark()
    observation(api_as(portal_user(patient)), result)  # patients may export their own
    rows = audit_rows_since(since)
    assert [(r.action, r.object_id, r.patient_id) for r in rows] == [
        ("export", result.pk, patient.pk)
    ]


def test_json_on_request(admin_api, patient, tests, admin):
    result = make_result(patient, tests[GLUCOSE], "85", actor=admin)
    response = admin_api.get(
        f"/api/v1/labs/results/{result.pk}/fhir", HTTP_ACCEPT="application/json"
    )
    assert response["Content-Type"].startswith("application/json")


# --- DiagnosticReport ----------------------------------------------------------------------------
def report(client, order) -> dict:
    response = client.get(f"/api/v1/labs/orders/{order.pk}/fhir/")
    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    DiagnosticReport.model_validate(data)
    for contained in data.get("contained", []):
        Observation.model_validate(contained)
    return data


def test_panel_report_with_contained_observations(admin_api, clinic, patient, tests, admin):
    lipid = panel(clinic, "Lipid")
    order = make_order(patient, actor=admin, panels=[lipid])
    services.order_collect(actor=admin, order=order)
    assert report(admin_api, order)["status"] == "registered"
    codes = ["2093-3", "2085-9", "13457-7", "2571-8"]
    values = ["180", "35", "120", "140"]
    results = [
        make_result(patient, tests[code], value, actor=admin, order=order)
        for code, value in zip(codes[:2], values[:2], strict=True)
    ]
    assert report(admin_api, order)["status"] == "partial"
    results += [
        make_result(patient, tests[code], value, actor=admin, order=order)
        for code, value in zip(codes[2:], values[2:], strict=True)
    ]
    data = report(admin_api, order)
    assert data["status"] == "final"
    assert data["code"]["coding"][0] == {"system": LOINC, "code": "24331-1", "display": lipid.name}
    assert data["subject"] == {"reference": f"Patient/{patient.pk}"}
    assert data["category"][0]["coding"][0]["code"] == "LAB"
    assert data["effectiveDateTime"] and data["issued"]
    contained = {c["id"]: c for c in data["contained"]}
    assert [ref["reference"] for ref in data["result"]] == [f"#obs-{r.pk}" for r in results]
    assert {c["code"]["coding"][0]["code"] for c in contained.values()} == set(codes)
    hdl = contained[f"obs-{results[1].pk}"]
    assert hdl["interpretation"][0]["coding"][0]["code"] == "L"  # HDL 35 < 40 for men
    services.result_correct(actor=admin, result=results[0], value="181", reason="Typo")
    assert report(admin_api, order)["status"] == "corrected"


def test_mixed_order_is_a_lab_report_and_cancelled_status(admin_api, patient, tests, admin):
    order = make_order(patient, actor=admin, tests=[tests[GLUCOSE], tests[HEMOGLOBIN]])
    data = report(admin_api, order)
    assert data["code"]["text"] == "Lab report"
    assert "result" not in data and "contained" not in data
    services.order_cancel(actor=admin, order=order, reason="Refused")
    assert report(admin_api, order)["status"] == "cancelled"


def test_report_with_preliminary_results(admin_api, patient, tests, admin):
    order = make_order(patient, actor=admin, tests=[tests[GLUCOSE]])
    make_result(patient, tests[GLUCOSE], "88", actor=admin, order=order, status="preliminary")
    assert report(admin_api, order)["status"] == "preliminary"


def test_report_export_is_audited(admin_api, patient, tests, admin):
    order = make_order(patient, actor=admin, tests=[tests[GLUCOSE]])
    since = audit_mark()
    report(admin_api, order)
    rows = audit_rows_since(since)
    assert [(r.action, r.object_id, r.patient_id) for r in rows] == [
        ("export", order.pk, patient.pk)
    ]
