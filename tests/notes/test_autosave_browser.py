"""The writer's autosave in a real browser: it saves as you type, keeps what you type while the
network is down and sends it when the network is back, and gives back unsent text when the
writer is opened again."""

import pytest
from playwright.sync_api import expect

from notes.models import Note
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.factories import PASSWORD
from tests.notes.factories import SOAP_TEXT, install, make_note
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def plan_text(note) -> str:
    return Note.objects.get(pk=note.pk).sections[3]["text"]


def test_autosave_survives_a_dropped_network(browser, live_server, clinician, clinic):
    install(clinic)
    note = make_note(clinician, PatientFactory(clinic=clinic))
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", clinician.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"/notes/{note.pk}/edit/")
    plan = page.locator("textarea[data-section=Plan]")
    status = page.locator("#autosave-status")
    plan.fill("Rest and fluids.")
    expect(page.locator("#autosave-status")).to_contain_text("saved")
    assert plan_text(note) == "Rest and fluids."

    context.set_offline(True)
    plan.press_sequentially(" Review in a week.")
    expect(page.locator("#autosave-status")).to_contain_text("Offline")
    kept = page.evaluate(f"localStorage.getItem('hp-note-draft:{note.pk}')")
    assert "Review in a week." in kept
    assert plan_text(note) == "Rest and fluids."  # the server has not got it yet

    context.set_offline(False)
    expect(page.locator("#autosave-status")).to_contain_text("saved")
    assert plan_text(note) == "Rest and fluids. Review in a week."
    assert "saved" in status.inner_text()

    # Typed while offline, then the tab closed: the writer gives it back next time.
    context.set_offline(True)
    plan.press_sequentially(" Unsent words.")
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto(f"/notes/{note.pk}/edit/")
    assert page.locator("textarea[data-section=Plan]").input_value().endswith("Unsent words.")
    expect(page.locator("#autosave-status")).to_contain_text("saved")
    assert plan_text(note).endswith("Unsent words.")
    context.close()


def test_a_refused_autosave_says_why_in_the_pages_words(browser, live_server, clinician, clinic):
    """The refusal reads as the Save button's would: the message, never the API's field name."""
    install(clinic)
    note = make_note(clinician, PatientFactory(clinic=clinic))
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", clinician.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"/notes/{note.pk}/edit/")
    status = page.locator("#autosave-status")
    page.locator("textarea[data-section=Subjective]").fill("Cough \u202eeveF")
    expect(status).to_have_text(
        "Not saved: The section Subjective holds invisible text-direction characters (pasted "
        "from another program). Remove them and save again."
    )
    page.locator("textarea[data-section=Subjective]").fill("Cough, no fever.")
    expect(status).to_contain_text("All changes saved")

    page.locator("[name=title]").fill("Review \u202eweiveR")
    expect(status).to_have_text(
        "Not saved: Title: Remove the invisible text-direction characters (pasted from "
        "another program) and save again."
    )
    page.locator("[name=title]").fill("Review")
    page.locator("textarea[data-section=Plan]").fill("y" * 100_001)
    expect(status).to_have_text(
        "Not saved: Plan: Ensure this field has no more than 100000 characters."
    )
    assert plan_text(note) == SOAP_TEXT["Plan"]  # nothing of a refused save is kept
    context.close()
