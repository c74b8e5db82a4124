"""The patient page's access log on a phone (390 px): When, Who and What on screen (the role and
the address folded under the name), the table not scrolling sideways even with a long name and
a long detail; the desktop keeps its Role and From (IP) columns."""

import pytest
from playwright.sync_api import expect

from core.audit import UPDATE, audit
from core.roles import Role
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHANGED = "first_name, last_name, date_of_birth, phone, emergency_contact_name"


def on_screen(locator) -> bool:
    """Shown, and within the phone's width (not in a part of the table to scroll to)."""
    box = locator.bounding_box()
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_the_access_log_shows_what_on_a_phone(page, log_in, admin_user, staff, clinic):
    patient = PatientFactory(clinic=clinic, first_name="Manon", last_name="Kaur")
    receptionist = staff[Role.RECEPTIONIST]
    receptionist.name = "Maximiliana Featherstonehaugh-Wolfeschlegelsteinhausen"
    receptionist.save()
    audit(actor=receptionist, action=UPDATE, obj=patient, patient_id=patient.pk, detail=CHANGED)
    page.set_viewport_size(PHONE)
    log_in(admin_user.email)

    page.goto(f"/patients/{patient.pk}/")

    panel = page.locator("#panel-access_log")
    wrapper = panel.locator(".table-responsive")
    assert wrapper.evaluate("box => box.scrollWidth <= box.clientWidth")
    row = panel.get_by_role("row").filter(has_text=receptionist.name)
    assert on_screen(row.get_by_role("cell").first)  # when
    assert on_screen(row.get_by_text(receptionist.name))
    assert on_screen(row.get_by_text("Receptionist").filter(visible=True))  # under the name
    what = row.get_by_text("Date of birth")
    assert on_screen(what)
    expect(what).to_contain_text("Emergency contact")

    page.set_viewport_size(DESKTOP)
    expect(panel.get_by_role("columnheader", name="From (IP)")).to_be_visible()
    expect(panel.get_by_role("columnheader", name="Role")).to_be_visible()
