"""What users see after the fuzzing review's fixes: a test's unit no longer changes under its
results (nor to a unit nobody knows), a collection time in year 1 is a row error and not a
crash, a value is stored as typed or refused (never rounded to another number), and a sign-off
whose comment is too long says so and keeps the comment."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import Role
from labs import services
from labs.models import LabResult, LabTest
from tests.labs import test_html_base as base
from tests.labs.test_html_base import GLUCOSE, POTASSIUM, add_result, ago
from tests.labs.test_html_workflow import local, row_data
from tests.patients.html_factories import field_error, page_text

catalogue, lab_tech, login, patient = base.catalogue, base.lab_tech, base.login, base.patient
TSH, WBC = "3016-3", "6690-2"
RESULTS_API = "/api/v1/labs/results/"
TESTS_API = "/api/v1/labs/tests/"


def edit_test(client, test, **changes):
    """The catalogue's edit form as the page posts it: every field, some of them changed."""
    data = {
        "name": test.name,
        "unit": test.unit,
        "critical_low": "" if test.critical_low is None else str(test.critical_low),
        "critical_high": "" if test.critical_high is None else str(test.critical_high),
        "is_active": "on" if test.is_active else "",
        **changes,
    }
    return client.post(f"/labs/catalogue/{test.pk}/", {k: v for k, v in data.items() if v})


def outside_result(client, patient, test, value, collected_at=None, **fields):
    return client.post(
        f"/labs/patients/{patient.pk}/results/new/",
        {
            "test": test.pk,
            "value": value,
            "collected_at": collected_at or local(ago(1)),
            "status": "final",
            **fields,
        },
    )


# --- 1. a test's unit ---------------------------------------------------------------------------
def test_the_unit_of_a_test_with_results_cannot_change(
    login, admin_user, lab_tech, patient, catalogue
):
    glucose = catalogue[GLUCOSE]
    add_result(lab_tech, patient, glucose, "90")
    response = edit_test(login(admin_user), glucose, unit="mmol/L")

    assert response.status_code == 200
    error = field_error(response, "unit")
    assert "already has results in mg/dL" in error and "add a new test" in error
    assert "has been saved" not in page_text(response)
    glucose.refresh_from_db()
    assert glucose.unit == "mg/dL" and glucose.critical_low == 40
    # a new result of the test is still read in mg/dL and flagged as such
    assert add_result(lab_tech, patient, glucose, "90").flag == "normal"


def test_a_spelling_of_the_same_unit_is_still_saved(
    login, admin_user, lab_tech, patient, catalogue
):
    glucose = catalogue[GLUCOSE]
    add_result(lab_tech, patient, glucose, "90")
    assert edit_test(login(admin_user), glucose, unit="mg/dl").status_code == 302
    glucose.refresh_from_db()
    assert glucose.unit == "mg/dl"


def test_the_api_refuses_the_same_unit_change(admin_api, lab_tech, patient, catalogue):
    glucose = catalogue[GLUCOSE]
    add_result(lab_tech, patient, glucose, "90")
    response = admin_api.patch(f"{TESTS_API}{glucose.pk}/", {"unit": "mmol/L"}, format="json")

    assert response.status_code == 400, response.content
    assert "already has results in mg/dL" in response.json()["errors"]["unit"][0]
    glucose.refresh_from_db()
    assert glucose.unit == "mg/dL"


def test_a_unit_change_before_any_result_converts_limits_and_ranges(
    login, admin_user, lab_tech, patient, catalogue
):
    glucose = catalogue[GLUCOSE]
    assert edit_test(login(admin_user), glucose, unit="mmol/L").status_code == 302
    glucose.refresh_from_db()
    reference = glucose.ranges.get()

    assert (glucose.unit, glucose.critical_low, glucose.critical_high) == (
        "mmol/L",
        Decimal("2.2"),
        Decimal("27.8"),
    )
    assert (reference.low, reference.high) == (Decimal("3.9"), Decimal("5.5"))
    assert add_result(lab_tech, patient, glucose, "5.5").flag == "normal"  # not critical low


@pytest.mark.parametrize(
    ("loinc", "unit", "says"),
    [
        (GLUCOSE, "kg", "Glucose is reported in mg/dL or mmol/L"),
        (GLUCOSE, "notaunit", "Glucose is reported in mg/dL or mmol/L"),
        (POTASSIUM, "notaunit", "not a unit"),
        (POTASSIUM, "mmol/L/", "not a unit"),
    ],
)
def test_a_unit_nobody_knows_is_refused(login, admin_user, catalogue, loinc, unit, says):
    test = catalogue[loinc]
    response = edit_test(login(admin_user), test, unit=unit)

    assert response.status_code == 200 and says in field_error(response, "unit")
    old = test.unit
    test.refresh_from_db()
    assert test.unit == old


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"name": "Zinc", "unit": "ug/dL"}, 201),
        ({"name": "Neutrophils", "unit": "×10³/µL"}, 201),
        ({"name": "ESR", "unit": "mm/h"}, 201),
        ({"name": "Blood pressure", "unit": "mm[Hg]"}, 201),
        ({"name": "eGFR", "unit": "mL/min/{1.73_m2}"}, 201),
        ({"name": "Casts", "unit": "/[LPF]"}, 201),
        ({"name": "Ratio", "unit": "{ratio}"}, 201),
        ({"name": "Zinc", "unit": "notaunit"}, 400),
        ({"name": "Zinc", "unit": "mg//dL"}, 400),
        ({"name": "Glucose 2", "loinc_code": "2345-7", "unit": "kg"}, 400),
    ],
)
def test_the_api_creates_tests_only_in_known_units(admin_api, catalogue, payload, status):
    if payload.get("loinc_code"):
        LabTest.objects.filter(loinc_code=payload["loinc_code"]).delete()
    response = admin_api.post(TESTS_API, payload, format="json")

    assert response.status_code == status, response.content
    if status == 400:
        assert "unit" in response.json()["errors"]


# --- 2. a collection time in an implausible year ------------------------------------------------
def upload(client, rows):
    text = "mrn,test,value,unit,collected_at,lab\n" + "".join(f"{row}\n" for row in rows)
    return client.post(
        "/labs/import/",
        {"action": "preview", "file": SimpleUploadedFile("r.csv", text.encode(), "text/csv")},
    )


def test_an_import_row_collected_in_year_1_is_a_row_error(login, lab_tech, patient, catalogue):
    response = upload(
        login(lab_tech),
        [
            f"{patient.mrn},2345-7,5,,0001-01-01T00:00:00+00:00,City",
            f"{patient.mrn},2345-7,5,,0001-01-01T00:00:00+14:00,City",
            f"{patient.mrn},2345-7,5,,3000-01-01T00:00:00,City",
            f"{patient.mrn},2345-7,90,,2025-01-10T08:00:00,City",
        ],
    )

    assert response.status_code == 200
    rows = response.context["report"].rows
    assert [bool(row.errors) for row in rows] == [True, True, True, False]
    assert "between the years 1900 and 2999" in rows[0].errors[0]
    assert "between the years 1900 and 2999" in page_text(response)
    assert not LabResult.objects.exists()


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "1899-12-31T23:59"])
def test_the_result_forms_refuse_year_1(login, clinician, lab_tech, patient, catalogue, when):
    response = outside_result(login(lab_tech), patient, catalogue[GLUCOSE], "90", when)

    assert response.status_code == 200
    assert "between the years 1900 and 2999" in field_error(response, "collected_at")
    order = services.order_create(actor=clinician, patient=patient, tests=[catalogue[GLUCOSE]])
    grid = login(lab_tech).post(
        f"/labs/orders/{order.pk}/results/", row_data([{"value": "90"}], collected_at=when)
    )
    assert grid.status_code == 200
    assert "between the years 1900 and 2999" in field_error(grid, "collected_at")
    assert not LabResult.objects.exists()


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:00-12:00",
        "1899-06-01T00:00:00Z",
    ],
)
def test_the_api_refuses_a_time_outside_1900_to_2999(api_as, staff, patient, catalogue, when):
    body = {"patient": patient.pk, "test": catalogue[GLUCOSE].pk, "value": "90"}
    response = api_as(staff[Role.LAB_TECH]).post(
        RESULTS_API, {**body, "collected_at": when}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "collected_at" in response.json()["errors"]
    assert not LabResult.objects.exists()


# --- 3. a value with more decimals than are stored ----------------------------------------------
@pytest.mark.parametrize(("loinc", "value"), [(TSH, "0.00004"), (WBC, "0.00004")])
def test_a_value_with_more_than_4_decimals_is_refused_not_rounded(
    login, lab_tech, patient, catalogue, loinc, value
):
    response = outside_result(login(lab_tech), patient, catalogue[loinc], value)

    assert response.status_code == 200
    assert "At most 4 decimal places" in field_error(response, "value")
    assert not LabResult.objects.exists()  # neither 0 nor a critical value


@pytest.mark.parametrize(("value", "stored"), [("0.0004", "0.0004"), ("5.50000", "5.5")])
def test_a_value_with_4_decimals_or_trailing_zeros_is_kept(
    lab_tech, patient, catalogue, value, stored
):
    result = add_result(lab_tech, patient, catalogue[TSH], value)
    result.refresh_from_db()
    assert result.value_numeric == Decimal(stored)


def test_the_grid_and_the_api_refuse_it_too(login, api_as, clinician, lab_tech, patient, catalogue):
    order = services.order_create(actor=clinician, patient=patient, tests=[catalogue[TSH]])
    grid = login(lab_tech).post(
        f"/labs/orders/{order.pk}/results/",
        row_data([{"value": "0.00004"}], collected_at=local(ago(1))),
    )
    assert grid.status_code == 200
    assert "At most 4 decimal places" in field_error(grid, "r0-value")

    api = api_as(lab_tech).post(
        RESULTS_API,
        {
            "patient": patient.pk,
            "test": catalogue[TSH].pk,
            "value": "0.00004",
            "collected_at": ago(1).isoformat(),
        },
        format="json",
    )
    assert api.status_code == 400, api.content
    assert "At most 4 decimal places" in api.json()["errors"]["value"][0]
    assert not LabResult.objects.exists()


def test_a_correction_with_more_decimals_is_refused(login, lab_tech, patient, catalogue):
    result = add_result(lab_tech, patient, catalogue[TSH], "1.5")
    response = login(lab_tech).post(
        f"/labs/results/{result.pk}/correct/", {"value": "0.00004", "reason": "Rerun"}
    )
    assert response.status_code == 200
    assert "At most 4 decimal places" in field_error(response, "value")
    result.refresh_from_db()
    assert result.value_numeric == Decimal("1.5")


# --- 4. a sign-off comment over the limit -------------------------------------------------------
def test_a_too_long_sign_off_comment_says_so_and_is_kept(
    login, clinician, lab_tech, patient, catalogue
):
    result = add_result(lab_tech, patient, catalogue[GLUCOSE], "90")
    comment = "Discussed with the patient. " + "x" * 2000
    client = login(clinician)
    response = client.post(
        "/labs/review/sign-off/",
        {
            "scope": "patient",
            "patient": patient.pk,
            "comment": comment,
            "next": "/labs/review/",
        },
        follow=True,
    )

    text = page_text(response)
    assert "could not be read" not in text
    assert "The comment is too long" in text and "2000 characters" in text
    result.refresh_from_db()
    assert result.reviewed_at is None  # nothing signed off
    # the queue shows the comment typed, in its group's box, to shorten and send again
    box = re.search(r'<input[^>]*name="comment"[^>]*>', response.content.decode())[0]
    assert comment in box.replace("&#x27;", "'")
    # once only: the next visit of the queue starts empty
    again = client.get("/labs/review/").content.decode()
    assert comment not in again
