"""The mobile app's view of programmes: enrol (201 with every task), a day's tasks in the
clinic's timezone, completing with values or answers (400 wrong unit or out of bounds, 409
twice), transitions (409 when the state does not allow), measurement series with the target,
lists filtered and audited per patient, query counts that do not grow with the rows."""

import datetime

import pytest

from programs import services
from programs.models import MAX_DURATION_DAYS, Step
from tests.patients.factories import PatientFactory
from tests.programs.factories import (
    audit_mark,
    audit_rows_since,
    bp,
    bp_task,
    enrol,
    published,
    today,
)

pytestmark = pytest.mark.django_db


def test_enrol_returns_the_enrolment_with_all_its_tasks(api_as, clinician, patient):
    template = published(patient.clinic)
    body = {"patient": patient.pk, "start_date": today(patient.clinic).isoformat()}
    response = api_as(clinician).post(f"/api/v1/programs/{template.pk}/enroll", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "active" and data["program"]["id"] == template.pk
    assert len(data["tasks"]) == 99
    assert {g["status"] for g in data["goals"]} == {"no_data", "not_achieved"}
    again = api_as(clinician).post(f"/api/v1/programs/{template.pk}/enroll", body, format="json")
    assert again.status_code == 409 and again.json()["detail"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"patient": "nope", "start_date": "2026-01-01"}, "patient"),
        ({"start_date": "2026-01-01"}, "patient"),
        ({"patient": "P", "start_date": "soon"}, "start_date"),
    ],
)
def test_bad_enrol_bodies_are_400_naming_the_field(api_as, clinician, patient, body, field):
    body = {k: patient.pk if v == "P" else v for k, v in body.items()}
    template = published(patient.clinic)
    response = api_as(clinician).post(f"/api/v1/programs/{template.pk}/enroll", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_start_date_too_far_is_400(api_as, clinician, patient):
    template = published(patient.clinic)
    body = {"patient": patient.pk, "start_date": "2099-01-01"}
    response = api_as(clinician).post(f"/api/v1/programs/{template.pk}/enroll", body, format="json")
    assert response.status_code == 400
    assert "start_date" in response.json()["errors"]


def test_another_clinic_s_patient_cannot_be_enrolled(api_as, clinician, patient, other_patient):
    template = published(patient.clinic)
    body = {"patient": other_patient.pk, "start_date": today(patient.clinic).isoformat()}
    response = api_as(clinician).post(f"/api/v1/programs/{template.pk}/enroll", body, format="json")
    assert response.status_code == 400


def test_patient_completes_today_s_reading_once(api_as, clinician, patient, patient_user):
    enrollment = enrol(clinician, patient)
    api = api_as(patient_user)
    tasks = api.get(f"/api/v1/enrollments/{enrollment.pk}/tasks/").json()
    assert {t["kind"] for t in tasks} == {"education", "measurement"}
    reading = next(t for t in tasks if t["kind"] == "measurement")
    url = f"/api/v1/tasks/{reading['id']}/complete"
    assert api.post(url, {"values": bp(128, unit="kPa")}, format="json").status_code == 400
    wrong = api.post(url, {"values": bp(900)}, format="json")
    assert wrong.status_code == 400 and "outside" in wrong.json()["detail"]
    done = api.post(url, {"values": bp(128, 82)}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert {"code": "8480-6", "value": 128, "unit": "mm[Hg]"} in done.json()["values"]
    assert api.post(url, {"values": bp(128)}, format="json").status_code == 409
    series = api.get(f"/api/v1/enrollments/{enrollment.pk}/measurements/?code=8480-6").json()
    assert len(series) == 1
    assert series[0]["target"] == {"low": 90.0, "high": 130.0}
    assert [p["value"] for p in series[0]["points"]] == [128.0]


def test_tomorrow_s_task_is_409_and_a_day_s_tasks_by_date(api_as, clinician, patient):
    enrollment = enrol(clinician, patient)
    api = api_as(clinician)
    tomorrow = (today(patient.clinic) + datetime.timedelta(1)).isoformat()
    tasks = api.get(f"/api/v1/enrollments/{enrollment.pk}/tasks/?date={tomorrow}").json()
    assert [t["kind"] for t in tasks] == ["measurement"]
    response = api.post(f"/api/v1/tasks/{tasks[0]['id']}/complete", {"values": bp(120)},
                        format="json")  # fmt: skip
    assert response.status_code == 409
    assert api.get(f"/api/v1/enrollments/{enrollment.pk}/tasks/?date=x").status_code == 400


def test_transitions_and_409s(api_as, clinician, patient):
    enrollment = enrol(clinician, patient)
    api = api_as(clinician)
    base = f"/api/v1/enrollments/{enrollment.pk}"
    assert api.post(f"{base}/resume").status_code == 409
    assert api.post(f"{base}/pause").json()["state"] == "paused"
    assert api.post(f"{base}/pause").status_code == 409
    assert api.post(f"{base}/resume").json()["state"] == "active"
    assert api.post(f"{base}/withdraw", {}, format="json").status_code == 400  # reason needed
    withdrawn = api.post(f"{base}/withdraw", {"reason": "Moved away"}, format="json").json()
    assert (withdrawn["state"], withdrawn["reason"]) == ("withdrawn", "Moved away")
    assert api.post(f"{base}/complete").status_code == 409


def test_enrolment_detail_has_state_adherence_and_goals(api_as, clinician, patient):
    enrollment = enrol(clinician, patient)
    services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(120))
    data = api_as(clinician).get(f"/api/v1/enrollments/{enrollment.pk}/").json()
    assert data["state"] == "active" and data["adherence"] == 100
    assert data["off_target"] is False
    assert [g["status"] for g in data["goals"]] == ["achieved", "not_achieved"]


def test_patients_list_only_their_own_enrolments(api_as, clinician, patient, patient_user):
    own = enrol(clinician, patient)
    enrol(clinician, PatientFactory(clinic=patient.clinic))
    data = api_as(patient_user).get("/api/v1/enrollments/").json()
    assert [r["id"] for r in data["results"]] == [own.pk]


def test_staff_list_filters_and_audits_each_patient_shown(api_as, clinician, patient):
    first = enrol(clinician, patient)
    second = enrol(
        clinician, PatientFactory(clinic=patient.clinic), name="Type 2 diabetes — 12 weeks"
    )
    services.enrollment_transition(actor=clinician, enrollment=second, action="pause")
    api = api_as(clinician)
    mark = audit_mark()
    data = api.get("/api/v1/enrollments/?state=active").json()
    assert [r["id"] for r in data["results"]] == [first.pk]
    rows = audit_rows_since(mark)
    assert list(rows.values_list("action", "patient_id")) == [("view", patient.pk)]
    by_program = api.get(f"/api/v1/enrollments/?program={second.template.lineage}").json()
    assert [r["id"] for r in by_program["results"]] == [second.pk]
    assert api.get(f"/api/v1/enrollments/?patient={patient.pk}").json()["count"] == 1
    assert api.get("/api/v1/enrollments/?state=nope").status_code == 400


def test_enrolment_list_costs_the_same_for_1_or_20_rows(
    api_as, clinician, patient, django_assert_max_num_queries
):
    enrol(clinician, patient)
    api = api_as(clinician)
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/enrollments/").json()["count"] == 1
    for _ in range(19):
        enrol(clinician, PatientFactory(clinic=patient.clinic))
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/enrollments/").json()["count"] == 20


def test_admins_write_templates_with_versions(api_as, admin_user, programs_clinic):
    api = api_as(admin_user)
    body = {
        "name": "Weight management",
        "duration_days": 28,
        "steps": [
            {"day": 0, "repeat": "weekly", "kind": "measurement", "title": "Weigh in",
             "measure": "weight", "targets": {"29463-7": {"low": None, "high": 90}}},
            {"day": 2, "repeat": "every_n_days", "every_days": 3, "until_day": 20,
             "kind": "check_in", "title": "Mood",
             "questions": [{"key": "mood", "text": "Mood?", "type": "scale"}]},
        ],
        "goals": [{"kind": "average", "description": "Under 90 kg", "code": "29463-7",
                   "comparator": "lt", "value": 90, "window_days": 14}],
    }  # fmt: skip
    created = api.post("/api/v1/programs/", body, format="json")
    assert created.status_code == 201, created.content
    template = created.json()
    assert template["status"] == "draft" and len(template["steps"]) == 2
    url = f"/api/v1/programs/{template['id']}"
    assert api.post(f"{url}/publish").json()["status"] == "published"
    assert api.patch(f"{url}/", {"name": "x"}, format="json").status_code == 409
    version = api.post(f"{url}/versions")
    assert version.status_code == 201 and version.json()["version"] == 2
    bad = dict(body, steps=[{"day": 0, "kind": "measurement", "title": "?"}])
    assert api.post("/api/v1/programs/", bad, format="json").status_code == 400
    listed = api.get("/api/v1/programs/?status=published").json()
    assert "Weight management" in {t["name"] for t in listed["results"]}


def test_today_costs_the_same_however_long_the_programme(
    api_as, clinician, patient, patient_user, django_assert_max_num_queries
):
    short = enrol(clinician, patient, days_ago=0)
    long = enrol(clinician, patient, name="Type 2 diabetes — 12 weeks", days_ago=30)
    api = api_as(patient_user)
    for enrollment in (short, long):
        with django_assert_max_num_queries(6):
            assert api.get(f"/api/v1/enrollments/{enrollment.pk}/tasks/").status_code == 200


def test_an_appointment_task_says_what_to_book_and_when(api_as, clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=28)
    data = api_as(clinician).get(f"/api/v1/enrollments/{enrollment.pk}/tasks/").json()
    (visit,) = [t for t in data if t["kind"] == "appointment"]
    day = today(patient.clinic)
    assert visit["booking"]["appointment_type"] == "Follow-up"
    assert visit["booking"]["start"] == day.isoformat()
    assert visit["booking"]["end"] == (day + datetime.timedelta(7)).isoformat()
    assert all(t["booking"] is None for t in data if t["kind"] != "appointment")


def test_a_booking_window_saved_before_its_bound_still_lists_the_days_tasks(
    api_as, clinician, patient
):
    """A step saved with a window of a million days (before the services bounded it) made the
    patient's day of tasks a 500: the window is read at most MAX_DURATION_DAYS long."""
    enrollment = enrol(clinician, patient, days_ago=28)
    Step.objects.filter(template=enrollment.template, kind="appointment").update(
        window_days=1_000_000
    )

    answer = api_as(clinician).get(f"/api/v1/enrollments/{enrollment.pk}/tasks/")

    assert answer.status_code == 200
    (visit,) = [t for t in answer.json() if t["kind"] == "appointment"]
    last = today(patient.clinic) + datetime.timedelta(MAX_DURATION_DAYS)
    assert visit["booking"]["end"] == last.isoformat()


def test_care_manager_must_be_a_clinician_or_nurse_of_the_clinic(
    api_as, nurse, staff, patient, other_admin
):
    template = published(patient.clinic)
    url = f"/api/v1/programs/{template.pk}/enroll"
    body = {"patient": patient.pk, "start_date": today(patient.clinic).isoformat()}
    for manager in (staff["receptionist"], other_admin):
        response = api_as(nurse).post(url, {**body, "care_manager": manager.pk}, format="json")
        assert response.status_code == 400
        assert "care_manager" in response.json()["errors"]
    chosen = api_as(nurse).post(url, {**body, "care_manager": staff["clinician"].pk}, format="json")
    assert chosen.json()["care_manager"] == staff["clinician"].pk
