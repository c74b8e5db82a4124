"""The note writer's saves against its own autosave and another tab's: text refused by the server
stays on the device and is offered back, and a Save that meets the tab's own autosave on its
way waits for it instead of reading it as a save from elsewhere."""

import pytest
from playwright.sync_api import expect

from notes.models import Note
from tests.notes.factories import install, make_note
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFLICT = "This draft was saved elsewhere since you opened it."


@pytest.fixture
def draft(clinic, clinician):
    install(clinic)
    return make_note(clinician, PatientFactory(clinic=clinic))


def section(page, name):
    return page.locator(f"textarea[data-section={name}]")


def test_text_refused_after_another_tab_saved_is_kept_and_offered_back(
    page, log_in, clinician, draft
):
    log_in(clinician.email)
    page.on("dialog", lambda dialog: dialog.accept())  # the leave-page warning
    tab_b = page.context.new_page()
    page.goto(f"/notes/{draft.pk}/edit/")
    tab_b.goto(f"/notes/{draft.pk}/edit/")

    section(tab_b, "Subjective").fill("Tab two subjective.")
    expect(tab_b.locator("#autosave-status")).to_contain_text("saved")
    tab_b.close()

    section(page, "Assessment").fill("Tab one assessment IMPORTANT")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text(CONFLICT)
    expect(page.locator("#autosave-status")).to_have_text(
        "Not saved: your text is kept on this device."
    )

    page.get_by_role("link", name="Open the latest version").click()
    assert section(page, "Subjective").input_value() == "Tab two subjective."
    restore = page.get_by_role("button", name="Restore my unsent text")
    expect(restore).to_be_visible()
    restore.click()
    assert section(page, "Assessment").input_value() == "Tab one assessment IMPORTANT"
    expect(page.locator("#autosave-status")).to_contain_text("All changes saved")
    assert Note.objects.get(pk=draft.pk).sections[2]["text"] == "Tab one assessment IMPORTANT"


def test_save_and_sign_waits_for_the_autosave_it_meets_on_its_way(page, log_in, clinician, draft):
    log_in(clinician.email)
    autosaves = []
    page.route(f"**/api/v1/notes/{draft.pk}", lambda route: autosaves.append(route))  # held
    page.goto(f"/notes/{draft.pk}/edit/")
    plan = section(page, "Plan")
    plan.fill("Review in a week.")
    plan.blur()  # what pressing a button does: the autosave goes out at once
    while not autosaves:
        page.wait_for_timeout(50)
    autosave = autosaves.pop()
    answer = autosave.fetch()  # the server saves it; the answer is still on its way back
    assert Note.objects.get(pk=draft.pk).version == 2

    page.get_by_role("button", name="Save and sign").click()
    page.wait_for_timeout(600)
    autosave.fulfill(response=answer)

    expect(page.get_by_text("The note is signed.")).to_be_visible()
    note = Note.objects.get(pk=draft.pk)
    assert note.is_signed and note.sections[3]["text"] == "Review in a week."


def test_an_autosave_refused_for_a_field_names_and_marks_it(page, log_in, clinician, draft):
    log_in(clinician.email)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/notes/{draft.pk}/edit/")
    title = page.get_by_label("Title")
    title.fill("")
    plan = section(page, "Plan")
    plan.fill("Review in a week.")
    plan.blur()

    expect(page.locator("#autosave-status")).to_contain_text("Not saved: Title: ")
    expect(title).to_have_attribute("aria-invalid", "true")

    title.fill("Follow-up")
    title.blur()
    expect(page.locator("#autosave-status")).to_contain_text("All changes saved")
    expect(title).not_to_have_attribute("aria-invalid", "true")
    assert Note.objects.get(pk=draft.pk).title == "Follow-up"
