"""The programme builder's step form shows what the chosen kind asks for: a measurement step
its measure and targets, a check-in its questions, an appointment its visit type; the repeat
fields follow the repeat rule."""

import pytest
from playwright.sync_api import expect

from programs import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BP_STEP = {"day": 0, "repeat": "daily", "kind": "measurement", "title": "Blood pressure",
           "measure": "blood_pressure",
           "targets": {"8480-6": {"low": 90, "high": 130}}}  # fmt: skip


def test_the_step_form_shows_the_fields_of_the_chosen_kind(page, log_in, admin_user):
    draft = services.template_create(
        actor=admin_user, name="Blood pressure", duration_days=28, steps=[BP_STEP]
    )
    step = draft.steps.get()
    log_in(admin_user.email)
    page.goto(f"/programs/steps/{step.pk}/")

    measurement, questions = (
        page.get_by_label("Measurement"),
        page.get_by_label("Check-in questions"),
    )
    visit_type, until = page.get_by_label("Appointment type"), page.get_by_label("Until day")
    expect(measurement).to_be_visible()
    expect(until).to_be_visible()
    expect(questions).to_be_hidden()
    expect(visit_type).to_be_hidden()
    expect(page.get_by_label("Every N days")).to_be_hidden()  # a daily step

    page.get_by_label("Kind").select_option("check_in")
    expect(questions).to_be_visible()
    expect(measurement).to_be_hidden()
    page.get_by_label("Kind").select_option("appointment")
    expect(visit_type).to_be_visible()
    expect(questions).to_be_hidden()
    page.get_by_label("Repeat").select_option("")
    expect(until).to_be_hidden()
    page.get_by_label("Repeat").select_option("every_n_days")
    expect(page.get_by_label("Every N days")).to_be_visible()
    expect(until).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
