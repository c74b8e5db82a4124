"""On a phone the bell and the Messages count are inside the collapsed menu: its button shows a
dot while something is unread, and none once it is read."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from notifications.models import Notification
from notifications.services import unread_recount
from tests.factories import PASSWORD, ClinicFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOT = "getComputedStyle(document.querySelector('.navbar-toggler'), '::after').content"


def test_the_menu_button_shows_a_dot_while_a_notification_is_unread(page, log_in):
    clinic = ClinicFactory(name="Riverside Clinic")
    clinician = UserFactory(clinic=clinic, role=Role.CLINICIAN, email="dr@example.org")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(clinician.email)
    assert page.evaluate(DOT) == "none"

    Notification.objects.create(
        recipient=clinician, clinic=clinic, event="labs.critical_result", title="Critical result"
    )
    unread_recount()  # the bell reads the user's counter
    page.goto("/")
    assert page.evaluate(DOT) == '""'
    toggler = page.get_by_role("button", name="Toggle navigation")
    expect(toggler).to_be_visible()

    Notification.objects.filter(recipient=clinician).update(unread=False)
    unread_recount()
    page.goto("/")
    assert page.evaluate(DOT) == "none"


def test_log_out_works_without_script(browser, live_server):
    """The account menu that holds Log out opens by script; without it a button stands in."""
    clinic = ClinicFactory(name="Riverside Clinic")
    clinician = UserFactory(clinic=clinic, role=Role.CLINICIAN, email="dr@example.org")
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(clinician.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("button", name="Log out").click()

    page.wait_for_url("**/accounts/login/**")
    context.close()


@pytest.mark.parametrize("width", [1280, 1440, 1920])
def test_an_admins_bar_is_one_row_on_a_laptop_and_wider(page, log_in, width):
    """Every section, the search, a two-digit bell and a long name: one row, as the page's
    width stops growing at 1400 px and the role moves into the account menu."""
    clinic = ClinicFactory(name="Riverside Clinic")
    admin = UserFactory(
        clinic=clinic, role=Role.ADMIN, email="admin@example.org", name="Alexandra Montgomery"
    )
    Notification.objects.bulk_create(
        Notification(recipient=admin, clinic=clinic, event="labs.critical_result", title="A")
        for _ in range(12)
    )
    unread_recount()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(admin.email)

    def middle(box):
        return box["y"] + box["height"] / 2

    home = middle(page.get_by_role("link", name="Home", exact=True).bounding_box())
    account = middle(page.locator(".hp-user-name").bounding_box())
    search = middle(page.get_by_placeholder("Find a patient…").bounding_box())
    assert abs(account - home) < 8 and abs(search - home) < 8
    assert page.evaluate("document.documentElement.scrollWidth") == width
