"""The built-in engine on crafted facts: trends, care gaps, BM25, plain-language results."""

import datetime

from ai_assist import bm25, engine
from core.contributions import ChartFact

TODAY = datetime.date(2026, 12, 1)


def result(id, test, value, day, *, unit="%", abnormal=False, loinc=""):
    return ChartFact(
        section="results", text=f"{test} {value} {unit} on {day}", type="labs.result", id=id,
        url=f"/labs/results/{id}/", at=datetime.datetime.combine(day, datetime.time(9)),
        data={"test": test, "value": value, "unit": unit, "abnormal": abnormal, "loinc": loinc},
    )  # fmt: skip


def problem(id, name, code=""):
    return ChartFact(
        section="problems", text=name, type="patients.condition", id=id, url="/p/",
        data={"name": name, "code": code},
    )  # fmt: skip


def test_a_rising_series_is_a_trend_with_its_span_in_months():
    facts = [
        result("a", "HbA1c", "6.9", datetime.date(2026, 2, 1)),
        result("b", "HbA1c", "7.4", datetime.date(2026, 6, 1)),
        result("c", "HbA1c", "8.1", datetime.date(2026, 11, 1)),
    ]
    items = engine.result_items(facts, today=TODAY)
    assert items[0]["text"] == "HbA1c rising: 6.9 → 7.4 → 8.1 % over 9 months"


def test_a_falling_series_and_a_zigzag():
    falling = [
        result(str(i), "LDL", v, datetime.date(2026, m, 1), unit="mmol/L")
        for i, (v, m) in enumerate([("4.9", 3), ("4.1", 6), ("3.2", 9)])
    ]
    assert (
        "LDL falling: 4.9 → 4.1 → 3.2 mmol/L"
        in engine.result_items(falling, today=TODAY)[0]["text"]
    )
    zigzag = [
        result(str(i), "Glucose", v, datetime.date(2026, m, 1), unit="mg/dL")
        for i, (v, m) in enumerate([("90", 3), ("120", 6), ("95", 9)])
    ]
    assert engine.result_items(zigzag, today=TODAY) == []  # normal and no trend


def test_care_gap_for_a_diabetic_without_hba1c_and_none_with_a_recent_one():
    diabetic = [problem("p", "Type 2 diabetes", "E11.9")]
    gaps = engine.care_gaps(diabetic, today=TODAY)
    assert gaps[0]["text"] == "No HbA1c on record for Type 2 diabetes (due every 6 months)."
    old = result("r", "Hemoglobin A1c", "7.0", datetime.date(2026, 3, 1), loinc="4548-4")
    gaps = engine.care_gaps([*diabetic, old], today=TODAY)
    assert gaps[0]["text"] == (
        "No HbA1c in the last 6 months for Type 2 diabetes (last: 2026-03-01)."
    )
    assert [c["id"] for c in gaps[0]["citations"]] == ["p", "r"]
    recent = result("s", "Hemoglobin A1c", "7.0", datetime.date(2026, 10, 1), loinc="4548-4")
    assert engine.care_gaps([*diabetic, old, recent], today=TODAY) == []


def test_bm25_ranks_the_sentence_that_answers_the_question_first():
    sentences = [
        "Patient enjoys gardening and walks daily.",
        "Plan: increase metformin to 1 g twice daily and review HbA1c in three months.",
        "Feet examined, pulses present.",
    ]
    assert bm25.best("metformin dose plan", sentences, limit=1) == [sentences[1]]
    assert bm25.best("zebra", sentences) == []


def test_explanation_gives_the_range_and_no_diagnosis():
    text = engine.explain(
        {"test": "LDL cholesterol", "display_value": "4.9 mmol/L", "unit": "mmol/L",
         "low": "", "high": "3.0", "flag": "high", "reference_text": "<3.0"},
        for_patient=True,
    )  # fmt: skip
    assert text.startswith("Your LDL cholesterol result is 4.9 mmol/L.")
    assert "above the usual range (below 3 mmol/L)" in text
    assert "not a diagnosis" in text
    words = text.split()
    sentences = text.count(".")
    assert len(words) / sentences < 15  # short sentences: about grade 8


def test_soap_draft_numbers_its_sources():
    facts = [
        problem("p", "Type 2 diabetes", "E11.9"),
        result("r", "HbA1c", "8.1", datetime.date(2026, 11, 1), abnormal=True),
    ]
    sections, sources = engine.numbered(engine.draft_sections(facts, since=None, today=TODAY))
    assert [s["name"] for s in sections] == ["Subjective", "Objective", "Assessment", "Plan"]
    assert "- HbA1c 8.1 % on 2026-11-01 [" in sections[1]["text"]
    assert {s["id"] for s in sources} == {"p", "r"}
