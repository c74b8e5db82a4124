"""The chart summary: sections, trends, care gaps, citations that resolve, the cache, audit."""

import datetime
import json

import pytest
from django.db.models import QuerySet
from django.test import Client

from accounts.models import AuditEvent
from core.roles import Role
from notes.models import Note
from tests.ai_assist.conftest import add_result
from tests.labs.factories import days_ago
from tests.notes.factories import audit_mark, audit_rows_since

pytestmark = pytest.mark.django_db


def summarise(api_as, user, patient):
    response = api_as(user).post(f"/api/v1/ai/patients/{patient.pk}/summary", format="json")
    assert response.status_code == 200, response.content
    return response.json()


def section(body, key):
    return next(s for s in body["sections"] if s["key"] == key)


def test_summary_has_the_sections_a_clinician_reads_before_a_visit(api_as, clinician, chart):
    body = summarise(api_as, clinician, chart["patient"])

    keys = [s["key"] for s in body["sections"]]
    assert keys[:3] == ["problems", "medications", "results"]
    problems = [i["text"] for i in section(body, "problems")["items"]]
    assert any("Type 2 diabetes" in text for text in problems)
    assert not any("Old fracture" in text for text in problems)  # resolved
    meds = " ".join(i["text"] for i in section(body, "medications")["items"])
    assert "Metformin 500 mg" in meds and "Penicillin" in meds
    results = [i["text"] for i in section(body, "results")["items"]]
    assert "Hemoglobin A1c rising: 6.9 → 7.4 → 8.1 % over 9 months" in results
    assert any(text.startswith("LDL cholesterol") and "(high)" in text for text in results)
    assert body["banner"] == "AI-drafted — check before use"
    assert body["generated_by"] == {"engine": "builtin", "model": "rules-2"}
    assert body["generated_at"]
    assert "Hemoglobin A1c rising" in body["text"]


def test_the_trend_cites_each_of_its_three_results(api_as, clinician, chart):
    body = summarise(api_as, clinician, chart["patient"])
    trend = next(i for i in section(body, "results")["items"] if "rising" in i["text"])
    assert [c["id"] for c in trend["citations"]] == [r.pk for r in chart["hba1c"]]
    assert {c["type"] for c in trend["citations"]} == {"labs.result"}


def test_every_citation_is_a_record_of_this_patient_and_opens_for_a_clinician(
    api_as, clinician, chart
):
    body = summarise(api_as, clinician, chart["patient"])
    own = {
        chart["diabetes"].pk, chart["metformin"].pk, chart["allergy"].pk, chart["ldl"].pk,
        chart["note"].pk, *(r.pk for r in chart["hba1c"]),
    }  # fmt: skip
    assert body["citations"]
    assert {c["id"] for c in body["citations"]} <= own
    web = Client()
    web.force_login(clinician)
    for cited in body["citations"]:
        assert web.get(cited["url"]).status_code == 200, cited


def test_a_diabetic_without_a_recent_hba1c_has_a_care_gap(api_as, clinician, staff, chart):
    from labs.models import LabResult

    LabResult.objects.filter(pk=chart["hba1c"][-1].pk).delete()  # newest now 140 days old
    add_result(
        chart["patient"],
        chart["hba1c"][0].test,
        "7.0",
        days_ago(400),
        actor=staff[Role.ADMIN],
    )
    LabResult.objects.filter(pk=chart["hba1c"][1].pk).update(collected_at=days_ago(200))

    gaps = section(summarise(api_as, clinician, chart["patient"]), "care_gaps")["items"]

    assert len(gaps) == 1
    assert gaps[0]["text"].startswith("No HbA1c in the last 6 months for Type 2 diabetes")
    assert chart["diabetes"].pk in [c["id"] for c in gaps[0]["citations"]]


def test_a_recent_hba1c_closes_the_care_gap(api_as, clinician, chart):
    body = summarise(api_as, clinician, chart["patient"])
    assert "care_gaps" not in [s["key"] for s in body["sections"]]


def test_the_notes_section_quotes_the_sentence_that_answers_the_problems(api_as, clinician, chart):
    notes = section(summarise(api_as, clinician, chart["patient"]), "notes")["items"]
    assert "Continue metformin" in notes[0]["text"] or "HbA1c" in notes[0]["text"]
    assert notes[0]["citations"][0]["id"] == chart["note"].pk


def test_the_summary_is_cached_until_the_chart_changes(api_as, clinician, staff, chart):
    first = summarise(api_as, clinician, chart["patient"])
    again = summarise(api_as, clinician, chart["patient"])
    assert (first["cached"], again["cached"]) == (False, True)
    assert again["generated_at"] == first["generated_at"]

    add_result(
        chart["patient"], chart["hba1c"][0].test, "8.6", days_ago(1), actor=staff[Role.ADMIN]
    )
    changed = summarise(api_as, clinician, chart["patient"])
    assert changed["cached"] is False
    assert any("8.6" in i["text"] for i in section(changed, "results")["items"])


def test_each_request_is_audited_with_feature_provider_and_categories(api_as, clinician, chart):
    mark = audit_mark()
    summarise(api_as, clinician, chart["patient"])
    rows = audit_rows_since(mark)
    ai = [r for r in rows if r.detail.startswith("AI summary")]
    assert len(ai) == 1
    assert ai[0].actor_id == clinician.pk and ai[0].patient_id == chart["patient"].pk
    assert "provider builtin" in ai[0].detail
    assert "data used: allergies, medications, notes, problems, results" in ai[0].detail
    assert "sent: none" in ai[0].detail
    assert rows.filter(action=AuditEvent.Action.VIEW, object_id=chart["patient"].pk).exists()


def test_an_empty_chart_gets_a_summary_that_says_so(api_as, clinician, ai_clinic):
    from tests.patients.factories import PatientFactory

    patient = PatientFactory(clinic=ai_clinic)
    body = summarise(api_as, clinician, patient)
    assert body["sections"] == [] and body["citations"] == []
    assert body["text"] == "Nothing recorded in this chart yet."


def test_the_patient_page_offers_the_summary_and_it_renders_with_its_banner(
    client, clinician, chart
):
    client.force_login(clinician)
    page = client.get(f"/patients/{chart['patient'].pk}/")
    assert b"Summarise the chart" in page.content
    response = client.post(f"/ai/patients/{chart['patient'].pk}/summary/", follow=True)
    assert response.status_code == 200
    assert "AI-drafted — check before use" in response.content.decode()
    assert "Hemoglobin A1c rising" in response.content.decode()
    assert f"/labs/results/{chart['hba1c'][0].pk}/".encode() in response.content


def test_a_lab_technician_does_not_see_the_summary_panel(client, staff, chart):
    client.force_login(staff[Role.LAB_TECH])
    assert b"Summarise the chart" not in client.get(f"/patients/{chart['patient'].pk}/").content


def test_dates_in_the_summary_are_the_clinics_days(api_as, clinician, chart, catalogue):
    """A result taken, and a note signed, at 11:30 in the morning in Auckland is that day's,
    not the day before's (23:30 UTC)."""
    clinic = chart["patient"].clinic
    clinic.timezone = "Pacific/Auckland"
    clinic.save(update_fields=["timezone"])
    late_utc = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)
    chart["ldl"].collected_at = late_utc
    chart["ldl"].save(update_fields=["collected_at"])
    # As if signed then: past the notes' guard, which keeps a signed note's fields as they are.
    QuerySet.update(Note.objects.filter(pk=chart["note"].pk), signed_at=late_utc)

    body = summarise(api_as, clinician, chart["patient"])

    ldl = next(i["text"] for i in section(body, "results")["items"] if "LDL" in i["text"])
    assert ldl.endswith("on 2026-12-01")
    assert "(2026-12-01)" in " ".join(i["text"] for i in section(body, "notes")["items"])
    assert "2026-11-30" not in json.dumps(body)  # the citations' texts too
