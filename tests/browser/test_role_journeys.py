"""One short journey per role through the daily flows of issue 16, each ending at 390 px wide
with no sideways scroll: the front desk finds a patient by a phone number typed another way and
sees them among the recently opened; the nurse collects a sample from the worklist; the lab
technician results it; the clinic admin switches the date format and a page follows."""

import datetime

import pytest
from playwright.sync_api import expect

from clinics.models import Clinic
from core.roles import Role
from labs.models import LabOrder, LabResult
from tests.browser.conftest import no_sideways_scroll
from tests.factories import ClinicFactory, UserFactory
from tests.labs.factories import GLUCOSE, POTASSIUM, install_catalogue, make_order, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def at_phone_width(page, output_dir, name):
    """Screenshots (CI artefacts) at 1280 and 390 px; the page must not scroll sideways."""
    page.screenshot(path=str(output_dir / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 900})
    assert no_sideways_scroll(page), f"{name} scrolls sideways at 390 px"
    page.screenshot(path=str(output_dir / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Riverside Clinic", timezone="Europe/London")


@pytest.fixture
def ordered(clinic):
    """A clinician's order of glucose and potassium for Ada, waiting to be collected."""
    catalogue = install_catalogue(clinic)
    clinician = UserFactory(clinic=clinic, role=Role.CLINICIAN)
    patient = make_patient(clinic, first_name="Ada", last_name="Lovelace")
    return make_order(patient, actor=clinician, tests=[catalogue[GLUCOSE], catalogue[POTASSIUM]])


def test_front_desk_finds_a_patient_by_phone_in_another_format(page, log_in, output_dir, clinic):
    reception = UserFactory(clinic=clinic, role=Role.RECEPTIONIST)
    ada = make_patient(clinic, first_name="Ada", last_name="Lovelace", phone="07381 283329")
    make_patient(clinic, first_name="Alan", last_name="Turing", phone="020 7946 0018")
    log_in(reception.email)

    search = page.get_by_role("combobox", name="Find a patient")
    search.fill("+44 7381 283329")
    page.get_by_role("option", name="Ada Lovelace").wait_for()
    assert page.get_by_role("option").count() == 1
    search.fill("7381283329")
    page.get_by_role("option", name="Ada Lovelace").wait_for()
    search.press("ArrowDown")
    search.press("Enter")
    page.wait_for_url(f"**/patients/{ada.pk}/")
    expect(page.locator("main")).to_contain_text("+44 7381 283329")

    page.goto("/patients/")
    page.get_by_role("combobox", name="Find a patient").focus()
    recent = page.get_by_role("listbox", name="Recently opened patients")
    recent.wait_for()
    assert recent.get_by_role("option").all_inner_texts()[0].startswith("Ada Lovelace")
    at_phone_width(page, output_dir, "journey-front-desk-recent")


def test_nurse_collects_a_sample_from_the_worklist(page, log_in, output_dir, clinic, ordered):
    nurse = UserFactory(clinic=clinic, role=Role.NURSE)
    log_in(nurse.email)
    expect(page.locator(".hp-count-collect")).to_have_text("1")
    page.locator(".list-group-item").get_by_role("link", name="Ada Lovelace").click()
    page.wait_for_url(f"**/labs/orders/{ordered.pk}/")
    page.get_by_role("button", name="Mark collected").click()
    page.wait_for_load_state()
    assert LabOrder.objects.get(pk=ordered.pk).status == LabOrder.Status.COLLECTED

    page.goto("/")
    expect(page.locator(".hp-count-collect")).to_have_text("0")
    expect(page.locator(".hp-count-result")).to_have_text("1")
    at_phone_width(page, output_dir, "journey-nurse-worklist")


def test_lab_technician_results_an_order_from_the_worklist(
    page, log_in, output_dir, clinic, ordered
):
    lab_tech = UserFactory(clinic=clinic, role=Role.LAB_TECH)
    ordered.status, ordered.collected_at = LabOrder.Status.COLLECTED, ordered.created_at
    ordered.save(update_fields=["status", "collected_at"])
    log_in(lab_tech.email)
    expect(page.locator(".hp-count-result")).to_have_text("1")
    page.get_by_role("link", name="Enter results Ada Lovelace").click()
    page.wait_for_url(f"**/labs/orders/{ordered.pk}/results/")

    page.get_by_role("textbox", name="Glucose", exact=True).fill("88")
    page.get_by_role("textbox", name="Potassium", exact=True).fill("5.6")
    assert page.locator(".hp-live-flag").nth(1).inner_text().endswith("High")
    at_phone_width(page, output_dir, "journey-lab-results-grid")
    page.get_by_role("button", name="Save results").click()
    page.wait_for_url(f"**/labs/orders/{ordered.pk}/")
    flags = dict(LabResult.objects.filter(order=ordered).values_list("test__name", "flag"))
    assert flags == {"Glucose": "normal", "Potassium": "high"}

    page.goto("/")
    expect(page.locator(".hp-count-result")).to_have_text("0")


def test_clinic_admin_switches_to_us_dates(page, log_in, output_dir, clinic):
    admin = UserFactory(clinic=clinic, role=Role.ADMIN)
    ada = make_patient(clinic, born=datetime.date(2004, 9, 24))
    log_in(admin.email)
    page.goto(f"/patients/{ada.pk}/")
    expect(page.locator("main")).to_contain_text("24/09/2004")

    page.goto("/clinic/settings/")
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Date format").select_option("en-US")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    clinic = Clinic.objects.get(pk=clinic.pk)
    assert (clinic.country, clinic.locale) == ("US", "en-US")
    at_phone_width(page, output_dir, "journey-admin-settings")

    page.goto(f"/patients/{ada.pk}/")
    text = page.locator("main").inner_text()
    assert "09/24/2004" in text and "24/09/2004" not in text
