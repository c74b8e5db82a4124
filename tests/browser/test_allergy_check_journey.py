"""A clinician finds a patient from the header search, sees the allergy banner, adds a
medication that clashes with it, is stopped, and prescribes with a reason (desktop and 390 px)."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from patients import services
from patients.models import Medication
from tests.factories import PASSWORD, ClinicFactory, UserFactory
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_clinician_adds_a_conflicting_medication(page, live_server, output_dir, width):
    clinic = ClinicFactory(name="Riverside Clinic")
    clinician = UserFactory(clinic=clinic, role=Role.CLINICIAN, email="dr.who@example.org")
    patient = PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    services.clinical_create(
        actor=clinician,
        patient=patient,
        kind="allergies",
        substance="Penicillin",
        severity="severe",
        reaction="Anaphylaxis",
    )
    page.set_viewport_size({"width": width, "height": 900})

    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(clinician.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")

    if width < 992:  # the navigation (and its search box) is collapsed on a phone
        page.get_by_role("button", name="Toggle navigation").click()
    search = page.get_by_role("combobox", name="Find a patient")
    search.fill("lovel")
    page.get_by_role("option", name="Ada Lovelace").wait_for()
    search.press("ArrowDown")
    search.press("Enter")
    page.wait_for_url(f"**/patients/{patient.pk}/")

    banner = page.locator(".hp-allergy-banner")
    expect(banner).to_contain_text("Penicillin")
    expect(banner).to_contain_text("Severe")

    page.goto(f"/patients/{patient.pk}/medications/add/")
    page.get_by_label("Medication").fill("Amoxicillin")
    page.get_by_label("Dose").fill("500 mg")
    page.get_by_role("button", name="Add").click()
    warning = page.get_by_role("alert").filter(has_text="Allergy warning")
    warning.wait_for()
    expect(warning).to_contain_text("severe allergy to Penicillin")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no h-scroll
    page.screenshot(path=str(output_dir / f"allergy-check-warning-{width}.png"), full_page=True)
    assert not Medication.objects.filter(patient=patient).exists()

    page.get_by_label("Reason to prescribe despite the allergy").fill("Tolerated in 2024")
    page.get_by_role("button", name="Prescribe despite the allergy").click()
    page.wait_for_url(f"**/patients/{patient.pk}/#medications")
    expect(page.locator("#medications")).to_contain_text("Allergy override")
    page.screenshot(path=str(output_dir / f"allergy-check-override-{width}.png"), full_page=True)
    assert Medication.objects.get(patient=patient).allergy_override_reason == "Tolerated in 2024"
