"""What readers see after the locale review: in a clinic writing decimals with a comma "1.500" is
refused (it means 1500 there), ranges carry the reader's decimal separator beside the values,
several critical values are counted in the plural, import errors read like the grid's, "-0" is 0,
a refusal echoes the digits typed, and the trend chart writes the clinic's dates."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ai_assist.redaction import Redactor
from labs import services
from labs.contributions import chart_facts
from labs.models import LabResult
from tests.labs import test_html_base as base
from tests.labs.test_html_base import GLUCOSE, POTASSIUM, add_result, ago
from tests.labs.test_html_import import HEADER, upload
from tests.labs.test_html_workflow import local, row_data
from tests.patients.html_factories import field_error, page_text

catalogue, lab_tech, login, patient = base.catalogue, base.lab_tech, base.login, base.patient
CHLORIDE = "2075-0"
RESULTS_API = "/api/v1/labs/results/"


@pytest.fixture
def comma_clinic(clinic):
    """A clinic whose locale writes decimals with a comma (Spanish): its staff read Spanish."""
    clinic.locale = "es"
    clinic.save(update_fields=["locale"])
    return clinic


def grid(client, order, values):
    return client.post(
        f"/labs/orders/{order.pk}/results/",
        row_data([{"value": v} for v in values], collected_at=local(ago(1))),
    )


def api_result(api_as, user, patient, test, value):
    return api_as(user).post(
        RESULTS_API,
        {"patient": patient.pk, "test": test.pk, "value": value, "collected_at": ago(1)},
        format="json",
    )


# --- 1. "1.500" in a decimal-comma clinic is 1500 or 1,5: refused, never read as 1.5 -------------
@pytest.mark.parametrize(
    ("value", "advice"),
    [
        ("1.500", "Escriba 1500 o 1,5:"),  # the clinic writes Spanish
        ("12.000", "Escriba 12000 o 12:"),
        ("1.234.567", "Escriba 1234567, sin puntos:"),
    ],
)
def test_a_thousands_point_in_a_comma_clinic_is_refused_on_the_grid(
    login, comma_clinic, clinician, lab_tech, patient, catalogue, value, advice
):
    order = services.order_create(actor=clinician, patient=patient, tests=[catalogue[GLUCOSE]])
    response = grid(login(lab_tech), order, [value])

    assert response.status_code == 200
    assert advice in field_error(response, "r0-value")
    assert f'value="{value}"' in response.content.decode()  # kept as typed, to fix
    assert not LabResult.objects.exists()  # no false critical low of 1.5 mg/dL


def test_the_thousands_point_is_refused_in_every_door(
    login, api_as, comma_clinic, lab_tech, patient, catalogue
):
    glucose = catalogue[GLUCOSE]
    client = login(lab_tech)
    outside = client.post(
        f"/labs/patients/{patient.pk}/results/new/",
        {"test": glucose.pk, "value": "1.500", "collected_at": local(ago(1)), "status": "final"},
    )
    assert "1500" in field_error(outside, "value") and "1,5" in field_error(outside, "value")

    result = add_result(lab_tech, patient, glucose, "90")
    correction = client.post(
        f"/labs/results/{result.pk}/correct/", {"value": "1.500", "reason": "typo"}
    )
    assert "1500" in field_error(correction, "value")
    result.refresh_from_db()
    assert result.value_numeric == 90 and result.flag == "normal"

    csv_text = HEADER + f"{patient.mrn};2345-7;1.500;mg/dL;2025-01-10T08:00:00;Central\n"
    assert "1500" in page_text(upload(client, csv_text.replace(",", ";")))

    api = api_result(api_as, lab_tech, patient, glucose, "1.500")
    assert api.status_code == 400 and "1500" in str(api.json()["errors"]["value"])
    assert LabResult.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "stored"), [("1.5", "1.5"), ("140.00", "140.00"), ("0.500", "0.500"), ("1,5", "1.5")]
)
def test_a_point_that_cannot_separate_thousands_is_still_read(
    comma_clinic, lab_tech, patient, catalogue, value, stored
):
    result = add_result(lab_tech, patient, catalogue[POTASSIUM], value)
    assert result.written_number == Decimal(stored)


def test_a_json_number_is_a_number_in_a_comma_clinic(
    api_as, comma_clinic, lab_tech, patient, catalogue
):
    api = api_result(api_as, lab_tech, patient, catalogue[POTASSIUM], 4.125)
    assert api.status_code == 201 and api.json()["value"] == 4.125


# --- 2. reference ranges with the reader's decimal separator -------------------------------------
def test_ranges_show_the_decimal_comma_beside_the_values(
    login, comma_clinic, clinician, lab_tech, patient, catalogue
):
    potassium = catalogue[POTASSIUM]
    order = services.order_create(actor=clinician, patient=patient, tests=[potassium])
    grid_page = page_text(login(lab_tech).get(f"/labs/orders/{order.pk}/results/"))
    assert "3,5–5,1" in grid_page and "3.5–5.1" not in grid_page

    result = add_result(lab_tech, patient, potassium, "5,9", order=order)
    client = login(clinician)
    pages = {
        "result": f"/labs/results/{result.pk}/",
        "order": f"/labs/orders/{order.pk}/",
        "review queue": "/labs/review/",
        "patient": f"/patients/{patient.pk}/",
        "trend": f"/labs/patients/{patient.pk}/tests/{potassium.pk}/",
    }
    for name, url in pages.items():
        text = page_text(client.get(url))
        assert "3,5–5,1" in text and "5,9 mmol/L" in text, name
        assert "3.5–5.1" not in text, name

    trend = page_text(client.get(pages["trend"]))
    chart = re.search(r'<svg[^>]*class="hp-trend-chart[^"]*".*?</svg>', trend, re.S)[0]
    band = re.search(r'class="reference-band".*?<title>(.*?)</title>', chart, re.S)[1]
    assert "3,5–5,1" in band
    assert "3,5–5,1" in re.search(r"<desc[^>]*>(.*?)</desc>", chart, re.S)[1]
    result.refresh_from_db()
    assert result.reference_text == "3.5–5.1"  # stored as it was


# --- 3. several critical values are counted
def test_several_critical_values_are_named_in_the_plural(
    login, clinician, lab_tech, patient, catalogue
):
    tests = [catalogue[GLUCOSE], catalogue[POTASSIUM], catalogue[CHLORIDE]]
    order = services.order_create(actor=clinician, patient=patient, tests=tests)
    response = login(lab_tech).post(
        f"/labs/orders/{order.pk}/results/",
        row_data([{"value": v} for v in ("30", "7.2", "130")], collected_at=local(ago(1))),
        follow=True,
    )
    text = page_text(response)
    assert "3 results saved, including 3 CRITICAL values: Glucose 30 mg/dL," in text
    assert "including a CRITICAL value" not in text


def test_one_critical_value_among_several_keeps_the_singular(
    login, clinician, lab_tech, patient, catalogue
):
    tests = [catalogue[GLUCOSE], catalogue[POTASSIUM]]
    order = services.order_create(actor=clinician, patient=patient, tests=tests)
    response = login(lab_tech).post(
        f"/labs/orders/{order.pk}/results/",
        row_data([{"value": v} for v in ("90", "7.2")], collected_at=local(ago(1))),
        follow=True,
    )
    assert "2 results saved, including a CRITICAL value: Potassium 7.2" in page_text(response)


# --- 4. import errors without a raw field prefix
def test_import_errors_read_as_the_grid_shows_them(login, lab_tech, patient, catalogue):
    csv_text = (
        HEADER
        + f'{patient.mrn},2345-7,"1,5",mg/dL,2025-01-10T08:00:00,Central\n'
        + f"{patient.mrn},2823-3,4.0,mmol/L,2025-01-10T08:00:00,{'L' * 201}\n"
    )
    text = " ".join(re.sub(r"<[^>]+>", " ", page_text(upload(login(lab_tech), csv_text))).split())

    assert "Error: Write 15 or 1.5: a comma is not read as a decimal point here." in text
    assert "value:" not in text
    assert "Error: performing lab: Ensure this value has at most 200 characters" in text


# --- 5. "-0" is 0
@pytest.mark.parametrize("value", ["-0", "-0.0"])
def test_minus_zero_is_stored_and_shown_as_zero(api_as, lab_tech, patient, catalogue, value):
    api = api_result(api_as, lab_tech, patient, catalogue[GLUCOSE], value)
    assert api.status_code == 201
    shown = api.json()["display_value"]
    assert not shown.startswith("-") and shown.startswith("0")
    assert not str(LabResult.objects.get().written_number).startswith("-")


# --- 6. a refusal echoes the digits typed
def test_a_correction_refused_echoes_the_zero_typed(login, lab_tech, patient, catalogue):
    result = add_result(lab_tech, patient, catalogue[POTASSIUM], "4.0")
    response = login(lab_tech).post(
        f"/labs/results/{result.pk}/correct/", {"value": "1,20", "reason": "typo"}
    )
    assert "Write 120 or 1.20:" in field_error(response, "value")


# --- 7. the trend chart writes the clinic's dates
def test_the_trend_chart_writes_dates_as_the_table_does(
    login, comma_clinic, lab_tech, patient, catalogue
):
    potassium = catalogue[POTASSIUM]
    when = timezone.make_aware(datetime(2025, 12, 5, 9, 0))
    add_result(lab_tech, patient, potassium, "5,9", when=when)
    add_result(lab_tech, patient, potassium, "4,0", when=when.replace(day=20))
    page = page_text(login(lab_tech).get(f"/labs/patients/{patient.pk}/tests/{potassium.pk}/"))
    chart = re.search(r'<svg[^>]*class="hp-trend-chart[^"]*".*?</svg>', page, re.S)[0]

    assert "2025-12-05" not in chart and "2025-12-20" not in chart
    assert re.search(r"<text[^>]*>05/12/2025</text>", chart)  # the x axis
    assert "05/12/2025: 5,9 mmol/L" in chart  # the point's tooltip
    description = re.search(r"<desc[^>]*>(.*?)</desc>", chart, re.S)[1]
    assert "05/12/2025" in description and "20/12/2025" in description


# --- 8. the AI summary's lab facts -----------------------------------------------------------
def test_a_lab_fact_reads_in_words_with_its_day_left_for_redaction(
    clinician, lab_tech, patient, catalogue
):
    when = timezone.make_aware(datetime(2025, 12, 5, 9, 0))
    add_result(lab_tech, patient, catalogue[POTASSIUM], "5.90", when=when)

    (fact,) = chart_facts(actor=clinician, patient=patient)
    assert fact.text == "Potassium 5.90 mmol/L (high) on 2025-12-05"
    assert Redactor(patient, shift_days=10).redact(fact.text).endswith("on 2025-12-15")
