"""The AI summary's lab trends show each value with the decimal places it was written with."""

import datetime

from ai_assist import engine
from labs.contributions import chart_facts
from tests.ai_assist.conftest import add_result
from tests.labs.factories import days_ago
from tests.patients.factories import PatientFactory

CREATININE = "2160-0"


def test_a_trend_of_results_keeps_their_trailing_zeros(ai_clinic, catalogue, clinician, staff):
    patient = PatientFactory(clinic=ai_clinic)
    for value, days in (("0.90", 200), ("1.00", 100), ("1.10", 10)):
        add_result(patient, catalogue[CREATININE], value, days_ago(days), actor=staff["lab_tech"])

    facts = chart_facts(actor=clinician, patient=patient)
    texts = [item["text"] for item in engine.result_items(facts, today=datetime.date.today())]

    assert any("Creatinine rising: 0.90 → 1.00 → 1.10 mg/dL" in text for text in texts), texts
