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
