"""The appointments API as a mobile app sees it: shapes, offsets, 409s, patients' rules, .ics,
feeds and the schema."""

import datetime

import icalendar
import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from appointments.models import Appointment, AppointmentType, AvailabilityRule, Status
from appointments.serializers import SlotSerializer
from core.roles import Role
from patients.models import Patient
from tests.appointments.conftest import local
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/appointments/"


@pytest.fixture
def desk(api_as, staff):
    return api_as(staff[Role.RECEPTIONIST])


@pytest.fixture
def patient_user(patient):
    patient.user = UserFactory(clinic=None, role=Role.PATIENT, email="ada@example.org")
    patient.save()
    return patient.user


def create(client, patient, provider, start, appointment_type, **extra):
    body = {"provider": provider.pk, "type": appointment_type.pk, "start": start.isoformat()}
    if patient is not None:
        body["patient"] = patient.pk
    return client.post(BASE, {**body, **extra}, format="json")


def test_create_answers_201_in_the_clinic_offset(desk, patient, provider, follow_up, monday, tz):
    summer = local(monday, "09:00", tz)
    response = create(
        desk, patient, provider, summer.astimezone(datetime.UTC), follow_up, reason="Knee"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["start"] == summer.isoformat()
    assert body["end"] == local(monday, "09:20", tz).isoformat()
    assert body["status"] == "booked" and body["series"] is None
    assert body["patient"] == patient.pk and body["reason"] == "Knee"


def test_clash_is_409_with_the_times(desk, patient, patient2, provider, follow_up, monday, tz):
    create(desk, patient, provider, local(monday, "09:00", tz), follow_up)
    response = create(desk, patient2, provider, local(monday, "09:00", tz), follow_up)
    assert response.status_code == 409
    assert response.json()["clashes"] == [
        {
            "start": local(monday, "09:00", tz).isoformat(),
            "end": local(monday, "09:20", tz).isoformat(),
        }
    ]
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("start", "field"),
    [
        ("2027-02-30T09:00:00+00:00", "start"),
        ("2027-03-01T09:00:00", "start"),
        ("tomorrow", "start"),
        ("9999-12-31T23:00:00+00:00", "start"),  # an end past year 9999 was a 500
    ],
)
def test_bad_times_are_400(desk, patient, provider, follow_up, start, field):
    response = desk.post(
        BASE,
        {"patient": patient.pk, "provider": provider.pk, "type": follow_up.pk, "start": start},
        format="json",
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_unknown_ids_in_the_body_are_400(
    desk, other_clinic, patient, provider, follow_up, monday, tz
):
    stranger = PatientFactory(clinic=other_clinic)
    assert (
        create(desk, stranger, provider, local(monday, "09:00", tz), follow_up).status_code == 400
    )
    response = desk.post(
        BASE,
        {
            "patient": patient.pk,
            "provider": "nope",
            "type": follow_up.pk,
            "start": local(monday, "09:00", tz).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "provider" in response.json()["errors"]


def test_series_answers_with_every_occurrence(desk, patient, provider, follow_up, monday, tz):
    response = create(
        desk,
        patient,
        provider,
        local(monday, "10:00", tz),
        follow_up,
        recurrence={"frequency": "weekly", "interval": 1, "count": 3},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["series"] and len(body["occurrences"]) == 3
    assert body["occurrences"][0]["id"] == body["id"]


def test_overlapping_series_from_two_clients(
    api_as, staff, patient, patient2, provider, follow_up, monday, tz
):
    first, second = api_as(staff[Role.RECEPTIONIST]), api_as(staff[Role.NURSE])
    assert (
        create(
            first,
            patient,
            provider,
            local(monday, "10:00", tz),
            follow_up,
            recurrence={"frequency": "weekly", "interval": 2, "count": 4},
        ).status_code
        == 201
    )
    response = create(
        second,
        patient2,
        provider,
        local(monday, "10:00", tz),
        follow_up,
        recurrence={"frequency": "weekly", "interval": 1, "count": 4},
    )
    assert response.status_code == 409
    assert len(response.json()["clashes"]) == 2  # weeks 0 and 2
    assert Appointment.objects.filter(patient=patient2).count() == 0


@pytest.mark.parametrize(
    "recurrence",
    [
        {"frequency": "weekly"},
        {"frequency": "weekly", "count": 60},
        {"frequency": "daily", "count": 2},
    ],
)
def test_bad_recurrence_is_400(desk, patient, provider, follow_up, monday, tz, recurrence):
    response = create(
        desk, patient, provider, local(monday, "10:00", tz), follow_up, recurrence=recurrence
    )
    assert response.status_code == 400


def test_a_series_may_not_run_past_the_calendars_last_year(desk, patient, provider, follow_up, tz):
    """Its occurrences past 2999 could be found by no list (a date filter stops there)."""
    last_monday = datetime.date(2999, 12, 30)
    assert last_monday.weekday() == 0
    response = create(
        desk,
        patient,
        provider,
        local(last_monday, "10:00", tz),
        follow_up,
        recurrence={"frequency": "weekly", "count": 3},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["recurrence"] == ["Give a date between 1900 and 2999."]
    assert not Appointment.objects.filter(patient=patient).exists()
    one = create(desk, patient, provider, local(last_monday, "10:00", tz), follow_up)
    assert one.status_code == 201, one.json()


@pytest.mark.parametrize(
    "path,body",
    [
        ("availability/exceptions/", {"date": "9999-12-31", "kind": "time_off"}),
        ("availability/exceptions/", {"date": "3000-01-01", "kind": "time_off"}),
        (
            "availability/",
            {"weekday": 5, "start_time": "10:00", "end_time": "12:00", "valid_until": "9999-12-31"},
        ),
    ],
)
def test_hours_and_time_off_are_dated_inside_the_calendar(api_as, provider, path, body):
    response = api_as(provider).post(
        f"{BASE}{path}", {"provider": provider.pk, **body}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert "Give a date between 1900 and 2999." in str(response.json()["errors"])


def test_hours_stored_with_a_far_bound_before_the_check_read_as_unbounded(api_as, clinic, provider):
    """A rule saved with "valid_until": "9999-12-31" (no end) before dates were checked: the
    migration stores no bound, and its place can then be changed."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps as installed
    from django.db import connection

    rule = AvailabilityRule.objects.create(
        clinic=clinic, provider=provider, weekday=6, start_time=datetime.time(9),
        end_time=datetime.time(12),
    )  # fmt: skip
    AvailabilityRule.objects.filter(pk=rule.pk).update(
        valid_from=datetime.date(1, 1, 1), valid_until=datetime.date(9999, 12, 31)
    )
    migration = importlib.import_module(
        "appointments.migrations.0008_hours_dated_inside_the_calendar"
    )
    migration.unbounded(installed, SimpleNamespace(connection=connection))

    rule.refresh_from_db()
    assert (rule.valid_from, rule.valid_until) == (None, None)
    moved = api_as(provider).patch(
        f"{BASE}availability/{rule.pk}/", {"location": "Room 2"}, format="json"
    )
    assert moved.status_code == 200, moved.json()


def test_a_series_ending_past_the_calendar_is_refused(
    desk, patient, provider, follow_up, monday, tz
):
    recurrence = {"frequency": "weekly", "until": "3000-01-01"}
    response = create(
        desk, patient, provider, local(monday, "10:00", tz), follow_up, recurrence=recurrence
    )
    assert response.status_code == 400
    assert response.json()["errors"]["recurrence"] == ["Give a date between 1900 and 2999."]


def test_list_filters_and_audits_each_patient(
    desk, patient, patient2, provider, nurse, follow_up, monday, tz, staff
):
    create(desk, patient, provider, local(monday, "09:00", tz), follow_up)
    create(desk, patient2, nurse, local(monday, "09:00", tz), follow_up)
    create(
        desk, patient, provider, local(monday + datetime.timedelta(days=1), "09:00", tz), follow_up
    )
    before = AuditEvent.objects.filter(action="view").count()
    response = desk.get(
        BASE, {"provider": provider.pk, "start": monday.isoformat(), "end": monday.isoformat()}
    )
    assert response.status_code == 200
    assert [r["patient"] for r in response.json()["results"]] == [patient.pk]
    assert AuditEvent.objects.filter(action="view").count() == before + 1
    everything = desk.get(BASE).json()
    assert [r["start"] for r in everything["results"]] == sorted(
        r["start"] for r in everything["results"]
    )
    assert desk.get(BASE, {"status": "nope"}).status_code == 400


def test_reschedule_by_patch(desk, patient, provider, nurse, follow_up, monday, tz):
    made = create(desk, patient, provider, local(monday, "09:00", tz), follow_up).json()
    response = desk.patch(
        f"{BASE}{made['id']}/",
        {"start": local(monday, "11:00", tz).isoformat(), "provider": nurse.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["start"] == local(monday, "11:00", tz).isoformat()
    assert response.json()["provider"] == nurse.pk
    off_slot = desk.patch(
        f"{BASE}{made['id']}/", {"start": local(monday, "11:05", tz).isoformat()}, format="json"
    )
    assert off_slot.status_code == 400


def test_status_actions(desk, api_as, staff, patient, provider, follow_up, monday, tz):
    made = create(desk, patient, provider, local(monday, "09:00", tz), follow_up).json()
    url = f"{BASE}{made['id']}/"
    assert desk.post(url + "confirm").json()["status"] == "confirmed"
    assert desk.post(url + "complete").status_code == 409  # not checked in
    assert desk.post(url + "check-in").status_code == 409  # not on its day
    Appointment.objects.filter(pk=made["id"]).update(start=timezone.now())  # the day has come
    assert desk.post(url + "check-in").json()["status"] == "checked_in"
    assert desk.post(url + "cancel", {"reason": "x"}, format="json").status_code == 409
    assert desk.post(url + "complete").json()["status"] == "completed"
    assert desk.post(url + "no-show").status_code == 409


def test_cancel_with_reason(desk, patient, provider, follow_up, monday, tz):
    made = create(desk, patient, provider, local(monday, "09:00", tz), follow_up).json()
    response = desk.post(f"{BASE}{made['id']}/cancel", {"reason": "Feeling better"}, format="json")
    assert response.status_code == 200
    assert response.json()[0]["status"] == "cancelled"
    assert response.json()[0]["cancel_reason"] == "Feeling better"


def test_ics_parses_with_the_clinic_timezone(desk, patient, provider, types, monday, tz, settings):
    settings.TELEHEALTH_URL_TEMPLATE = "https://meet.example.org/{room}"
    made = create(desk, patient, provider, local(monday, "09:00", tz), types["Telehealth"]).json()
    assert made["telehealth_url"].startswith("https://meet.example.org/")
    assert len(made["telehealth_url"].rsplit("/", 1)[1]) >= 20
    response = desk.get(f"{BASE}{made['id']}/ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == local(monday, "09:00", tz)
    assert str(event["dtstart"].params["TZID"]) == "Europe/London"
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Europe/London"]
    assert made["telehealth_url"] in event["description"]
    assert AuditEvent.objects.filter(object_id=made["id"], action="export").count() == 1


# --- patients ---------------------------------------------------------------------------------
def test_patient_books_own_and_sees_only_own(
    api_as, patient_user, patient, patient2, provider, follow_up, desk, monday, tz
):
    client = api_as(patient_user)
    response = create(client, None, provider, local(monday, "09:00", tz), follow_up)
    assert response.status_code == 201, response.json()
    assert response.json()["patient"] == patient.pk and "staff_notes" not in response.json()
    assert Appointment.objects.get(pk=response.json()["id"]).booked_by_patient
    other = create(desk, patient2, provider, local(monday, "10:00", tz), follow_up).json()
    assert [r["id"] for r in client.get(BASE).json()["results"]] == [response.json()["id"]]
    assert client.get(f"{BASE}{other['id']}/").status_code == 404
    assert (
        create(client, patient2, provider, local(monday, "11:00", tz), follow_up).status_code == 400
    )


def test_an_archived_record_closes_its_appointments_to_the_patient(
    api_as, patient_user, patient, provider, follow_up, desk, monday, tz
):
    booked = create(desk, patient, provider, local(monday, "09:00", tz), follow_up).json()
    client = api_as(patient_user)
    assert client.get(f"{BASE}{booked['id']}/").status_code == 200
    Patient.objects.filter(pk=patient.pk).update(is_archived=True)
    assert client.get(f"{BASE}{booked['id']}/").status_code == 404
    assert client.get(BASE).status_code == 404  # the list too: no open record, no clinic
    assert desk.get(f"{BASE}{booked['id']}/").status_code == 200  # staff still read it


def test_patient_cannot_book_staff_only_types(api_as, patient_user, provider, types, monday, tz):
    procedure = types["Procedure"]
    AppointmentType.objects.filter(pk=procedure.pk).update(patient_bookable=False)
    client = api_as(patient_user)
    assert create(client, None, provider, local(monday, "09:00", tz), procedure).status_code == 403
    slots = client.get(f"{BASE}slots/", {"type": procedure.pk, "start": monday.isoformat()})
    assert slots.status_code == 403
    names = [t["name"] for t in client.get(f"{BASE}types/").json()["results"]]
    assert "Procedure" not in names and "Follow-up" in names


def test_patient_cancel_cutoff(
    api_as, patient_user, patient, provider, follow_up, desk, tz, clinic
):
    from appointments import services

    client = api_as(patient_user)
    tomorrow = (datetime.datetime.now(tz) + datetime.timedelta(days=1)).date()
    # Open all day tomorrow: in place of that weekday's 09:00-17:00 (overlaps are refused).
    AvailabilityRule.objects.filter(provider=provider, weekday=tomorrow.weekday()).delete()
    services.rule_save(
        actor=UserFactory(clinic=clinic, role=Role.ADMIN),
        provider_id=provider.pk,
        weekday=tomorrow.weekday(),
        start_time=datetime.time(0),
        end_time=datetime.time(23, 55),
    )
    soon = local(tomorrow, "00:00", tz)
    while soon < datetime.datetime.now(tz) + datetime.timedelta(hours=3):
        soon += datetime.timedelta(minutes=20)
    made = create(desk, patient, provider, soon, follow_up).json()
    response = client.post(f"{BASE}{made['id']}/cancel", {"reason": "busy"}, format="json")
    assert response.status_code == 409
    assert "24 hours" in response.json()["detail"]
    assert (
        desk.post(f"{BASE}{made['id']}/cancel", {"reason": "x"}, format="json").status_code == 200
    )
    # The clinic shortens its cut-off: the patient may now cancel themselves.
    other = create(desk, patient, provider, soon, follow_up).json()
    admin = api_as(UserFactory(clinic=clinic, role=Role.ADMIN))
    patched = admin.patch("/api/v1/clinics/current", {"cancel_cutoff_hours": 1}, format="json")
    assert patched.status_code == 200
    response = client.post(f"{BASE}{other['id']}/cancel", {"reason": "busy"}, format="json")
    assert response.status_code == 200, response.content


def test_slots_endpoint(desk, provider, follow_up, monday, tz):
    response = desk.get(
        f"{BASE}slots/",
        {"type": follow_up.pk, "provider": provider.pk, "start": monday.isoformat()},
    )
    assert response.status_code == 200
    first = response.json()[0]
    assert first == {
        "provider": provider.pk,
        "start": local(monday, "09:00", tz).isoformat(),
        "end": local(monday, "09:20", tz).isoformat(),
    }
    too_long = desk.get(
        f"{BASE}slots/",
        {
            "type": follow_up.pk,
            "start": monday.isoformat(),
            "end": (monday + datetime.timedelta(days=70)).isoformat(),
        },
    )
    assert too_long.status_code == 400
    assert (
        desk.get(f"{BASE}slots/", {"type": follow_up.pk, "start": "2027-02-30"}).status_code == 400
    )


def test_slots_of_any_provider_in_the_clinic_offset(desk, provider, nurse, follow_up, monday, tz):
    """Providers share slot boundaries; each slot still names its own provider and both ends
    in the clinic's offset, listed by start then provider."""
    response = desk.get(f"{BASE}slots/", {"type": follow_up.pk, "start": monday.isoformat()})
    assert response.status_code == 200
    found = response.json()
    first_two = sorted([provider.pk, nurse.pk])
    assert found[:2] == [
        {
            "provider": pk,
            "start": local(monday, "09:00", tz).isoformat(),
            "end": local(monday, "09:20", tz).isoformat(),
        }
        for pk in first_two
    ]
    assert [(slot["start"], slot["provider"]) for slot in found] == sorted(
        (slot["start"], slot["provider"]) for slot in found
    )
    assert found[-1]["end"] <= local(monday, "17:00", tz).isoformat()
    assert {tuple(slot) for slot in found} == {tuple(SlotSerializer().fields)}  # as documented


def test_a_day_without_free_slots_is_an_empty_list(desk, provider, follow_up, monday):
    sunday = monday + datetime.timedelta(days=6)  # no hours on Sundays
    for options in ({}, {"once_per_time": "true"}, {"provider": provider.pk}):
        query = {"type": follow_up.pk, "start": sunday.isoformat(), **options}
        response = desk.get(f"{BASE}slots/", query)
        assert response.status_code == 200 and response.json() == [], options


def test_slots_once_per_time_for_a_phone(desk, provider, nurse, follow_up, patient, monday, tz):
    """A phone asking for any provider may ask for each time once: the provider with the most
    free slots in the range gets it; a bad value is a 400 naming the parameter."""
    create(desk, patient, provider, local(monday, "11:00", tz), follow_up)  # the busier one
    week = {"type": follow_up.pk, "start": monday.isoformat(), "once_per_time": "true"}
    once = desk.get(f"{BASE}slots/", week).json()
    every = desk.get(f"{BASE}slots/", {**week, "once_per_time": "false"}).json()
    assert len(every) > len(once) == len({slot["start"] for slot in every})
    assert {slot["provider"] for slot in once} == {nurse.pk}
    theirs = desk.get(f"{BASE}slots/", {**week, "provider": provider.pk}).json()
    assert {slot["provider"] for slot in theirs} == {provider.pk} and len(theirs) == len(once) - 1
    bad = desk.get(f"{BASE}slots/", {**week, "once_per_time": "yes"})
    assert bad.status_code == 400 and "once_per_time" in bad.json()["errors"]


def test_slots_for_staff_read_no_patient_record(
    desk, provider, nurse, follow_up, monday, django_assert_num_queries
):
    """Only a patient user's own appointments narrow their slots: staff are not asked for a
    record they cannot have (a query of every patient column on each search)."""
    week = {
        "type": follow_up.pk,
        "start": monday.isoformat(),
        "end": str(monday + datetime.timedelta(days=6)),
    }
    with django_assert_num_queries(7) as asked:
        assert desk.get(f"{BASE}slots/", week).status_code == 200
    assert not [q for q in asked.captured_queries if "patients_patient" in q["sql"]]


# --- feeds -------------------------------------------------------------------------------------
def test_provider_feed_shows_times_and_types_not_names(
    api_as, desk, provider, patient, follow_up, monday, tz, admin_api
):
    create(desk, patient, provider, local(monday, "09:00", tz), follow_up)
    made = api_as(provider).post(f"{BASE}feeds/")
    assert made.status_code == 201
    url = made.json()["url"]
    assert url.endswith(".ics") and "/calendar/" in url
    path = url.split("testserver", 1)[1] if "testserver" in url else url[url.index("/calendar/") :]
    anonymous = Client()
    response = anonymous.get(path)
    assert response.status_code == 200
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == "Follow-up"
    assert "Lovelace" not in response.content.decode()
    admin_api.patch(f"{BASE}settings/", {"provider_feed_shows_names": True}, format="json")
    assert "Lovelace" in anonymous.get(path).content.decode()
    assert api_as(provider).delete(f"{BASE}feeds/{made.json()['id']}").status_code == 204
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/calendar/guessed-token.ics").status_code == 404


def test_feeds_are_for_providers_and_patients(desk, api_as, patient_user):
    assert desk.post(f"{BASE}feeds/").status_code == 403
    assert api_as(patient_user).post(f"{BASE}feeds/").status_code == 201


def test_settings(admin_api, desk):
    assert desk.patch(f"{BASE}settings/", {"reminder_hours": 1}, format="json").status_code == 403
    response = admin_api.patch(f"{BASE}settings/", {"reminder_hours": 12}, format="json")
    assert response.status_code == 200 and response.json()["reminder_hours"] == 12
    assert desk.get(f"{BASE}settings/").json()["reminder_hours"] == 12


def test_settings_show_the_clinics_booking_policy_read_only(admin_api, desk, clinic):
    admin_api.patch("/api/v1/clinics/current", {"min_notice_hours": 6}, format="json")
    body = desk.get(f"{BASE}settings/").json()
    assert (body["min_notice_hours"], body["cancel_cutoff_hours"]) == (6, 24)
    response = admin_api.patch(f"{BASE}settings/", {"cancel_cutoff_hours": 12}, format="json")
    assert response.status_code == 400
    assert "clinics/current" in response.json()["errors"]["cancel_cutoff_hours"][0]
    clinic.refresh_from_db()
    assert clinic.cancel_cutoff_hours == 24


def test_types_admin_only(admin_api, desk, types):
    body = {"name": "Vaccination", "duration_minutes": 10, "buffer_minutes": 0}
    assert desk.post(f"{BASE}types/", body, format="json").status_code == 403
    created = admin_api.post(f"{BASE}types/", body, format="json")
    assert created.status_code == 201
    assert (
        admin_api.post(f"{BASE}types/", {**body, "duration_minutes": 7}, format="json").status_code
        == 400
    )
    patched = admin_api.patch(
        f"{BASE}types/{created.json()['id']}/", {"colour": "#AA0000"}, format="json"
    )
    assert patched.json()["colour"] == "#aa0000"


def test_availability_providers_edit_their_own(api_as, provider, nurse, admin_api):
    body = {"provider": provider.pk, "weekday": 5, "start_time": "10:00", "end_time": "12:00"}
    assert api_as(provider).post(f"{BASE}availability/", body, format="json").status_code == 201
    assert api_as(nurse).post(f"{BASE}availability/", body, format="json").status_code == 403
    assert (
        admin_api.post(f"{BASE}availability/", {**body, "weekday": 6}, format="json").status_code
        == 201
    )
    bad = admin_api.post(f"{BASE}availability/", {**body, "end_time": "09:00"}, format="json")
    assert bad.status_code == 400
    exception = api_as(provider).post(
        f"{BASE}availability/exceptions/",
        {"provider": provider.pk, "date": "2027-02-30", "kind": "time_off"},
        format="json",
    )
    assert exception.status_code == 400
    day_off = api_as(provider).post(
        f"{BASE}availability/exceptions/",
        {"provider": provider.pk, "date": "2099-01-05", "kind": "time_off"},
        format="json",
    )
    assert day_off.status_code == 201 and day_off.json()["start_time"] is None


def test_every_endpoint_is_in_the_schema(admin_api):
    paths = admin_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in [
        "/api/v1/appointments/",
        "/api/v1/appointments/{id}/",
        "/api/v1/appointments/slots/",
        "/api/v1/appointments/types/",
        "/api/v1/appointments/availability/",
        "/api/v1/appointments/availability/exceptions/",
        "/api/v1/appointments/feeds/",
        "/api/v1/appointments/{id}/cancel",
        "/api/v1/appointments/{id}/check-in",
        "/api/v1/appointments/{id}/ics",
    ]:
        assert any(
            p.rstrip("/") == path.rstrip("/").replace("{id}", "{pk}")
            or p.rstrip("/") == path.rstrip("/")
            for p in paths
        ), path


def test_status_values_are_the_issues(db):
    assert Status.values == [
        "booked",
        "confirmed",
        "checked_in",
        "completed",
        "cancelled",
        "no_show",
    ]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_days_outside_the_calendar_are_a_400_not_a_500(desk, follow_up, day):
    """A day near year 1 or 9999, plus the margins a search adds, overflowed Python's dates."""
    for url, name in (
        (f"{BASE}slots/?type={follow_up.pk}&start={day}", "start"),
        (f"{BASE}?start=2026-01-01&end={day}T10:00:00%2B00:00", "end"),
    ):
        response = desk.get(url)
        assert response.status_code == 400, url
        assert response.json()["errors"][name] == ["Give a date between 1900 and 2999."]
