"""Attaching files from a note's page in Chromium: each chosen file goes to the note's files API
with its own progress bar, a refused one says why, and the page then lists what was stored."""

import pytest

from files.models import StoredFile
from tests.files.factories import pdf_bytes, png_bytes
from tests.notes.factories import install, make_note
from tests.patients.factories import PatientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_storage"),
]


def test_attach_files_to_a_signed_note_with_progress(page, log_in, clinic, clinician, tmp_path):
    install(clinic)
    note = make_note(clinician, PatientFactory(clinic=clinic), title="Wound review", signed=True)
    (tmp_path / "wound.png").write_bytes(png_bytes())
    (tmp_path / "referral.pdf").write_bytes(pdf_bytes())
    (tmp_path / "evil.jpg").write_bytes(b"<html><script>alert(1)</script></html>")
    log_in(clinician.email)

    page.goto(f"/notes/{note.pk}/")
    box = page.locator("#note-files")
    box.get_by_text("No files yet.").wait_for()
    box.get_by_label("Files", exact=True).set_input_files(
        [tmp_path / name for name in ("wound.png", "referral.pdf", "evil.jpg")]
    )
    box.get_by_label("Category").select_option("photo")
    box.get_by_role("button", name="Upload", exact=True).click()

    progress = box.locator(".hp-upload-progress")
    progress.get_by_text("does not match its contents").wait_for()
    assert progress.get_by_text("Uploaded.").count() == 2
    assert sorted(StoredFile.objects.values_list("original_name", "target_id")) == [
        ("referral.pdf", note.pk),
        ("wound.png", note.pk),
    ]
    progress.get_by_role("link", name="Show the uploaded files").click()
    page.locator("#note-files a", has_text="wound").first.wait_for()
    assert page.locator("#note-files li").count() == 2
