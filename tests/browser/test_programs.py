"""Programme pages on a phone: the templates list keeps its table inside its own box (no
sideways page scroll at 390 px), and completing an enrolment asks first, then says so."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import no_sideways_scroll
from tests.patients.factories import PatientFactory
from tests.programs.factories import enrol, install

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_templates_list_fits_a_phone(page, log_in, admin_user, clinic):
    install(clinic)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(admin_user.email)
    page.goto("/programs/templates/")
    expect(page.get_by_role("link", name="Type 2 diabetes — 12 weeks")).to_be_visible()
    assert no_sideways_scroll(page)


def test_completing_an_enrolment_asks_first(page, log_in, clinician, clinic):
    install(clinic)
    enrollment = enrol(
        clinician, PatientFactory(clinic=clinic, first_name="Ana", last_name="Silva")
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(clinician.email)
    page.goto(f"/programs/enrollments/{enrollment.pk}/")
    page.get_by_role("link", name="Complete…").click()
    heading = "Complete “Hypertension — 12 weeks” for Ana Silva?"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert no_sideways_scroll(page)
    page.get_by_role("button", name="Complete the programme").click()
    expect(page.get_by_text("Ana Silva completed the programme.")).to_be_visible()
    assert not page.get_by_role("heading", name="Today's tasks").count()
