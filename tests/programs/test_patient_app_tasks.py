"""What the patient's app needs from a day's tasks to carry each one out, and the refusals it
shows a patient as they are."""

import datetime
import zoneinfo

from appointments.models import AppointmentType
from programs.models import Task
from tests.programs.factories import bp, enrol, today


def tasks_of(api, enrollment, day=None):
    query = f"?date={day.isoformat()}" if day else ""
    answer = api.get(f"/api/v1/enrollments/{enrollment.pk}/tasks/{query}")
    assert answer.status_code == 200, answer.content
    return {t["kind"]: t for t in answer.json()}


def test_each_task_says_what_the_app_must_ask(api_as, clinician, patient, patient_user):
    enrollment = enrol(clinician, patient, days_ago=6)  # day 6: the weekly check-in too
    tasks = tasks_of(api_as(patient_user), enrollment)

    reading = tasks["measurement"]
    assert reading["measure"]["key"] == "blood_pressure"
    assert [(c["code"], c["label"], c["unit"]) for c in reading["measure"]["components"]] == [
        ("8480-6", "Systolic", "mm[Hg]"),
        ("8462-4", "Diastolic", "mm[Hg]"),
    ]
    assert reading["questions"] == []
    check_in = tasks["check_in"]
    assert [(q["key"], q["type"]) for q in check_in["questions"]] == [
        ("medication", "yes_no"),
        ("feeling", "scale"),
        ("notes", "text"),
    ]
    assert check_in["questions"][0]["text"] == "Did you take your medication every day?"
    assert check_in["measure"] is None

    day_0 = tasks_of(api_as(patient_user), enrollment, enrollment.start_date)
    assert "Sit quietly for **5 minutes**" in day_0["education"]["body"]


def test_an_appointment_task_links_the_free_slots_of_its_type(
    api_as, clinician, patient, patient_user
):
    enrollment = enrol(clinician, patient, days_ago=28)
    api = api_as(patient_user)
    booking = tasks_of(api, enrollment)["appointment"]["booking"]

    follow_up = AppointmentType.objects.get(clinic=patient.clinic, name="Follow-up")
    assert booking["appointment_type_id"] == follow_up.pk
    assert f"type={follow_up.pk}" in booking["slots"]
    slots = api.get(booking["slots"])
    assert slots.status_code == 200, slots.content  # the link is followed as given


def test_a_type_patients_may_not_book_is_named_without_an_id(
    api_as, clinician, patient, patient_user
):
    enrollment = enrol(clinician, patient, days_ago=28)
    AppointmentType.objects.filter(clinic=patient.clinic, name="Follow-up").update(
        patient_bookable=False
    )
    booking = tasks_of(api_as(patient_user), enrollment)["appointment"]["booking"]
    assert booking["appointment_type"] == "Follow-up"
    assert booking["appointment_type_id"] is None
    assert "type=" not in booking["slots"]


def test_a_retry_of_one_s_own_reading_speaks_to_the_patient(
    api_as, clinician, patient, patient_user
):
    enrollment = enrol(clinician, patient)
    api = api_as(patient_user)
    url = f"/api/v1/tasks/{tasks_of(api, enrollment)['measurement']['id']}/complete"
    assert api.post(url, {"values": bp(128, 82)}, format="json").status_code == 200

    again = api.post(url, {"values": bp(128, 82)}, format="json")

    assert again.status_code == 409
    assert again.json()["detail"].startswith("You already recorded this task at ")


def test_a_swapped_blood_pressure_is_refused(api_as, clinician, patient, patient_user):
    enrollment = enrol(clinician, patient)
    api = api_as(patient_user)
    task_id = tasks_of(api, enrollment)["measurement"]["id"]

    swapped = api.post(f"/api/v1/tasks/{task_id}/complete", {"values": bp(80, 120)}, format="json")

    assert swapped.status_code == 400
    assert swapped.json()["detail"].endswith("Systolic 80 must be higher than diastolic 120.")
    assert Task.objects.get(pk=task_id).status == "due"


def test_a_boolean_or_an_absurd_number_is_not_a_reading(api_as, clinician, patient, patient_user):
    enrollment = enrol(clinician, patient)
    api = api_as(patient_user)
    url = f"/api/v1/tasks/{tasks_of(api, enrollment)['measurement']['id']}/complete"
    values = bp(128)
    values[0]["value"] = True

    boolean = api.post(url, {"values": values}, format="json")
    huge = api.post(url, {"values": bp(1e308)}, format="json")

    assert boolean.status_code == 400
    assert "A number is required, written in full" in boolean.json()["detail"]
    assert huge.status_code == 400
    assert "Systolic 1e+308 is outside 40–300 mmHg." in huge.json()["detail"]
    assert len(huge.json()["detail"]) < 200
    assert Task.objects.get(pk=url.split("/")[4]).status == "due"


def test_a_day_outside_the_calendar_is_a_400(api_as, clinician, patient, patient_user):
    enrollment = enrol(clinician, patient)
    answer = api_as(patient_user).get(f"/api/v1/enrollments/{enrollment.pk}/tasks/?date=3026-01-01")
    assert answer.status_code == 400
    assert answer.json()["errors"]["date"] == ["Give a date between 1900 and 2999."]


def test_a_task_due_later_says_its_day_as_the_clinic_writes_dates(
    api_as, clinician, patient, patient_user
):
    enrollment = enrol(clinician, patient)
    api = api_as(patient_user)
    tomorrow = today(patient.clinic) + datetime.timedelta(1)
    task_id = tasks_of(api, enrollment, tomorrow)["measurement"]["id"]

    early = api.post(f"/api/v1/tasks/{task_id}/complete", {"values": bp(120)}, format="json")

    assert early.status_code == 409
    assert early.json()["detail"] == (f"This task is due on {tomorrow:%d/%m/%Y}.")


def test_an_enrolment_names_its_care_manager(api_as, clinician, patient, patient_user):
    enrollment = enrol(clinician, patient, care_manager=clinician)
    mine = api_as(patient_user).get(f"/api/v1/enrollments/{enrollment.pk}/").json()
    listed = api_as(patient_user).get("/api/v1/enrollments/").json()["results"]
    assert mine["care_manager"] == clinician.pk
    assert mine["care_manager_name"] == clinician.name
    assert listed[0]["care_manager_name"] == clinician.name


def test_a_reading_sent_as_text_is_read_only_when_written_plainly(
    api_as, clinician, patient, patient_user
):
    """As the labs API reads a typed value (core.numbers): "1e2" is not 100, "36,6" is refused
    saying how to write it, " 121 " is 121; the app's JSON numbers are numbers."""
    enrollment = enrol(clinician, patient)
    api = api_as(patient_user)
    url = f"/api/v1/tasks/{tasks_of(api, enrollment)['measurement']['id']}/complete"

    for written in ("1e2", "0x7f"):
        refused = api.post(url, {"values": bp(written)}, format="json")
        assert refused.status_code == 400 and "not 1e3" in refused.json()["detail"], written
    comma = api.post(url, {"values": bp("121,5")}, format="json")
    assert comma.status_code == 400 and "Write 1215 or 121.5" in comma.json()["detail"]
    assert Task.objects.get(pk=url.split("/")[4]).status == "due"
    assert api.post(url, {"values": bp(" 121 ")}, format="json").status_code == 200


def test_a_spanish_patient_at_a_us_clinic_reads_her_own_formats(
    api_as, clinician, patient, patient_user
):
    """The refusals' days and times are written as the patient's pages write them (Spanish:
    day first, 24-hour), not in the en-US clinic's month-first, 12-hour forms."""
    clinic = patient.clinic
    clinic.locale = "en-US"
    clinic.save()
    patient_user.language = "es"
    patient_user.save()
    enrollment = enrol(clinician, patient)
    api = api_as(patient_user)
    tomorrow = today(clinic) + datetime.timedelta(1)
    early_id = tasks_of(api, enrollment, tomorrow)["measurement"]["id"]
    url = f"/api/v1/tasks/{tasks_of(api, enrollment)['measurement']['id']}/complete"
    assert api.post(url, {"values": bp(128, 82)}, format="json").status_code == 200

    early = api.post(f"/api/v1/tasks/{early_id}/complete", {"values": bp(120)}, format="json")
    again = api.post(url, {"values": bp(128, 82)}, format="json")

    assert early.json()["detail"] == f"Esta tarea vence el {tomorrow:%d/%m/%Y}."
    done = Task.objects.get(pk=url.split("/")[4]).completed_at
    at = done.astimezone(zoneinfo.ZoneInfo(clinic.timezone))
    assert again.json()["detail"] == f"Ya registró esta tarea a las {at:%H:%M}."
