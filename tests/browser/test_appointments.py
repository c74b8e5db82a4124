"""Appointment admin pages on a phone (390 px): the hours editor, the types and the login
lockouts keep their tables inside their own box, with every action reachable, and removing hours
asks first."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.test import APIClient

from appointments import services
from appointments.models import Appointment, AppointmentType, AvailabilityException
from core.roles import Role
from tests.appointments.conftest import add_hours, local, next_weekday
from tests.browser.conftest import no_sideways_scroll
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hours(clinic, staff):
    """The clinician's weekday hours at a named room for two types, and a day off ahead."""
    services.types_install(clinic=clinic)
    types = AppointmentType.objects.filter(clinic=clinic)
    clinician = staff[Role.CLINICIAN]
    add_hours(
        clinic,
        clinician,
        location="Consulting room 2, first floor",
        type_ids=[t.pk for t in types[:2]],
    )
    AvailabilityException.objects.create(
        clinic=clinic,
        provider=clinician,
        date=datetime.date.today() + datetime.timedelta(days=30),
        kind="time_off",
        note="Training day",
    )
    return clinician


def test_the_hours_editor_fits_a_phone_and_remove_asks_first(page, log_in, admin_user, hours):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(admin_user.email)

    page.goto(f"/appointments/availability/?provider={hours.pk}")

    assert no_sideways_scroll(page)
    remove = page.get_by_role("link", name="Remove").first
    remove.scroll_into_view_if_needed()
    expect(remove).to_be_visible()
    remove.click()
    expect(page.get_by_role("heading", name="Remove weekly hours")).to_be_visible()
    assert no_sideways_scroll(page)
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("The weekly hours have been removed.")).to_be_visible()


def test_the_types_page_fits_a_phone(page, log_in, admin_user, clinic):
    services.types_install(clinic=clinic)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(admin_user.email)

    page.goto("/appointments/types/")

    expect(page.get_by_role("link", name="Follow-up")).to_be_visible()
    assert no_sideways_scroll(page)


def test_the_lockouts_page_fits_a_phone(page, log_in, admin_user, clinician, settings):
    api = APIClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        api.post(
            "/api/v1/auth/login",
            {"email": clinician.email, "password": "Not-the-password-000"},
            format="json",
        )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(admin_user.email)

    page.goto("/accounts/lockouts/")

    assert no_sideways_scroll(page)
    let_in = page.get_by_role("button", name="Let them log in")
    let_in.scroll_into_view_if_needed()
    expect(let_in).to_be_visible()


def test_today_keeps_check_in_on_a_phone_screen(page, log_in, staff, clinic):
    """The list had six columns: on a phone the actions sat past the right edge, to be found by
    scrolling the table sideways. There, the type and provider go under the patient's name."""

    services.types_install(clinic=clinic)
    clinician = staff[Role.CLINICIAN]
    add_hours(clinic, clinician)
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    patient = PatientFactory(clinic=clinic, first_name="Lakshmi", last_name="Hudson-Fairweather")
    (booked,) = services.appointment_book(
        actor=staff[Role.RECEPTIONIST],
        patient=patient,
        provider_id=clinician.pk,
        type_id=AppointmentType.objects.get(clinic=clinic, name="Follow-up").pk,
        start=local(next_weekday(0, 2, tz), "09:00", tz),
    )
    now = timezone.now()  # moved to now: today's list
    Appointment.objects.filter(pk=booked.pk).update(
        start=now, end=now + datetime.timedelta(minutes=20)
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(staff[Role.RECEPTIONIST].email)

    page.goto("/appointments/today/")

    check_in = page.get_by_role("button", name="Check in")
    box = check_in.bounding_box()
    assert box["x"] + box["width"] <= 390, box
    expect(page.get_by_text(f"Follow-up · {clinician.name}")).to_be_visible()
