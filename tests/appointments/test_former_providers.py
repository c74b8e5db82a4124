"""A provider deactivated or made a receptionist keeps their booked appointments: the calendar
still shows them (marked) so the desk can move them, and a move may not keep them."""

import datetime
import html

import pytest

from appointments.models import Appointment, Status
from clinics.services import staff_update
from core.roles import Role
from tests.appointments.conftest import local

pytestmark = pytest.mark.django_db
MARK = "(no longer a provider)"


@pytest.fixture
def former(staff, book, patient, patient2, provider, nurse, monday, tz):
    """The clinician holds two appointments on Monday, the nurse one; then the clinician is
    deactivated. Returns the clinician's appointments."""
    held = book(patient, provider, local(monday, "09:00", tz))
    held += book(patient2, provider, local(monday, "10:00", tz))
    book(patient2, nurse, local(monday, "11:00", tz))
    staff_update(actor=staff[Role.ADMIN], user=provider, is_active=False)
    return held


def desk_client(client, staff):
    client.force_login(staff[Role.RECEPTIONIST])
    return client


def test_the_clinic_week_shows_a_former_providers_row_marked(
    client, staff, former, provider, nurse, monday
):
    page = desk_client(client, staff).get(f"/appointments/?view=week&date={monday}")
    text = page.content.decode()
    assert "3 appointments" in text
    grid = text[text.index("<tbody>") : text.index("</tbody>")]
    row = f'{monday}&amp;provider={provider.pk}">{html.escape(provider.name)} {MARK}</a></th>'
    assert row in grid and nurse.name in grid
    assert f'date={monday}&amp;provider={provider.pk}">2 appointments</a>' in grid
    select = text[text.index('id="cal-provider"') :].split("</select>")[0]
    assert f'<option value="{provider.pk}">{html.escape(provider.name)} {MARK}</option>' in select


def test_the_clinic_day_shows_a_former_providers_column(
    client, staff, book, patient, provider, monday, tz
):
    """Made a receptionist rather than deactivated: the same."""
    book(patient, provider, local(monday, "09:00", tz))
    staff_update(actor=staff[Role.ADMIN], user=provider, role=Role.RECEPTIONIST)
    text = desk_client(client, staff).get(f"/appointments/?view=day&date={monday}")
    text = text.content.decode()
    assert f'<th scope="col">{html.escape(provider.name)} {MARK}</th>' in text
    assert "Ada Lovelace" in text and "1 appointment " in text


def test_the_provider_filter_opens_a_former_providers_calendar(
    client, staff, former, provider, monday
):
    desk = desk_client(client, staff)
    for view in ("week", "day"):
        page = desk.get(f"/appointments/?view={view}&date={monday}&provider={provider.pk}")
        text = page.content.decode()
        assert page.context["provider"] == provider.pk
        assert "Ada Lovelace" in text and "Grace Hopper" in text
        assert f'<option value="{provider.pk}" selected>' in text and MARK in text
    stranger = desk.get(f"/appointments/?date={monday}&provider={staff[Role.LAB_TECH].pk}")
    assert stranger.context["provider"] == ""  # never a provider: the whole clinic instead
    for made_up in ("not-an-id", "0" * 24, "x" * 500):
        page = desk.get(f"/appointments/?date={monday}&provider={made_up}")
        assert page.status_code == 200 and page.context["provider"] == ""


def test_a_usual_calendar_marks_no_one(client, staff, book, patient, provider, monday, tz):
    book(patient, provider, local(monday, "09:00", tz))
    desk = desk_client(client, staff)
    for view in ("week", "day"):
        assert MARK not in desk.get(f"/appointments/?view={view}&date={monday}").content.decode()


def test_booking_offers_only_active_providers(client, staff, former, patient, provider, follow_up):
    page = desk_client(client, staff).get(
        f"/appointments/new/?patient={patient.pk}&type={follow_up.pk}"
    )
    select = page.content.decode().split('name="provider"')[1].split("</select>")[0]
    assert provider.pk not in select


def test_a_move_may_not_keep_a_former_provider_by_api(api_as, staff, former, nurse, monday, tz):
    desk = api_as(staff[Role.RECEPTIONIST])
    url = f"/api/v1/appointments/{former[0].pk}/"
    kept = desk.patch(url, {"start": local(monday, "14:00", tz).isoformat()}, format="json")
    assert kept.status_code == 400, kept.json()
    assert "no longer sees patients here" in kept.json()["errors"]["provider"][0]
    assert Appointment.objects.get(pk=former[0].pk).start == local(monday, "09:00", tz)
    moved = desk.patch(
        url, {"start": local(monday, "14:00", tz).isoformat(), "provider": nurse.pk}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["provider"] == nurse.pk
    cancel = desk.post(f"/api/v1/appointments/{former[1].pk}/cancel", {"reason": "Left"})
    assert cancel.status_code == 200
    assert Appointment.objects.get(pk=former[1].pk).status == Status.CANCELLED


def test_a_move_may_not_keep_a_former_provider_by_the_move_page(
    client, staff, former, provider, nurse, monday, tz
):
    desk = desk_client(client, staff)
    url = f"/appointments/{former[0].pk}/reschedule/"
    page = desk.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    notice = text[: text.index('id="div_id_provider"')].rsplit('class="alert alert-warning"', 1)
    assert "no longer sees patients here: choose another provider." in notice[1]
    assert "is-invalid" not in text  # a note above the search, not an error of its choice
    assert 'name="slot"' in text  # anyone's free slots are still offered
    chosen = desk.get(f"{url}?type={former[0].type_id}&provider={nurse.pk}&date={monday}")
    assert "no longer sees patients here" not in chosen.content.decode()  # another one chosen
    query = f"?type={former[0].type_id}&provider={nurse.pk}&date={monday}"
    slot = f"{nurse.pk}|{local(monday, '14:00', tz).astimezone(datetime.UTC).isoformat()}"
    assert desk.post(url + query, {"slot": slot}).status_code == 302
    moved = Appointment.objects.get(pk=former[0].pk)
    assert moved.provider_id == nurse.pk and moved.start == local(monday, "14:00", tz)
