"""The patient list's pages at phone width: the page links wrap instead of pushing Next and Last
off the screen, and Next / Previous walk from the neighbouring page's edge row."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from tests.browser.conftest import no_sideways_scroll
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_paging_a_long_list_on_a_phone(page, log_in, output_dir, clinic):
    receptionist = UserFactory(clinic=clinic, role=Role.RECEPTIONIST)
    for n in range(300):  # twelve pages: the links around page 6 need two rows at 390 px
        PatientFactory(clinic=clinic, last_name=f"Patient{n:03d}")
    log_in(receptionist.email)
    page.set_viewport_size({"width": 390, "height": 900})

    page.goto("/patients/?page=6")
    assert no_sideways_scroll(page), "the page links push the list wider than a phone"
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**/patients/?page=7&after=*")
    expect(page.locator("main")).to_contain_text("Showing 151–175 of 300")
    assert page.locator("tbody tr").first.inner_text().startswith("Patient150,")

    page.get_by_role("link", name="Previous").click()
    page.wait_for_url("**/patients/?page=6&before=*")
    assert page.locator("tbody tr").first.inner_text().startswith("Patient125,")
    page.screenshot(path=str(output_dir / "patient-list-paging-390.png"), full_page=True)
