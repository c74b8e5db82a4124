"""A receptionist books from the free slots the page lists: the list says which type, provider
and day it was found for, and once the search fields change the Book button waits for a new
search, so a time is never booked for a day or type the fields no longer show (desktop and
390 px). Back after booking does not tick a time again."""

import datetime
import zoneinfo

import pytest
from playwright.sync_api import expect

from appointments import services
from appointments.models import Appointment, AppointmentType
from core.roles import Role
from tests.appointments.conftest import add_hours, next_weekday
from tests.factories import ClinicFactory, UserFactory
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def day(date: datetime.date) -> str:
    return f"{date:%A} {date.day} {date:%B %Y}"


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_changing_the_search_holds_the_book_button_until_searched_again(page, log_in, width):
    clinic = ClinicFactory(name="Riverside Clinic")
    receptionist = UserFactory(clinic=clinic, role=Role.RECEPTIONIST, email="desk@example.org")
    clinician = UserFactory(clinic=clinic, role=Role.CLINICIAN)
    add_hours(clinic, clinician, "09:00", "10:00")
    services.types_install(clinic=clinic)
    patient = PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    monday = next_weekday(0, 2, zoneinfo.ZoneInfo(clinic.timezone))
    tuesday = monday + datetime.timedelta(days=1)
    follow_up = AppointmentType.objects.get(clinic=clinic, name="Follow-up")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(receptionist.email)

    page.goto(
        f"/appointments/new/?patient={patient.pk}&type={follow_up.pk}&provider=&date={monday}"
    )
    slots = page.get_by_role(
        "group", name=f"Free slots: Follow-up (20 min) · Any provider · {day(monday)}"
    )
    expect(slots).to_be_visible()
    book = page.get_by_role("button", name="Book")
    assert book.is_enabled()

    page.get_by_label("Day").fill(tuesday.isoformat())
    assert book.is_disabled()
    expect(page.get_by_text("The search has changed")).to_be_visible()

    page.get_by_role("button", name="Find free slots").click()
    slots = page.get_by_role(
        "group", name=f"Free slots: Follow-up (20 min) · Any provider · {day(tuesday)}"
    )
    expect(slots).to_be_visible()
    page.get_by_label("09:00–09:20").check()
    page.get_by_role("button", name="Book").click()
    page.get_by_text("The appointment is booked.").wait_for()
    booked = Appointment.objects.get(patient=patient)
    assert booked.start.astimezone(zoneinfo.ZoneInfo(clinic.timezone)).date() == tuesday

    page.go_back()
    assert not page.locator("input[name=slot]:checked").count()  # nothing ticked again
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
