"""A form drawn again with its errors opens on the first refused field (static/js/forms.js):
on a phone the refusal is screens below the top, where the page used to open."""

import pytest

from core.roles import Role
from tests.factories import ClinicFactory, UserFactory
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_edit_opens_on_the_refused_field_at_phone_width(page, log_in):
    clinic = ClinicFactory(name="Riverside Clinic")
    receptionist = UserFactory(clinic=clinic, role=Role.RECEPTIONIST, email="desk@example.org")
    patient = PatientFactory(clinic=clinic)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(receptionist.email)
    page.goto(f"/patients/{patient.pk}/edit/")

    page.get_by_label("E-mail").fill("not-an-address")
    page.get_by_role("button", name="Save changes").click()
    page.locator("#id_email.is-invalid").wait_for()
    page.wait_for_load_state("load")  # the page opens on the field once it has loaded

    focused = page.evaluate("() => document.activeElement.id")
    in_view = page.evaluate(
        """() => { const box = document.activeElement.getBoundingClientRect();
                   return box.top >= 0 && box.bottom <= window.innerHeight; }"""
    )
    assert focused == "id_email" and in_view
    assert page.evaluate("() => window.scrollY") > 0  # it is below the first screen
