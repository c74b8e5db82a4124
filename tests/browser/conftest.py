"""What the browser tests share: logging in through the real form, the no-sideways-scroll
check, and the smallest demo clinic."""

import io

import pytest
from django.core.management import call_command

from clinics.models import Clinic
from tests.factories import PASSWORD


@pytest.fixture
def log_in(page, live_server):
    """Log `email` in through the login form and wait for the staff home."""

    def log_in(email: str, password: str = PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return log_in


def no_sideways_scroll(page) -> bool:
    """The page is no wider than the window (tables scroll inside their own box).

    Waits for the page to load first: measured mid-navigation, the document has no
    root element yet (it failed that way in CI)."""
    page.wait_for_load_state()
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


DEMO_PASSWORD = "a11y-passport-2026"
# The smallest demo clinic with a row of every kind: quick to seed on both backends.
SMALL_DEMO = {
    "patients": 6,
    "appointments": 8,
    "labs_per_patient": 1,
    "notes_per_patient": 1,
    "message_threads": 2,
    "messages_per_thread": 2,
    "program_enrolments": 2,
    "program_days": 7,
}


@pytest.fixture
def small_demo(db):
    """`seed_demo` at its smallest: one user of every role (password DEMO_PASSWORD), a platform
    superuser, appointment types and availability, patients with labs."""
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=io.StringIO(), **SMALL_DEMO)
    return Clinic.objects.get(slug="demo-clinic")
