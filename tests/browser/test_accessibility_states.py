"""The states a user reaches beyond a page's first paint, at desktop and phone width: forms
showing validation errors, the header search with its results listed, opened menus and
disclosures, and the Django admin's sub-pages a platform superuser visits. No serious or
critical axe-core violation in any of them, and at 390 px no sideways page scroll."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, User
from appointments.models import AppointmentType
from patients.models import Patient
from tests.browser.axe import axe_source, keep_screenshot, page_problems
from tests.browser.conftest import DEMO_PASSWORD
from tests.labs.factories import GLUCOSE, install_catalogue, make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 390]


def open_navigation(page):
    """On a phone the navigation (and its search box) folds into a menu: open it."""
    toggle = page.get_by_role("button", name="Toggle navigation")
    if toggle.is_visible():
        toggle.click()
        page.locator("#hp-nav.show").wait_for()


def submit(page, button: str):
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    page.locator(".invalid-feedback, .alert-danger, .errorlist").first.wait_for()


def a_weekday_ahead(days: int = 2) -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=days)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def staff_states(clinic):
    """(name, steps) of each state: `steps(page)` brings a fresh page into it."""
    patient = Patient.objects.filter(clinic=clinic).order_by("created_at").first()
    clinician = User.objects.get(email="clinician@demo.clinic")
    glucose = install_catalogue(clinic)[GLUCOSE]
    open_order = make_order(patient, actor=clinician, tests=[glucose])
    visit = AppointmentType.objects.filter(clinic=clinic, is_active=True).order_by("name").first()
    book = f"/appointments/new/?patient={patient.pk}"

    def patient_form(page):
        page.goto("/patients/new/")
        submit(page, "Create patient")

    def patient_form_invalid(page):
        page.goto("/patients/new/")
        page.get_by_label("First name").fill("Ada")
        page.get_by_label("E-mail").fill("not-an-address")
        submit(page, "Create patient")

    def lab_order_form(page):
        page.goto(f"/labs/orders/new/?patient={patient.pk}")
        submit(page, "Place the order")

    def slot_search(page):
        page.goto(f"{book}&type={visit.pk}&provider=&date=2026-02-31")
        page.locator(".invalid-feedback").first.wait_for()

    def booking_form(page):
        page.goto(f"{book}&type={visit.pk}&provider=&date={a_weekday_ahead().isoformat()}")
        submit(page, "Book")

    def allergy_form(page):
        page.goto(f"/patients/{patient.pk}/")
        page.locator("summary", has_text="Add an allergy").click()
        page.get_by_role("button", name="Add allergy").wait_for()

    def allergy_form_errors(page):
        allergy_form(page)
        submit(page, "Add allergy")

    def order_cancel_disclosure(page):
        page.goto(f"/labs/orders/{open_order.pk}/")
        page.locator("summary", has_text="Cancel this order").click()
        page.get_by_role("button", name="Cancel the order").wait_for()

    def header_search(page):
        page.goto("/")
        open_navigation(page)
        page.get_by_role("combobox", name="Find a patient").fill(patient.last_name[:4])
        page.get_by_role("option").first.wait_for()

    def account_menu(page):
        page.goto("/")
        open_navigation(page)
        page.locator("#hp-nav .dropdown-toggle").click()
        page.locator("#hp-nav").get_by_role("link", name="My profile").wait_for()

    return {
        "patient-form-empty": patient_form,
        "patient-form-invalid": patient_form_invalid,
        "lab-order-form-empty": lab_order_form,
        "slot-search-invalid-date": slot_search,
        "booking-form-no-slot": booking_form,
        "allergy-add-opened": allergy_form,
        "allergy-add-empty": allergy_form_errors,
        "order-cancel-opened": order_cancel_disclosure,
        "header-search-results": header_search,
        "account-menu-opened": account_menu,
    }


def test_form_errors_menus_and_search_are_accessible(page, log_in, output_dir, small_demo):
    log_in("clinician@demo.clinic", DEMO_PASSWORD)
    source = axe_source()
    states = staff_states(small_demo)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, steps in states.items():
            steps(page)
            keep_screenshot(page, output_dir / f"a11y-state-{name}-{width}.png")
            problems += page_problems(page, source, name, width)
    assert not problems, "\n".join(problems)


def superuser_pages(clinic) -> dict[str, str]:
    """The Django admin pages a platform superuser visits: its index, clinics and users (list
    and change page), the audit trail (list, filtered, one row) and a read-only patient."""
    user = User.objects.filter(clinic=clinic).order_by("email").first()
    event = AuditEvent.objects.order_by("-created_at").first()
    patient = Patient.objects.filter(clinic=clinic).order_by("created_at").first()
    return {
        "index": "/admin/",
        "clinics": "/admin/clinics/clinic/",
        "clinic-change": f"/admin/clinics/clinic/{clinic.pk}/change/",
        "users": "/admin/accounts/user/",
        "user-change": f"/admin/accounts/user/{user.pk}/change/",
        "audit-log": "/admin/accounts/auditevent/",
        "audit-log-filtered": "/admin/accounts/auditevent/?action__exact=view",
        "audit-event": f"/admin/accounts/auditevent/{event.pk}/change/",
        "patients": "/admin/patients/patient/",
        "patient-view": f"/admin/patients/patient/{patient.pk}/change/",
    }


def test_django_admin_pages_are_accessible(page, live_server, output_dir, small_demo):
    # The superuser's second factor is the MFA tests' business: start from a signed-in session.
    client = Client()
    client.force_login(User.objects.get(email="superuser@demo.clinic"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    source = axe_source()
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in superuser_pages(small_demo).items():
            response = page.goto(url)
            assert response.status == 200, f"{url} answered {response.status}"
            keep_screenshot(page, output_dir / f"a11y-admin-{name}-{width}.png")
            problems += page_problems(page, source, url, width)
    assert not problems, "\n".join(problems)
