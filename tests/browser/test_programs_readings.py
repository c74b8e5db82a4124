"""A reading typed on a phone: a decimal comma reaches the server as typed (a number input
dropped it: 120,5 was stored as 1205) and is refused where the clinic writes a decimal point,
the refused form is where the page opens, and the chart's labels are legible at 390 px."""

import re

import pytest
from playwright.sync_api import expect

from core.roles import Role
from tests.browser.conftest import no_sideways_scroll
from tests.patients.factories import PatientFactory
from tests.programs.factories import DIABETES, enrol, install
from tests.programs.test_html import add_points

RECORD = re.compile(r"^Record reading\s*: Fasting glucose$")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_decimal_comma_is_refused_and_the_page_opens_on_the_reading(
    page, log_in, clinician, staff, clinic
):
    install(clinic)
    enrollment = enrol(
        clinician, PatientFactory(clinic=clinic, first_name="Ana", last_name="Silva"), name=DIABETES
    )
    add_points(enrollment, "29463-7", [72.5], first_hour=-48, unit="kg")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(staff[Role.NURSE].email)
    page.goto(f"/programs/enrollments/{enrollment.pk}/")

    # The chart's smallest label is legible on the phone.
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll("svg.hp-program-chart text")].map(
            (text) => {
                const svg = text.ownerSVGElement;
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                return parseFloat(getComputedStyle(text).fontSize) * scale;
            }))"""
    )
    assert 11 <= smallest < 20  # px on the screen, not the SVG's units

    glucose = page.get_by_label("Glucose (mg/dL)")
    glucose.fill("120,5")
    page.get_by_role("button", name=RECORD).click()
    refusal = "Write 1205 or 120.5: a comma is not read as a decimal point here."
    expect(page.get_by_text(refusal)).to_be_visible()
    assert page.get_by_label("Glucose (mg/dL)").input_value() == "120,5"
    # The page opens on the field to correct, and says at its top what was not recorded.
    assert page.evaluate("document.activeElement.name") == "value_0"
    expect(page.get_by_label("Glucose (mg/dL)")).to_be_visible()  # scrolled into view
    form_id = page.locator("form").filter(has=glucose).get_attribute("id")
    alert = page.get_by_role("alert").filter(has_text="“Fasting glucose” was not recorded.")
    alert.get_by_role("link", name="Correct it below").click()
    assert page.evaluate("location.hash") == f"#{form_id}"
    assert no_sideways_scroll(page)

    page.get_by_label("Glucose (mg/dL)").fill("120.5")
    page.get_by_role("button", name=RECORD).click()
    recorded = "Recorded for Ana Silva: Fasting glucose — Glucose 120.5 mg/dL."
    expect(page.get_by_text(recorded)).to_be_visible()
