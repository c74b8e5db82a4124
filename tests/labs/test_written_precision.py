"""A value keeps the decimal places it was written with (creatinine 1.10 is not 1.1) on every
page and in the API, in the clinic's decimal separator; results recorded before the places were
kept show what they showed; flags do not change with the places."""

import html

import pytest

from labs import services
from labs.models import LabResult
from tests.labs import test_html_base as base
from tests.labs.test_html_base import POTASSIUM, add_result, ago, panel_html
from tests.labs.test_html_import import HEADER, confirm, upload
from tests.labs.test_reviewer_fixes import api_result, comma_clinic, grid, one_test_order
from tests.patients.html_factories import page_text

catalogue, lab_tech, login, patient = base.catalogue, base.lab_tech, base.login, base.patient
comma_clinic = comma_clinic
CREATININE = "2160-0"


def shown(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_value_entered_on_the_grid_shows_its_trailing_zero_on_every_page(
    login, api_as, clinician, lab_tech, patient, catalogue
):
    creatinine = catalogue[CREATININE]
    order = one_test_order(clinician, patient, creatinine)
    assert grid(login(lab_tech), order, ["1.10"]).status_code == 302
    result = LabResult.objects.get()
    client = login(clinician)

    for path in (
        f"/labs/results/{result.pk}/",
        f"/labs/orders/{order.pk}/",
        f"/labs/patients/{patient.pk}/tests/{creatinine.pk}/",  # table and chart's tooltip
        "/labs/review/",
    ):
        assert "1.10 mg/dL" in shown(client, path), path
    assert "1.10 mg/dL" in panel_html(client.get(f"/patients/{patient.pk}/"))
    trend_page = shown(client, f"/labs/patients/{patient.pk}/tests/{creatinine.pk}/")
    assert ": 1.10 mg/dL (" in trend_page  # the chart point's own label

    api = api_as(clinician)
    detail = api.get(f"/api/v1/labs/results/{result.pk}/").json()
    assert (detail["value"], detail["decimal_places"]) == (1.1, 2)  # still a JSON number
    assert detail["display_value"] == "1.10 mg/dL"
    trend = api.get(f"/api/v1/patients/{patient.pk}/labs/trend/{creatinine.pk}/").json()
    assert trend["points"][0]["decimal_places"] == 2


@pytest.mark.parametrize(("typed", "display"), [("1.0", "1.0"), ("1.10", "1.10"), ("5", "5")])
def test_the_api_and_the_csv_import_keep_the_places_written(
    login, api_as, lab_tech, patient, catalogue, typed, display
):
    created = api_result(api_as, lab_tech, patient, catalogue[CREATININE], typed)
    assert created.status_code == 201
    assert created.json()["display_value"] == f"{display} mg/dL"

    csv_text = HEADER + f"{patient.mrn},{CREATININE},{typed},mg/dL,2025-01-10T08:00:00,Central\n"
    client = login(lab_tech)
    assert confirm(client, upload(client, csv_text)).status_code == 302
    imported = LabResult.objects.get(performing_lab="Central")
    assert f"{display} mg/dL" in shown(client, f"/labs/results/{imported.pk}/")


def test_a_correction_keeps_the_places_of_both_the_new_and_the_earlier_value(
    login, api_as, lab_tech, patient, catalogue
):
    result = add_result(lab_tech, patient, catalogue[CREATININE], "1.10")
    response = login(lab_tech).post(
        f"/labs/results/{result.pk}/correct/", {"value": "0.90", "reason": "re-run"}
    )
    assert response.status_code == 302

    page = page_text(login(lab_tech).get(f"/labs/results/{result.pk}/"))
    assert "0.90 mg/dL" in page and "1.10 mg/dL" in page  # the value, and the history's
    detail = api_as(lab_tech).get(f"/api/v1/labs/results/{result.pk}/").json()
    assert detail["display_value"] == "0.90 mg/dL" and detail["decimal_places"] == 2
    assert detail["history"][0]["value"] == 1.1 and detail["history"][0]["decimal_places"] == 2


def test_a_clinic_writing_decimal_commas_sees_them_with_the_places_written(
    login, comma_clinic, lab_tech, clinician, patient, catalogue
):
    result = add_result(lab_tech, patient, catalogue[CREATININE], "1,10")
    assert "1,10 mg/dL" in shown(login(clinician), f"/labs/results/{result.pk}/")


def test_results_recorded_before_the_places_were_kept_show_what_they_showed(
    login, clinician, lab_tech, patient, catalogue
):
    result = add_result(lab_tech, patient, catalogue[CREATININE], "1.10")
    LabResult.objects.filter(pk=result.pk).update(value_places=None)

    page = shown(login(clinician), f"/labs/results/{result.pk}/")
    assert "1.1 mg/dL" in page and "1.10 mg/dL" not in page


def test_the_places_written_change_no_flag(lab_tech, patient, catalogue):
    potassium = catalogue[POTASSIUM]
    plain = add_result(lab_tech, patient, potassium, "6.5", ago(2))
    padded = add_result(lab_tech, patient, potassium, "6.5000", ago(1))
    assert padded.flag == plain.flag == "critical_high"
    assert padded.display_value == "6.5000 mmol/L"
    assert str(services.clean_value(potassium, "6.50000")[0]) == "6.5000"  # 4 places, as stored
