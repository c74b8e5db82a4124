"""A clinician signs off a whole order from the review queue with one comment: the normal
results go, the abnormal one waits for its own tick, the critical one cannot be signed off until
someone records who was told (the page says so), and the counts on the home page and the queue
drop by exactly what was signed off."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from labs.models import LabResult
from tests.browser.conftest import no_sideways_scroll
from tests.factories import ClinicFactory, UserFactory
from tests.labs.factories import (
    GLUCOSE,
    POTASSIUM,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SODIUM, CHLORIDE, CALCIUM = "2951-2", "2075-0", "17861-6"


def shoot(page, output_dir, name):
    """The page at desktop and phone width (CI artefacts), back at desktop width after."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        if width == 390:
            assert no_sideways_scroll(page), f"{name} scrolls sideways at 390 px"
        page.screenshot(path=str(output_dir / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_clinician_signs_off_an_order_in_bulk(page, log_in, output_dir):
    clinic = ClinicFactory(name="Riverside Clinic")
    clinician = UserFactory(clinic=clinic, role=Role.CLINICIAN, name="Dr Grey")
    lab_tech = UserFactory(clinic=clinic, role=Role.LAB_TECH)
    catalogue = install_catalogue(clinic)
    patient = make_patient(clinic, first_name="Ada", last_name="Lovelace")
    codes = [SODIUM, CHLORIDE, CALCIUM, GLUCOSE, POTASSIUM]
    order = make_order(patient, actor=clinician, tests=[catalogue[c] for c in codes])
    values = {SODIUM: "140", CHLORIDE: "101", CALCIUM: "9.4", GLUCOSE: "150", POTASSIUM: "6.6"}
    results = {
        code: make_result(patient, catalogue[code], value, actor=lab_tech, order=order)
        for code, value in values.items()
    }
    glucose, potassium = results[GLUCOSE], results[POTASSIUM]

    log_in(clinician.email)
    expect(page.locator(".hp-review-total")).to_have_text("5")
    page.get_by_role("link", name="Open the review queue").click()
    page.wait_for_url("**/labs/review/**")
    expect(page.locator(".hp-review-count")).to_contain_text("5 results waiting for review")
    group = page.locator(".hp-review-group").filter(has_text="Ada Lovelace")
    expect(group.locator("h2")).to_contain_text("Order of")
    shoot(page, output_dir, "review-queue-before")

    group.get_by_label("Comment (one for all)").fill("Electrolytes fine; repeat glucose.")
    group.get_by_role("button", name="Sign off this order").click()
    page.wait_for_url("**/labs/review/**")
    notice = page.get_by_text("3 results signed off.")
    expect(notice).to_contain_text("2 abnormal results still need their own tick.")
    expect(page.locator(".hp-review-count")).to_contain_text("2 results waiting for review")
    for code in (SODIUM, CHLORIDE, CALCIUM):
        result = LabResult.objects.get(pk=results[code].pk)
        assert result.review_comment == "Electrolytes fine; repeat glucose."

    # The critical potassium offers no tick, only recording who was told; its page says why.
    group = page.locator(".hp-review-group").filter(has_text="Ada Lovelace")
    assert group.get_by_label("I have reviewed Potassium").count() == 0
    expect(group.get_by_role("link", name="Record who was told Potassium")).to_be_visible()
    shoot(page, output_dir, "review-queue-abnormal-left")
    group.get_by_role("link", name="Potassium", exact=True).click()
    page.wait_for_url(f"**/labs/results/{potassium.pk}/")
    expect(page.get_by_text("Not yet recorded: the result cannot be signed off.")).to_be_visible()
    page.go_back()
    page.wait_for_url("**/labs/review/**")

    group = page.locator(".hp-review-group").filter(has_text="Ada Lovelace")
    group.get_by_label("I have reviewed Glucose").check()
    group.get_by_role("button", name="Sign off this order").click()
    page.wait_for_url("**/labs/review/**")
    expect(page.get_by_text("1 result signed off.")).to_be_visible()
    expect(page.locator(".hp-review-count")).to_contain_text("1 result waiting for review")
    assert LabResult.objects.get(pk=glucose.pk).reviewed_by == clinician
    assert LabResult.objects.get(pk=potassium.pk).reviewed_at is None
    shoot(page, output_dir, "review-queue-after")

    page.goto("/")
    expect(page.locator(".hp-review-total")).to_have_text("1")
