"""Every staff page, for every demo role, at desktop and phone width: no serious or critical
axe-core violations, and at 390 px no horizontal page scroll (tables scroll inside their box).

axe-core comes from the npm registry (`make setup-test` installs it into tools/axe/); it is run
with `page.evaluate`, which the page's Content-Security-Policy does not apply to."""

import io
from pathlib import Path

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
from tests.labs.factories import GLUCOSE, POTASSIUM, install_catalogue, make_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(__file__).resolve().parents[2] / "tools/axe/node_modules/axe-core/axe.min.js"
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
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact,
                  targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
                  summary: v.nodes[0] && v.nodes[0].failureSummary}));
}"""

# The outermost elements that stick out of the viewport: where to look when a page scrolls.
TOO_WIDE = """(width) => {
  const clipped = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = (el) => el.getBoundingClientRect().right > width + 1;
  return [...document.querySelectorAll("body *")]
    .filter((el) => wide(el) && !wide(el.parentElement) && !clipped(el))
    .slice(0, 5)
    .map((el) => el.outerHTML.slice(0, 120));
}"""


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
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing from {AXE_JS}: run `make setup-test`")
    axe_source = AXE_JS.read_text()

    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            response = page.goto(url)
            if response.status == 403:  # a record page this role may not open
                continue
            page.evaluate(axe_source)
            name = records.get(url) or url.strip("/").replace("/", "-") or "home"
            page.screenshot(
                path=str(output_dir / f"a11y-{role}-{name}-{width}.png"), full_page=True
            )
            for violation in page.evaluate(RUN_AXE):
                problems.append(
                    f"{url} @{width}px [{violation['impact']}] {violation['id']}: "
                    f"{violation['targets']}\n    {violation['summary']}"
                )
            if width < 400:
                scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
                if scroll_width > width:
                    problems.append(
                        f"{url} @{width}px scrolls sideways: {scroll_width}px wide; "
                        f"too wide: {page.evaluate(TOO_WIDE, width)}"
                    )
    assert not problems, "\n".join(problems)
