"""Demo programmes: `seed_demo --program-enrolments N` enrols up to N patients with history."""

import argparse
import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from core.contributions import seeders
from core.roles import Role
from programs import demo, schedule
from programs.models import Enrollment, Measurement, Task
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_seeding_enrols_with_history_and_never_twice(staff, clinic):
    for _ in range(4):
        PatientFactory(clinic=clinic)
    users = {Role.CLINICIAN: staff["clinician"], Role.NURSE: staff["nurse"]}
    assert demo.seed_enrollments(clinic=clinic, users=users, count=3) == 3
    assert demo.seed_enrollments(clinic=clinic, users=users, count=3) == 1  # one patient left
    assert Enrollment.objects.filter(clinic=clinic).count() == 4
    assert Task.objects.filter(status="done").exists()
    assert (
        Task.objects.filter(status="missed").exists()
        or Task.objects.filter(status="skipped").exists()
    )
    assert Measurement.objects.exists()
    assert all(e.adherence is not None for e in Enrollment.objects.all())


def test_each_seeded_enrolment_has_its_create_audit_row_and_its_tasks(staff, clinic):
    for _ in range(3):
        PatientFactory(clinic=clinic)
    users = {Role.CLINICIAN: staff["clinician"]}
    demo.seed_enrollments(clinic=clinic, users=users, count=3)
    audited = AuditEvent.objects.filter(object_type="programs.Enrollment", action="create")
    assert sorted(audited.values_list("object_id", "patient_id")) == sorted(
        (e.pk, e.patient_id) for e in Enrollment.objects.all()
    )
    with_tasks = set(Task.objects.values_list("enrollment_id", flat=True).distinct())
    assert with_tasks == set(Enrollment.objects.values_list("pk", flat=True))


def test_no_seeded_activity_lies_ahead_of_now(staff, clinic, monkeypatch):
    """Today's tasks were stamped at a random 08:00–19:59: in the morning the dashboard showed
    "last activity" in the evening ahead."""
    for _ in range(12):
        PatientFactory(clinic=clinic)
    morning = datetime.datetime.now(schedule.clinic_zone(clinic)).replace(hour=8, minute=1)
    monkeypatch.setattr(timezone, "now", lambda: morning.astimezone(datetime.UTC))
    demo.seed_enrollments(clinic=clinic, users={Role.NURSE: staff["nurse"]}, count=12)
    done = Task.objects.exclude(completed_at=None).values_list("completed_at", flat=True)
    assert done and max(done) <= morning
    assert all(
        e.last_activity_at <= morning for e in Enrollment.objects.exclude(last_activity_at=None)
    )


def test_the_option_is_offered_by_seed_demo():
    parser = argparse.ArgumentParser()
    seeders.get("programs").add_arguments(parser)
    assert parser.parse_args(["--program-enrolments", "7"]).program_enrolments == 7
