"""What clinic staff met in review: contradictory hours refused (overlapping weekly rules,
overlapping or past time off) and removed only after a confirmation, a duplicate type name said
in words, the patient header on the cancel and detail pages, and no booking for an archived
record."""

import datetime
import html

import pytest
from django.utils import timezone

from appointments import services
from appointments.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
)
from core.errors import Conflict
from core.roles import Role
from tests.appointments.conftest import local

pytestmark = pytest.mark.django_db
HOURS = "/appointments/availability/"
API = "/api/v1/appointments/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def add_rule(client, provider, **fields):
    data = {
        "add_rule": "1",
        "rule-weekday": 0,
        "rule-start_time": "10:00",
        "rule-end_time": "12:00",
    }
    data.update({f"rule-{name}": value for name, value in fields.items()})
    return client.post(f"{HOURS}?provider={provider.pk}", data)


def add_exception(client, provider, **fields):
    data = {"add_exception": "1", "exc-date": "2099-01-05", "exc-kind": "time_off"}
    data.update({f"exc-{name}": value for name, value in fields.items()})
    return client.post(f"{HOURS}?provider={provider.pk}", data)


# --- the hours editor ---------------------------------------------------------------------------
def test_overlapping_weekly_hours_are_refused_on_the_page_and_in_the_api(
    client, admin_user, provider, api_as
):
    """The provider works Monday 09:00-17:00: Monday 10:00-12:00 besides it is refused."""
    client.force_login(admin_user)

    response = add_rule(client, provider)

    assert response.status_code == 200
    assert "These hours overlap the weekly hours already entered for Monday (09:00–17:00)." in (
        text(response)
    )
    assert AvailabilityRule.objects.filter(provider=provider, weekday=0).count() == 1
    api = api_as(admin_user).post(
        f"{API}availability/",
        {"provider": provider.pk, "weekday": 0, "start_time": "16:00", "end_time": "18:00"},
        format="json",
    )
    assert api.status_code == 409 and "overlap" in api.json()["detail"]
    # Hours after the rule's, or a validity window that ends before another starts, are fine.
    assert add_rule(client, provider, start_time="17:00", end_time="19:00").status_code == 302
    rule = AvailabilityRule.objects.get(provider=provider, weekday=1)
    services.rule_save(actor=admin_user, rule=rule, valid_until=datetime.date(2099, 1, 1))
    later = add_rule(client, provider, weekday=1, valid_from="2099-01-02")
    assert later.status_code == 302


def test_changing_weekly_hours_into_another_rule_is_refused(admin_user, provider):
    monday, tuesday = (AvailabilityRule.objects.get(provider=provider, weekday=d) for d in (0, 1))

    with pytest.raises(Conflict):
        services.rule_save(actor=admin_user, rule=tuesday, weekday=0)

    tuesday.refresh_from_db()
    assert tuesday.weekday == 1
    services.rule_save(actor=admin_user, rule=monday, end_time=datetime.time(16))  # itself: fine


def test_the_same_time_off_twice_is_refused(client, admin_user, provider, api_as):
    client.force_login(admin_user)
    assert add_exception(client, provider).status_code == 302

    again = add_exception(client, provider)

    assert again.status_code == 200
    assert "Mon 5 Jan 2099 already has time off (whole day) overlapping these times." in text(again)
    assert AvailabilityException.objects.filter(provider=provider).count() == 1
    api = api_as(admin_user).post(
        f"{API}availability/exceptions/",
        {
            "provider": provider.pk,
            "date": "2099-01-05",
            "kind": "extra",
            "start_time": "18:00",
            "end_time": "19:00",
        },
        format="json",
    )
    assert api.status_code == 409
    # Another part of a day already partly off is fine.
    assert add_exception(client, provider, date="2099-01-06", start_time="09:00", end_time="10:00")
    afternoon = add_exception(
        client, provider, date="2099-01-06", start_time="14:00", end_time="15:00"
    )
    assert afternoon.status_code == 302
    clash = add_exception(client, provider, date="2099-01-06", start_time="09:30", end_time="11:00")
    assert "(09:00–10:00)" in text(clash)


def test_time_off_that_is_over_is_refused(client, admin_user, provider, api_as):
    client.force_login(admin_user)

    response = add_exception(client, provider, date="2020-01-01")

    assert response.status_code == 200
    assert "This is over: enter time off or extra hours still to come." in text(response)
    assert not AvailabilityException.objects.filter(provider=provider).exists()
    api = api_as(admin_user).post(
        f"{API}availability/exceptions/",
        {"provider": provider.pk, "date": "2020-01-01", "kind": "time_off"},
        format="json",
    )
    assert api.status_code == 400 and "date" in api.json()["errors"]


def test_time_off_today_counts_until_it_ends(admin_user, provider, tz):
    now = timezone.now().astimezone(tz)
    if now.time() < datetime.time(0, 10):
        pytest.skip("a time that ended earlier today needs the day to have begun")
    today = now.date()
    services.exception_save(actor=admin_user, provider_id=provider.pk, date=today, kind="time_off")
    with pytest.raises(Exception, match="This is over"):
        services.exception_save(
            actor=admin_user,
            provider_id=provider.pk,
            date=today,
            kind="extra",
            start_time=datetime.time(0),
            end_time=datetime.time(0, 5),
        )


def test_remove_asks_first_and_then_removes(client, admin_user, provider):
    client.force_login(admin_user)
    rule = AvailabilityRule.objects.get(provider=provider, weekday=0)
    add_exception(client, provider)
    day_off = AvailabilityException.objects.get(provider=provider)
    page = client.get(f"{HOURS}?provider={provider.pk}").content.decode()
    assert f'href="/appointments/availability/rules/{rule.pk}/delete/"' in page
    assert f'href="/appointments/availability/exceptions/{day_off.pk}/delete/"' in page

    confirm = client.get(f"/appointments/availability/rules/{rule.pk}/delete/")

    assert confirm.status_code == 200
    assert f"Remove the hours of {provider.name} on Monday, 09:00–17:00?" in text(confirm)
    back = f'href="{HOURS}?provider={provider.pk}"'
    assert text(confirm).count(back) == 2, "the breadcrumb and Cancel lead back to the hours"
    assert AvailabilityRule.objects.filter(pk=rule.pk).exists()
    done = client.post(f"/appointments/availability/rules/{rule.pk}/delete/", follow=True)
    assert "The weekly hours have been removed." in text(done)
    assert not AvailabilityRule.objects.filter(pk=rule.pk).exists()

    confirm = client.get(f"/appointments/availability/exceptions/{day_off.pk}/delete/")
    assert f"Remove time off of {provider.name} on Mon 5 Jan 2099 (whole day)?" in text(confirm)
    done = client.post(f"/appointments/availability/exceptions/{day_off.pk}/delete/", follow=True)
    assert "The time off or extra hours have been removed." in text(done)
    assert not AvailabilityException.objects.filter(pk=day_off.pk).exists()


def test_a_provider_is_not_asked_to_confirm_removing_a_colleagues_hours(client, provider, nurse):
    client.force_login(provider)
    rule = AvailabilityRule.objects.filter(provider=nurse).first()

    assert client.get(f"/appointments/availability/rules/{rule.pk}/delete/").status_code == 403


# --- types --------------------------------------------------------------------------------------
def test_a_type_name_the_clinic_uses_is_refused_in_words(client, admin_user, types, admin_api):
    client.force_login(admin_user)
    data = {"name": "Follow-up", "duration_minutes": 20, "buffer_minutes": 0, "colour": "#112233"}

    response = client.post("/appointments/types/", data)

    page = text(response)
    assert "The clinic already has a type called “Follow-up”." in page
    assert "already exists" not in page
    api = admin_api.post(f"{API}types/", data, format="json")
    assert api.status_code == 400
    assert api.json()["errors"]["name"] == ["The clinic already has a type called “Follow-up”."]
    renamed = admin_api.patch(
        f"{API}types/{types['Procedure'].pk}/", {"name": "Follow-up"}, format="json"
    )
    assert renamed.status_code == 400 and "already has a type" in str(renamed.json())
    assert AppointmentType.objects.filter(name="Follow-up").count() == 1


# --- pages about one patient --------------------------------------------------------------------
def test_cancel_and_detail_pages_show_the_patient_header(
    client, staff, book, patient, provider, monday, tz
):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    client.force_login(staff[Role.NURSE])

    pages = [
        client.get(f"/appointments/{appointment.pk}/cancel/"),
        client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": ""}),
        client.get(f"/appointments/{appointment.pk}/"),
    ]

    for response in pages:
        page = response.content.decode()
        assert response.status_code == 200
        assert patient.mrn in page and "Allergies not yet recorded" in page


# --- archived records ---------------------------------------------------------------------------
def test_an_archived_patient_cannot_be_booked(
    client, staff, book, patient, provider, follow_up, monday, tz, api_as
):
    patient.is_archived = True
    patient.save()
    client.force_login(staff[Role.RECEPTIONIST])

    page = client.get(f"/patients/{patient.pk}/").content.decode()

    assert "Book an appointment" not in page
    assert "The record is archived: restore it to book an appointment." in page
    with pytest.raises(Exception, match="Restore the record of Ada Lovelace to book for them."):
        book(patient, provider, local(monday, "09:00", tz))
    api = api_as(staff[Role.RECEPTIONIST]).post(
        API,
        {
            "patient": patient.pk,
            "provider": provider.pk,
            "type": follow_up.pk,
            "start": local(monday, "09:00", tz).isoformat(),
        },
        format="json",
    )
    assert api.status_code == 400
    assert "Restore the record of Ada Lovelace" in str(api.json())
    assert not Appointment.objects.filter(patient=patient).exists()
