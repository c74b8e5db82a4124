"""Several files with one title in Chromium (each sent to the API on its own): each file gets
the title numbered, and a refused file's progress bar turns red instead of showing a full blue
one above its message."""

import pytest
from playwright.sync_api import expect

from files.models import StoredFile
from tests.files.factories import pdf_bytes, png_bytes
from tests.notes.factories import install, make_note
from tests.patients.factories import PatientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_storage"),
]

RED = "rgb(220, 53, 69)"  # Bootstrap's --bs-danger


def accent(bar) -> str:
    return bar.evaluate("bar => getComputedStyle(bar).accentColor")


def test_a_title_is_numbered_per_file_and_a_refused_bar_is_red(
    page, log_in, clinic, clinician, tmp_path
):
    install(clinic)
    note = make_note(clinician, PatientFactory(clinic=clinic), title="Wound review", signed=True)
    (tmp_path / "wound.png").write_bytes(png_bytes())
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "referral.pdf").write_bytes(pdf_bytes())
    log_in(clinician.email)

    page.goto(f"/notes/{note.pk}/")
    box = page.locator("#note-files")
    box.get_by_text("With several files, each gets the title and a number.").wait_for()
    box.get_by_label("Files", exact=True).set_input_files(
        [tmp_path / name for name in ("wound.png", "empty.pdf", "referral.pdf")]
    )
    box.get_by_label("Category").select_option("photo")
    box.get_by_label("Title").fill("Wound check")
    box.get_by_role("button", name="Upload", exact=True).click()

    progress = box.locator(".hp-upload-progress")
    progress.get_by_role("link", name="Show the uploaded files").wait_for()
    assert progress.get_by_text("Uploaded.").count() == 2
    refused = progress.locator("li", has_text="empty.pdf")
    expect(refused.locator(".text-danger")).to_have_text("The file is empty.")  # the page's words
    assert accent(refused.locator("progress")) == RED
    assert accent(progress.locator("li", has_text="wound.png").locator("progress")) != RED
    assert sorted(StoredFile.objects.values_list("original_name", "title")) == [
        ("referral.pdf", "Wound check (3)"),
        ("wound.png", "Wound check (1)"),
    ]
