"""Every staff page, for every demo role, at desktop and phone width: no serious or critical
axe-core violations, and at 390 px no horizontal page scroll (tables scroll inside their box).

axe-core and the scroll check live in tests/browser/axe.py."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from appointments.models import Appointment
from clinics.models import Clinic
from labs.models import Flag, LabOrder, LabResult
from messaging.models import Thread
from notes.models import Note
from patients.models import Patient
from programs.models import Enrollment
from tests.browser.axe import axe_source, keep_screenshot, page_problems
from tests.labs.factories import GLUCOSE, POTASSIUM, install_catalogue, make_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a11y-passport-2026"
ROLES = ["admin", "clinician", "nurse", "reception", "lab"]
WIDTHS = [1280, 390]
# A small demo clinic (every kind of row, a second page of patients): quick on both backends.
DEMO_SIZE = {
    "patients": 30,
    "appointments": 40,
    "labs_per_patient": 2,
    "notes_per_patient": 1,
    "message_threads": 6,
    "messages_per_thread": 3,
    "program_enrolments": 6,
    "program_days": 30,
}
# Pages every staff member reaches from the account menu, beside the navigation bar.
ACCOUNT_PAGES = ["/accounts/profile/", "/notifications/", "/notifications/preferences/"]


def record_pages(clinic) -> dict[str, str]:
    """The main record pages of the demo clinic, by name: the first of each kind it seeded."""
    records = {
        "patient": (Patient.objects.filter(clinic=clinic), "/patients/{}/"),
        "lab-order": (LabOrder.objects.filter(clinic=clinic), "/labs/orders/{}/"),
        "flagged-result": (
            LabResult.objects.filter(clinic=clinic, flag__in=[Flag.HIGH, Flag.CRITICAL_HIGH]),
            "/labs/results/{}/",
        ),
        "note": (Note.objects.filter(clinic=clinic), "/notes/{}/"),
        "appointment": (Appointment.objects.filter(clinic=clinic), "/appointments/{}/"),
        "message-thread": (Thread.objects.filter(clinic=clinic), "/messages/{}/"),
        "enrolment": (Enrollment.objects.filter(clinic=clinic), "/programs/enrollments/{}/"),
    }
    pages = {}
    for name, (queryset, url) in records.items():
        first = queryset.order_by("created_at").first()
        assert first, f"the demo clinic has no {name}"
        pages[url.format(first.pk)] = name
    return pages


def nav_pages(page) -> list[str]:
    """Every same-site page the navigation bar links to (the collapsed menu included)."""
    hrefs = page.eval_on_selector_all(
        "#hp-nav a.nav-link[href^='/'], #hp-nav a.dropdown-item[href^='/']",
        "links => links.map(a => a.getAttribute('href'))",
    )
    return [href for href in dict.fromkeys(hrefs) if not href.startswith(("/admin/", "/api/"))]


@pytest.fixture
def demo_clinic(db):
    """The demo clinic, plus abnormal and critical results waiting in the review queue (the
    flagged rows whose links must still read clearly)."""
    call_command("seed_demo", password=PASSWORD, stdout=io.StringIO(), **DEMO_SIZE)
    clinic = Clinic.objects.get(slug="demo-clinic")
    catalogue = install_catalogue(clinic)
    patient = Patient.objects.filter(clinic=clinic).order_by("created_at").first()
    lab_tech = User.objects.get(email="lab@demo.clinic")
    make_result(patient, catalogue[GLUCOSE], "150", actor=lab_tech)
    make_result(patient, catalogue[POTASSIUM], "6.6", actor=lab_tech)
    return clinic


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_are_accessible_at_desktop_and_phone_width(
    page, live_server, output_dir, demo_clinic, role
):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(f"{role}@demo.clinic")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    records = record_pages(demo_clinic)
    urls = list(dict.fromkeys(["/", *nav_pages(page), *ACCOUNT_PAGES, *records]))
    source = axe_source()

    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            response = page.goto(url)
            if response.status == 403:  # a record page this role may not open
                continue
            name = records.get(url) or url.strip("/").replace("/", "-") or "home"
            keep_screenshot(page, output_dir / f"a11y-{role}-{name}-{width}.png")
            problems += page_problems(page, source, url, width)
    assert not problems, "\n".join(problems)
