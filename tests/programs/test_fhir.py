"""An enrolment as a FHIR R4 CarePlan with its Goals, validated with `fhir.resources` (its R4B
models: R4's CarePlan and Goal, unchanged); the export is audited; the whole-record export's
resources and the chart facts other apps read."""

import datetime
import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.goal import Goal

from core.contributions import chart_sources, fhir_resources
from programs import services
from tests.programs.factories import audit_mark, audit_rows_since, bp, bp_task, enrol

pytestmark = pytest.mark.django_db


def test_care_plan_with_goals_validates(api_as, clinician, patient):
    enrollment = enrol(clinician, patient)
    services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(124))
    mark = audit_mark()
    response = api_as(clinician).get(f"/api/v1/enrollments/{enrollment.pk}/fhir")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    data = json.loads(response.content)
    CarePlan.model_validate(data)
    for goal in data["contained"]:
        Goal.model_validate(goal)
    assert data["status"] == "active" and data["intent"] == "plan"
    assert data["subject"]["reference"] == f"Patient/{patient.pk}"
    assert data["author"]["reference"] == f"Practitioner/{clinician.pk}"
    codes = [
        c["code"] for a in data["activity"] for c in a["detail"].get("code", {}).get("coding", [])
    ]
    assert codes == ["8480-6", "8462-4"]
    systolic = data["contained"][0]
    assert systolic["target"][0]["detailRange"]["high"]["value"] == 130
    assert systolic["achievementStatus"]["coding"][0]["code"] == "achieved"
    assert data["goal"] == [{"reference": f"#{g['id']}"} for g in data["contained"]]
    row = audit_rows_since(mark).get()
    assert (row.action, row.patient_id) == ("export", patient.pk)


def test_withdrawn_enrolment_is_revoked(api_as, clinician, patient):
    enrollment = enrol(clinician, patient)
    services.enrollment_transition(
        actor=clinician, enrollment=enrollment, action="withdraw", reason="Moved"
    )
    data = api_as(clinician).get(f"/api/v1/enrollments/{enrollment.pk}/fhir").json()
    CarePlan.model_validate(data)
    assert data["status"] == "revoked" and data["note"] == [{"text": "Moved"}]


def test_whole_record_resources_are_care_plans_and_goals(clinician, patient):
    enrol(clinician, patient)
    resources = fhir_resources.get("programs").resources(actor=clinician, patient=patient)
    kinds = [r["resourceType"] for r in resources]
    assert kinds == ["CarePlan", "Goal", "Goal"]
    CarePlan.model_validate(resources[0])
    for goal in resources[1:]:
        Goal.model_validate(goal)
    assert resources[0]["goal"] == [{"reference": f"Goal/{g['id']}"} for g in resources[1:]]


def test_chart_facts_cite_the_enrolment_with_off_target_values(clinician, patient):
    enrollment = enrol(clinician, patient)
    services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(150, 95))
    (fact,) = chart_sources.get("programs").facts(actor=clinician, patient=patient)
    assert fact.section == "programs" and fact.id == enrollment.pk
    assert fact.url == f"/programs/enrollments/{enrollment.pk}/"
    assert "100%" in fact.text and "150" in fact.text
    assert {v["code"] for v in fact.data["off_target"]} == {"8480-6", "8462-4"}
    assert fact.data["adherence"] == 100


def test_chart_facts_since_keep_only_newer_activity(clinician, patient):
    enrol(clinician, patient)
    source = chart_sources.get("programs")
    later = timezone.now() + datetime.timedelta(hours=1)
    assert source.facts(actor=clinician, patient=patient, since=later) == []
    assert len(source.facts(actor=clinician, patient=patient, since=None)) == 1
