"""On a phone, the notification list names each alert's patient and still fits the screen."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from notifications.models import Notification
from tests.browser.conftest import no_sideways_scroll
from tests.factories import ClinicFactory, UserFactory
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_on_a_phone_sees_whom_each_alert_is_about(page, log_in, output_dir):
    clinic = ClinicFactory(name="Riverside Clinic")
    clinician = UserFactory(clinic=clinic, role=Role.CLINICIAN, email="dr@example.org")
    names = [("Ada", "Lovelace"), ("Maximiliana", "Featherstonehaugh-Wolfeschlegelsteinhausen")]
    for first, last in names:
        Notification.objects.create(
            recipient=clinician,
            clinic=clinic,
            event="labs.critical_result",
            title="Critical lab result at Riverside Clinic",
            patient=PatientFactory(clinic=clinic, first_name=first, last_name=last),
        )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(clinician.email)
    page.goto("/notifications/")

    items = page.locator(".list-group-item")
    assert items.count() == 2
    for first, last in names:
        item = items.filter(has_text=f"{first} {last}")
        expect(item.get_by_text("Critical lab result at Riverside Clinic")).to_be_visible()
        expect(item.get_by_role("button", name="Mark read")).to_be_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "notifications-patient-phone.png"), full_page=True)
