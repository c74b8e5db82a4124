"""Time in the clinic's zone (Europe/London here): task dates across the DST changes, pause and
resume shifting what follows, the nightly "missed" job at the clinic's midnight, the patient's
daily reminder at their local hour, the care manager's alert and weekly digest."""

import datetime

import pytest

from notifications.models import Notification
from programs import schedule, services
from programs.models import Enrollment, Task
from tests.programs.factories import at, bp, bp_task, enrol, frozen

pytestmark = pytest.mark.django_db
D = datetime.timedelta


def test_today_is_the_clinic_s_date_just_after_midnight_in_summer_time(patient):
    # 00:30 BST on 25 October is 23:30 UTC on the 24th: the clinic's day is the 25th
    assert schedule.local_today(patient.clinic, at("2026-10-24T23:30:00+00:00")) == (
        datetime.date(2026, 10, 25)
    )
    assert schedule.local_today(patient.clinic, at("2026-03-29T00:30:00+00:00")) == (
        datetime.date(2026, 3, 29)
    )


def test_daily_tasks_keep_one_per_calendar_day_across_both_dst_changes(
    monkeypatch, clinician, patient
):
    frozen(monkeypatch, at("2026-03-20T12:00:00+00:00"))
    enrollment = enrol(clinician, patient)
    dates = list(
        enrollment.tasks.filter(kind="measurement").order_by("due_date")
        .values_list("due_date", flat=True)
    )  # fmt: skip
    assert dates == [datetime.date(2026, 3, 20) + D(n) for n in range(84)]
    assert datetime.date(2026, 3, 29) in dates  # the 23-hour day still has its task


def test_pause_and_resume_across_dst_shift_what_follows(monkeypatch, clinician, patient):
    frozen(monkeypatch, at("2026-03-20T12:00:00+00:00"))
    enrollment = enrol(clinician, patient)
    end = enrollment.end_date
    frozen(monkeypatch, at("2026-03-25T09:00:00+00:00"))
    services.enrollment_transition(actor=clinician, enrollment=enrollment, action="pause")
    # resumed at 00:30 BST on 1 April (23:30 UTC on 31 March): a week of pause
    frozen(monkeypatch, at("2026-03-31T23:30:00+00:00"))
    services.enrollment_transition(actor=clinician, enrollment=enrollment, action="resume")
    enrollment.refresh_from_db()
    assert enrollment.state == Enrollment.State.ACTIVE
    assert enrollment.end_date == end + D(7)
    due = dict(enrollment.tasks.filter(kind="measurement").values_list("day", "due_date"))
    assert due[4] == datetime.date(2026, 3, 24)  # before the pause: unchanged
    assert due[5] == datetime.date(2026, 4, 1)  # the pause day moves a week on
    assert due[83] == end + D(7)
    assert enrollment.tasks.filter(due_date__range=("2026-03-25", "2026-03-31")).count() == 0
    # the shifted task is due "today" and can be done now
    done = services.task_complete(actor=clinician, task=bp_task(enrollment, 5), values=bp(120))
    assert done.on_time


def test_nightly_job_marks_missed_at_the_clinic_s_midnight(monkeypatch, clinician, patient):
    frozen(monkeypatch, at("2026-10-20T12:00:00+00:00"))
    enrollment = enrol(clinician, patient)
    paused_patient_enrollment = enrol(clinician, patient, name="Type 2 diabetes — 12 weeks")
    services.enrollment_transition(
        actor=clinician, enrollment=paused_patient_enrollment, action="pause"
    )
    # 23:30 UTC on the 24th is already the 25th in London (BST): the 24th's task is missed
    result = services.nightly_run(now=at("2026-10-24T23:30:00+00:00"))
    statuses = dict(enrollment.tasks.filter(kind="measurement").values_list("day", "status"))
    assert [statuses[d] for d in range(6)] == ["missed"] * 5 + ["due"]
    assert result["missed"] == 6  # 5 readings and the education task
    assert not paused_patient_enrollment.tasks.filter(status=Task.Status.MISSED).exists()
    enrollment.refresh_from_db()
    assert enrollment.adherence == 0
    again = services.nightly_run(now=at("2026-10-24T23:40:00+00:00"))
    assert again == {"missed": 0, "refreshed": 0}  # idempotent


def test_daily_reminder_at_the_patient_s_local_hour_once_without_phi(
    monkeypatch, clinician, patient, patient_user, mailbox
):
    frozen(monkeypatch, at("2026-03-27T12:00:00+00:00"))
    enrollment = enrol(clinician, patient)
    assert enrollment.reminder_hour == 8
    assert services.daily_reminders_run(now=at("2026-03-30T06:00:00+00:00")) == 0  # 07:00 BST
    assert services.daily_reminders_run(now=at("2026-03-30T07:00:00+00:00")) == 1  # 08:00 BST
    assert services.daily_reminders_run(now=at("2026-03-30T07:20:00+00:00")) == 0  # once a day
    note = Notification.objects.get(recipient=patient_user, event=services.EVENT_TASKS_TODAY)
    assert "Ana" not in note.title and "Silva" not in note.title
    assert note.link == f"/api/v1/enrollments/{enrollment.pk}/tasks/"
    assert len(mailbox.messages) == 1  # the e-mail (checked for PHI by the suite's fixture)
    assert "Silva" not in mailbox.body(mailbox.messages[0])


def test_alert_range_value_tells_the_care_manager_in_app_at_once(
    clinician, nurse, patient, patient_user
):
    enrollment = enrol(nurse, patient, care_manager=clinician)
    services.task_complete(actor=patient_user, task=bp_task(enrollment), values=bp(182, 95))
    alert = Notification.objects.get(event=services.EVENT_ALERT)
    assert alert.recipient == clinician
    assert alert.link == f"/programs/enrollments/{enrollment.pk}/"
    services.task_complete(
        actor=patient_user,
        task=bp_task(enrollment, 0).__class__.objects.get(enrollment=enrollment, kind="education"),
    )
    assert Notification.objects.filter(event=services.EVENT_ALERT).count() == 1


def test_an_alert_whose_care_manager_left_goes_to_the_clinicians(
    clinician, nurse, patient, patient_user, admin_user
):
    from clinics.services import staff_deactivate

    enrollment = enrol(clinician, patient, care_manager=nurse)
    staff_deactivate(actor=admin_user, user=nurse)

    services.task_complete(actor=patient_user, task=bp_task(enrollment), values=bp(182, 95))

    [alert] = Notification.objects.filter(event=services.EVENT_ALERT)
    assert alert.recipient == clinician


def test_a_value_in_range_raises_no_alert(clinician, patient):
    enrollment = enrol(clinician, patient)
    services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(179, 100))
    assert not Notification.objects.filter(event=services.EVENT_ALERT).exists()


def test_weekly_digest_goes_to_care_managers_of_enrolments_falling_behind(
    clinician, nurse, patient
):
    from tests.patients.factories import PatientFactory

    behind = enrol(clinician, patient, days_ago=5)
    fine = enrol(nurse, PatientFactory(clinic=patient.clinic))
    services.nightly_run()
    Enrollment.objects.filter(pk=fine.pk).update(adherence=90)
    assert Enrollment.objects.get(pk=behind.pk).adherence == 0
    assert services.behind_digest_run() == 1
    digest = Notification.objects.get(event=services.EVENT_BEHIND)
    assert digest.recipient == clinician
    assert digest.link == "/programs/?behind=on"
