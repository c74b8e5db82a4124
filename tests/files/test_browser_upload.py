"""The upload form in Chromium: several files at once, each sent to the API with its own
progress bar; a refused file says why, in words (not the API's field names), and the others are
stored."""

import pytest
from django.test import Client

from core.roles import Role
from files.models import StoredFile
from tests.factories import ClinicFactory, UserFactory
from tests.files.factories import make_patient, pdf_bytes, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_several_files_with_progress(page, live_server, output_dir, tmp_path):
    clinic = ClinicFactory(name="Brookside Clinic")
    nurse = UserFactory(clinic=clinic, role=Role.NURSE, email="nurse@brookside.example")
    patient = make_patient(clinic, first_name="Ines", last_name="Ramos")
    client = Client()
    client.force_login(nurse)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    (tmp_path / "referral.pdf").write_bytes(pdf_bytes())
    (tmp_path / "wound.png").write_bytes(png_bytes())
    (tmp_path / "evil.jpg").write_bytes(b"<html><script>alert(1)</script></html>")
    (tmp_path / "blank.pdf").write_bytes(b"")
    (tmp_path / "scan").write_bytes(pdf_bytes())

    page.goto(f"/files/patients/{patient.pk}/")
    page.get_by_label("Files", exact=True).set_input_files(
        [tmp_path / name for name in ("referral.pdf", "wound.png", "evil.jpg", "blank.pdf", "scan")]
    )
    page.locator("#upload").get_by_label("Category").select_option("referral")
    page.get_by_role("button", name="Upload", exact=True).click()

    progress = page.locator(".hp-upload-progress")
    progress.get_by_text("does not match its contents").wait_for()
    progress.get_by_text("The file is empty.", exact=True).wait_for()  # the service's words
    progress.get_by_text(
        "The file's name needs an extension that matches its contents (PDF). Allowed types:"
    ).wait_for()
    assert "file:" not in progress.inner_text()
    assert progress.locator("progress").count() == 5
    assert progress.get_by_text("Uploaded.").count() == 2
    page.screenshot(path=output_dir / "files-upload.png", full_page=True)
    assert sorted(StoredFile.objects.values_list("original_name", flat=True)) == [
        "referral.pdf",
        "wound.png",
    ]
    progress.get_by_role("link", name="Show the uploaded files").click()
    page.locator(".hp-file-list").wait_for()
    assert page.locator(".hp-file-list tbody tr").count() == 2
