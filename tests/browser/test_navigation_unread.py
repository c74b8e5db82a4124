"""On a phone the bell and the Messages count are inside the collapsed menu: its button shows a
dot while something is unread, and none once it is read."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from notifications.models import Notification
from notifications.services import unread_recount
from tests.factories import ClinicFactory, UserFactory

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
