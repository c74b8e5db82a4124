"""A nurse asks for a triage suggestion beside a patient's thread, goes back to the thread and
comes Back to the suggestion (no "Confirm form resubmission"); with the session expired
meanwhile, the login brings them back to the suggestion, not to a 405."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from tests.factories import PASSWORD, ClinicFactory, UserFactory
from tests.patients.factories import PatientFactory, portal_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_back_from_the_thread_and_a_login_land_on_the_triage_suggestion(page, log_in):
    from tests.messaging.factories import make_thread

    clinic = ClinicFactory(name="Riverside Clinic", locale="en-GB", timezone="UTC")
    nurse = UserFactory(clinic=clinic, role=Role.NURSE)
    patient = PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    thread = make_thread(
        portal_user(patient), patient, subject="Since last night",
        text="I have had chest tightness and I'm short of breath when I walk.",
    )  # fmt: skip
    triage_url = f"**/ai/threads/{thread.pk}/triage/"

    log_in(nurse.email)
    page.goto(f"/messages/{thread.pk}/")
    page.get_by_role("button", name="Suggest triage").click()
    page.wait_for_url(triage_url)
    expect(page.locator("main")).to_contain_text("call emergency services")

    page.get_by_role("link", name="Back to the thread").click()
    page.wait_for_url(f"**/messages/{thread.pk}/")
    page.go_back()
    page.wait_for_url(triage_url)
    page.get_by_role("heading", name="Triage suggestion").wait_for()
    expect(page.locator("main")).to_contain_text("Emergency")

    page.context.clear_cookies()  # the session expired while the suggestion was open
    page.reload()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("E-mail").fill(nurse.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(triage_url)  # back to the suggestion
    expect(page.locator("main")).to_contain_text("call emergency services")
