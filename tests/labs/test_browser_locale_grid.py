"""The grid's live flag in a clinic writing decimals with a comma (Chromium): it reads a value as
the server does, so "1.500" (1500 or 1,5: refused on save) gets no flag while "1,5" does."""

import pytest
from django.test import Client

from core.roles import Role
from tests.factories import ClinicFactory, UserFactory
from tests.labs.factories import install_catalogue, make_order, make_patient, panel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_thousands_point_gets_no_live_flag_in_a_comma_clinic(page, live_server):
    clinic = ClinicFactory(name="Clínica del Río", locale="es")
    install_catalogue(clinic)
    clinician = UserFactory(clinic=clinic, role=Role.CLINICIAN, email="dr@rio.example")
    tech = UserFactory(clinic=clinic, role=Role.LAB_TECH, email="lab@rio.example")
    patient = make_patient(clinic, first_name="Inés", last_name="Ramos")
    order = make_order(patient, actor=clinician, panels=[panel(clinic, "Basic metabolic")])
    client = Client()
    client.force_login(tech)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto(f"/labs/orders/{order.pk}/results/")
    glucose = page.locator(".hp-grid-row", has_text="Glucose")
    value = glucose.get_by_label("Glucose", exact=True)
    flag = glucose.locator(".hp-live-flag")
    value.fill("1,5")
    flag.locator(".hp-flag-critical_low").wait_for()
    for refused in ("1.500", "12.000", "1.234.567"):  # thousands: refused on save, no flag
        value.fill(refused)
        assert flag.inner_text() == ""
    value.fill("140.00")  # a point before other than three digits is still a decimal point
    flag.locator(".hp-flag-high").wait_for()
    value.fill("0.500")
    flag.locator(".hp-flag-critical_low").wait_for()
