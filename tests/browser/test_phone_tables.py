"""Staff tables on a phone (390 px): the messaging inbox, the audit trail and the notification
preferences (in Spanish, whose column names are the longest) fit the screen with their key cells
on it, neither the page nor the table scrolling sideways; the desktop keeps every column."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from messaging import services as messaging
from tests.messaging.factories import make_thread
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def fits_the_phone(page) -> bool:
    """Neither the page nor a table (inside its scrolling box) is wider than the phone."""
    return page.evaluate(
        """() => document.documentElement.scrollWidth <= 390
        && [...document.querySelectorAll("table")].every(
            table => table.parentElement.scrollWidth <= table.parentElement.clientWidth)"""
    )


def on_screen(locator) -> bool:
    """Shown, and within the phone's width (not in a part of the table to scroll to)."""
    box = locator.bounding_box()
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_the_inbox_fits_a_phone(page, log_in, admin_user, clinician, staff, clinic):
    patient = PatientFactory(clinic=clinic, first_name="Svetlana", last_name="Owusu")
    thread = make_thread(
        clinician,
        patient,
        subject="Repeat prescription for the inhaler",
        category="refill",
        urgent=True,
    )
    messaging.thread_update(actor=clinician, thread=thread, assigned_to=staff[Role.NURSE])
    page.set_viewport_size(PHONE)
    log_in(admin_user.email)

    page.goto("/messages/?tab=open")

    assert fits_the_phone(page)
    row = page.get_by_role("row").filter(has_text="Owusu, Svetlana")
    subject = row.get_by_role("cell").nth(1)
    assert on_screen(subject.get_by_role("link", name="Repeat prescription for the inhaler"))
    assert on_screen(subject.get_by_text("urgent", exact=True))
    details = subject.get_by_text("Prescription refill")  # the category and the assignee
    assert on_screen(details)
    expect(details).to_contain_text(staff[Role.NURSE].name)

    page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("columnheader", name="Assigned to")).to_be_visible()
    expect(details).to_be_hidden()


def test_the_audit_trail_fits_a_phone(page, log_in, admin_user, clinic):
    patient = PatientFactory(clinic=clinic, first_name="Manon", last_name="Kaur")
    admin_user.name = "Maximilian Featherstonehaugh"  # long words: the time wraps, not the page
    admin_user.save()
    page.set_viewport_size(PHONE)
    log_in(admin_user.email)
    page.goto(f"/patients/{patient.pk}/")

    page.goto("/accounts/audit/")

    assert fits_the_phone(page)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Manon Kaur")).first
    assert on_screen(row.get_by_role("link", name="Manon Kaur"))
    assert on_screen(row.get_by_text(patient.mrn).filter(visible=True))
    assert on_screen(row.get_by_role("cell").first)  # when
    assert on_screen(row.get_by_role("cell", name="View"))  # the action, what and whose

    page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("columnheader", name="Detail")).to_be_visible()


def test_the_spanish_notification_preferences_fit_a_phone(page, log_in, clinician):
    clinician.language = "es"
    clinician.save(update_fields=["language"])
    page.set_viewport_size(PHONE)
    log_in(clinician.email)

    page.goto("/notifications/preferences/")

    expect(page.get_by_role("heading", name="Preferencias de notificación")).to_be_visible()
    assert fits_the_phone(page)
    assert on_screen(page.get_by_role("columnheader", name="Correo electrónico"))
    switches = page.get_by_role("checkbox")
    assert switches.count() >= 3
    assert all(on_screen(switch) for switch in switches.all())
    assert all(on_screen(event) for event in page.get_by_role("rowheader").all())


def test_a_patients_allergies_and_weekly_hours_keep_their_buttons_on_a_phone(
    page, log_in, admin_user, clinician, clinic
):
    """Tables of records (`hp-stack`) become one block a row on a phone: the status and the
    Edit, Delete and Remove buttons were past the right edge of a sideways-scrolling box."""
    from appointments.models import Weekday
    from tests.appointments.conftest import add_hours
    from tests.patients.factories import AllergyFactory

    patient = PatientFactory(clinic=clinic, first_name="Ines", last_name="Achterberg")
    AllergyFactory(patient=patient, clinic=clinic, substance="Iodinated contrast", reaction="Hives")
    add_hours(clinic, clinician, weekdays=[Weekday.MONDAY], location="Room 12")
    page.set_viewport_size(PHONE)
    log_in(admin_user.email)

    page.goto(f"/patients/{patient.pk}/")

    assert fits_the_phone(page)
    allergies = page.locator("#allergies")
    assert on_screen(allergies.get_by_role("rowheader", name="Iodinated contrast"))
    row = allergies.locator("tbody tr").first
    for text in ("Hives", "Moderate", "Active"):
        assert on_screen(row.get_by_text(text, exact=True)), text
    assert on_screen(allergies.get_by_role("link", name="Edit Iodinated contrast"))
    assert on_screen(allergies.get_by_role("link", name="Delete Iodinated contrast"))

    page.goto(f"/appointments/availability/?provider={clinician.pk}")

    assert fits_the_phone(page)
    assert on_screen(page.get_by_text("Room 12", exact=True))
    assert on_screen(page.get_by_role("link", name="Remove").first)

    page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("columnheader", name="Location")).to_be_visible()
