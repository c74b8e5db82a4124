"""An enrolment as a FHIR R4 CarePlan with its Goals (plain JSON-ready dicts).

The CarePlan's activities are the programme's steps (planned detail with kind, code and
schedule); each Goal carries its target (a LOINC-coded measure with a Quantity, or a count)
and its achievement status now. Built by hand; the tests validate with `fhir.resources`.
"""

from programs.catalogue import COMPONENTS, MEASURES
from programs.models import Enrollment, Goal, Step

STATUS = {
    Enrollment.State.ACTIVE: "active",
    Enrollment.State.PAUSED: "on-hold",
    Enrollment.State.COMPLETED: "completed",
    Enrollment.State.WITHDRAWN: "revoked",
}
ACHIEVEMENT = {"achieved": "achieved", "not_achieved": "not-achieving", "no_data": "in-progress"}
ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"
ACTIVITY_KIND = {
    Step.Kind.MEASUREMENT: "ServiceRequest",
    Step.Kind.APPOINTMENT: "Appointment",
    Step.Kind.CHECK_IN: "Task",
    Step.Kind.EDUCATION: "CommunicationRequest",
}
UCUM = "http://unitsofmeasure.org"


def _goal_id(enrollment, goal) -> str:
    return f"{enrollment.pk}-{goal.pk}"


def _target(goal: Goal) -> dict:
    if goal.kind == Goal.Kind.AVERAGE:
        component = COMPONENTS[goal.code]
        quantity = {"value": goal.value, "unit": component.unit, "system": UCUM,
                    "code": component.unit}  # fmt: skip
        target = {
            "measure": {
                "coding": [
                    {"system": component.system, "code": goal.code, "display": str(component.label)}
                ],  # fmt: skip
            },
            "dueDuration": {"value": goal.window_days, "unit": "d", "system": UCUM, "code": "d"},
        }
        if goal.comparator in ("lt", "le"):
            target["detailRange"] = {"high": quantity}
        else:
            target["detailRange"] = {"low": quantity}
        return target
    # gol-1: a target with a detail names its measure
    what = str(Step.Kind(goal.task_kind).label) if goal.task_kind else "Tasks"
    return {
        "measure": {"text": f"{what} done"},
        "detailInteger": int(goal.value),
        "dueDuration": {"value": goal.window_days, "unit": "d", "system": UCUM, "code": "d"},
    }


def goal(enrollment, item: dict) -> dict:
    g = item["goal"]
    lifecycle = "active" if enrollment.is_open else "completed"
    if enrollment.state == Enrollment.State.WITHDRAWN:
        lifecycle = "cancelled"
    return {
        "resourceType": "Goal",
        "id": _goal_id(enrollment, g),
        "lifecycleStatus": lifecycle,
        "achievementStatus": {
            "coding": [{"system": ACHIEVEMENT_SYSTEM, "code": ACHIEVEMENT[item["status"]]}]
        },
        "description": {"text": g.description},
        "subject": {"reference": f"Patient/{enrollment.patient_id}"},
        "startDate": enrollment.start_date.isoformat(),
        "target": [_target(g)],
    }


def _timing(step: Step, enrollment) -> dict:
    if step.repeat:
        period = {"daily": 1, "weekly": 7}.get(step.repeat, step.every_days or 1)
        return {
            "scheduledTiming": {"repeat": {"frequency": 1, "period": period, "periodUnit": "d"}}
        }
    return {"scheduledString": f"day {step.day}"}


def _activity(step: Step, enrollment) -> dict:
    detail = {
        "kind": ACTIVITY_KIND[step.kind],
        "status": "in-progress" if enrollment.is_open else "completed",
        "description": step.title,
        **_timing(step, enrollment),
    }
    if step.kind == Step.Kind.MEASUREMENT:
        measure = MEASURES[step.measure]
        detail["code"] = {
            "coding": [
                {"system": c.system, "code": c.code, "display": str(c.label)}
                for c in measure.components
            ],
            "text": str(measure.label),
        }
    return {"detail": detail}


def care_plan(enrollment, goals: list[dict]) -> dict:
    template = enrollment.template
    resource = {
        "resourceType": "CarePlan",
        "id": str(enrollment.pk),
        "meta": {"lastUpdated": enrollment.updated_at.isoformat(timespec="milliseconds")},
        "status": STATUS[enrollment.state],
        "intent": "plan",
        "title": template.name,
        "description": template.description or template.name,
        "subject": {"reference": f"Patient/{enrollment.patient_id}"},
        "period": {
            "start": enrollment.start_date.isoformat(),
            "end": enrollment.end_date.isoformat(),
        },
        "created": enrollment.created_at.isoformat(timespec="milliseconds"),
        "goal": [{"reference": f"Goal/{_goal_id(enrollment, i['goal'])}"} for i in goals],
        "activity": [_activity(step, enrollment) for step in template.steps.all()],
    }
    if enrollment.care_manager_id:
        manager = enrollment.care_manager
        resource["author"] = {
            "reference": f"Practitioner/{manager.pk}",
            "display": manager.name or manager.email,
        }
    if enrollment.reason:
        resource["note"] = [{"text": enrollment.reason}]
    return resource


def bundle(enrollment, goals: list[dict]) -> dict:
    """The CarePlan with its Goals contained, as one resource the endpoint returns."""
    plan = care_plan(enrollment, goals)
    plan["contained"] = [goal(enrollment, item) for item in goals]
    plan["goal"] = [{"reference": f"#{item['id']}"} for item in plan["contained"]]
    return plan


def resources(enrollment, goals: list[dict]) -> list[dict]:
    """CarePlan and Goals as separate resources (for the whole-record export bundle)."""
    return [care_plan(enrollment, goals), *(goal(enrollment, item) for item in goals)]
