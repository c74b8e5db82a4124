"""Recording a patient's task on the enrolment page, on a phone: the reading's fields and their
buttons fit a 390 px window, a refused value stays typed, and the page says what was recorded."""

import re

import pytest
from playwright.sync_api import expect

from core.roles import Role
from tests.browser.conftest import no_sideways_scroll
from tests.patients.factories import PatientFactory
from tests.programs.factories import enrol, install

# A button's name ends in its task's title (hidden from sight, read by screen readers).
RECORD = re.compile(r"^Record reading\s*: Blood pressure$")
MARK_DONE = re.compile(r"^Mark done\s*: Measuring your blood pressure at home$")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_a_nurse_records_a_reading_on_a_phone(page, log_in, clinician, staff, clinic):
    install(clinic)
    nurse = staff[Role.NURSE]
    enrollment = enrol(
        clinician, PatientFactory(clinic=clinic, first_name="Ana", last_name="Silva")
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(nurse.email)
    page.goto(f"/programs/enrollments/{enrollment.pk}/")
    systolic, diastolic = (
        page.get_by_label("Systolic (mmHg)"),
        page.get_by_label("Diastolic (mmHg)"),
    )
    record = page.get_by_role("button", name=RECORD)
    done = page.get_by_role("button", name=MARK_DONE)
    assert all(fits(page, control) for control in (systolic, diastolic, record, done))
    assert no_sideways_scroll(page)

    systolic.fill("900")
    diastolic.fill("82")
    record.click()
    expect(page.get_by_text("Systolic 900 is outside 40–300 mmHg.")).to_be_visible()
    assert page.get_by_label("Systolic (mmHg)").input_value() == "900"
    assert no_sideways_scroll(page)

    page.get_by_label("Systolic (mmHg)").fill("128")
    page.get_by_role("button", name=RECORD).click()
    message = "Recorded for Ana Silva: Blood pressure — Systolic 128 mmHg, Diastolic 82 mmHg."
    expect(page.get_by_text(message)).to_be_visible()
    assert not page.get_by_role("button", name=RECORD).count()
    assert no_sideways_scroll(page)
