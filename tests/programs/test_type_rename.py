"""Programme steps name the appointment type their visit books: renaming the type (in the
appointments app, which programs never imports) renames those references, so the task's
booking link still finds the type and booking it still closes the task."""

import datetime

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from programs import services
from programs.models import Step
from tests.appointments.conftest import add_hours
from tests.programs.factories import enrol, today
from tests.programs.test_booking_closes_task import at_ten, type_named, visit_task, weekday_from

pytestmark = pytest.mark.django_db
RENAMED = "Follow-up visit"


def visit(api, enrollment) -> dict:
    (task,) = [
        t
        for t in api.get(f"/api/v1/enrollments/{enrollment.pk}/tasks/").json()
        if t["kind"] == "appointment"
    ]
    return task


def test_renaming_a_type_renames_the_steps_that_book_it_and_tasks_still_close(
    api_as, staff, clinician, patient, patient_user, other_clinic
):
    clinic = patient.clinic
    add_hours(clinic, clinician)
    admin = staff[Role.ADMIN]
    enrollment = enrol(clinician, patient, days_ago=28)
    published = enrollment.template
    draft, _new = services.template_new_version(actor=admin, template=published)
    elsewhere = set(
        Step.objects.filter(clinic=other_clinic, appointment_type="Follow-up").values_list(
            "pk", flat=True
        )
    )
    follow_up = type_named(clinic)

    renamed = api_as(admin).patch(
        f"/api/v1/appointments/types/{follow_up.pk}/", {"name": RENAMED}, format="json"
    )

    assert renamed.status_code == 200, renamed.content
    steps = Step.objects.filter(template__in=[published, draft], kind=Step.Kind.APPOINTMENT)
    assert steps.count() >= 2
    assert {step.appointment_type for step in steps} == {RENAMED}  # every version
    assert not Step.objects.filter(clinic=clinic, appointment_type="Follow-up").exists()
    untouched = Step.objects.filter(clinic=other_clinic, appointment_type="Follow-up")
    assert set(untouched.values_list("pk", flat=True)) == elsewhere  # another clinic's own
    for template in (published, draft):
        assert AuditEvent.objects.filter(
            actor=admin, object_id=template.pk, detail="appointment type renamed"
        ).exists()

    app = api_as(patient_user)
    task = visit(app, enrollment)
    assert task["booking"]["appointment_type_id"] == follow_up.pk
    day = weekday_from(today(clinic) + datetime.timedelta(days=2))
    booked = app.post(
        "/api/v1/appointments/",
        {
            "provider": clinician.pk,
            "type": task["booking"]["appointment_type_id"],
            "start": at_ten(clinic, day).isoformat(),
        },
        format="json",
    )
    assert booked.status_code == 201, booked.content
    assert visit_task(enrollment).status == "done"
    assert visit(app, enrollment)["appointment"] == booked.json()["id"]


def test_a_change_that_keeps_the_name_renames_nothing(api_as, staff, clinician, patient):
    enrollment = enrol(clinician, patient)
    follow_up = type_named(patient.clinic)
    changed = api_as(staff[Role.ADMIN]).patch(
        f"/api/v1/appointments/types/{follow_up.pk}/", {"colour": "#AA0000"}, format="json"
    )
    assert changed.status_code == 200
    assert visit_task(enrollment).step.appointment_type == "Follow-up"
    assert not AuditEvent.objects.filter(detail="appointment type renamed").exists()
