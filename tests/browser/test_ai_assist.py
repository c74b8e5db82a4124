"""A clinician summarises a chart, opens a record the summary cites and comes Back to the
summary (no "Confirm form resubmission"); with the session expired meanwhile, the login brings
them back to the summary, not to an error page."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from tests.factories import PASSWORD, ClinicFactory, UserFactory
from tests.labs.factories import POTASSIUM, days_ago, install_catalogue
from tests.notes.factories import install as notes_install
from tests.patients.factories import ConditionFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_back_from_a_citation_and_a_login_land_on_the_summary(page, log_in, output_dir):
    from labs.services import result_create

    clinic = ClinicFactory(name="Riverside Clinic", locale="en-GB", timezone="UTC")
    notes_install(clinic)
    clinician = UserFactory(clinic=clinic, role=Role.CLINICIAN)
    patient = PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    ConditionFactory(patient=patient, name="Essential hypertension", code="I10", status="active")
    potassium = result_create(
        actor=UserFactory(clinic=clinic, role=Role.ADMIN), patient=patient,
        test=install_catalogue(clinic)[POTASSIUM], value="7.2", collected_at=days_ago(2),
    )  # fmt: skip
    day = potassium.collected_at.date().strftime("%d/%m/%Y")

    log_in(clinician.email)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("button", name="Summarise the chart").click()
    page.wait_for_url(f"**/ai/patients/{patient.pk}/summary/")
    results = page.locator("section", has_text="Recent results and trends")
    assert results.locator("li").first.inner_text().startswith("Potassium 7.2")
    expect(results).to_contain_text(day)
    page.screenshot(path=str(output_dir / "ai-summary.png"), full_page=True)

    cited = results.locator(f'a[href="/labs/results/{potassium.pk}/"]')
    expect(cited).to_have_text("[2]")  # [1] is the hypertension, above
    cited.click()
    page.wait_for_url(f"**/labs/results/{potassium.pk}/")
    page.go_back()
    page.wait_for_url(f"**/ai/patients/{patient.pk}/summary/")
    page.get_by_role("heading", name="Chart summary").wait_for()
    expect(page.locator("main")).to_contain_text("Potassium 7.2")

    page.context.clear_cookies()  # the session expired while the summary was open
    page.reload()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("E-mail").fill(clinician.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/ai/patients/{patient.pk}/summary/")  # back to the summary
    main = page.locator("main").inner_text()
    assert "Potassium 7.2" in main and day in main
