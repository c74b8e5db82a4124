"""Several files in one upload without script (the form posts them to the HTML view): a typed
title goes on each file, numbered; an empty file is refused by name and the others are stored;
and a file on a note says so on its page, whose Delete goes back to the note."""

import html

import pytest

from core.roles import Role
from files import services
from files.models import StoredFile
from tests.files.factories import flashed, pdf_bytes, png_bytes, stored_file, upload
from tests.notes.factories import install, make_note

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician(staff):
    install(staff[Role.CLINICIAN].clinic)
    return staff[Role.CLINICIAN]


@pytest.fixture
def note(clinician, patient):
    return make_note(clinician, patient, title="Wound review", signed=True)


def titles() -> list[tuple[str, str]]:
    return sorted(StoredFile.objects.values_list("original_name", "title"))


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


# --- a title for several files -------------------------------------------------------------------
def test_several_files_on_a_patient_each_get_the_title_numbered(client, clinician, patient):
    client.force_login(clinician)
    files = [upload("a.png", png_bytes()), upload("b.png", png_bytes()), upload("c.pdf")]

    response = client.post(
        f"/files/patients/{patient.pk}/upload/",
        {"files": files, "category": "photo", "title": " Wound check "},
    )

    assert response.status_code == 302
    assert titles() == [
        ("a.png", "Wound check (1)"),
        ("b.png", "Wound check (2)"),
        ("c.pdf", "Wound check (3)"),
    ]
    assert "“Wound check (2)” was uploaded." in flashed(response)


def test_several_files_on_a_note_each_get_the_title_numbered(client, clinician, note):
    client.force_login(clinician)
    response = client.post(
        f"/files/notes/{note.pk}/upload/",
        {
            "files": [upload("a.png", png_bytes()), upload("b.png", png_bytes())],
            "category": "photo",
            "title": "Day 3",
        },
    )
    assert response.status_code == 302
    assert titles() == [("a.png", "Day 3 (1)"), ("b.png", "Day 3 (2)")]


def test_one_file_keeps_the_title_as_typed_and_no_title_uses_the_names(client, clinician, patient):
    client.force_login(clinician)
    url = f"/files/patients/{patient.pk}/upload/"
    client.post(url, {"files": [upload("a.pdf")], "category": "referral", "title": "Letter"})
    client.post(url, {"files": [upload("b.pdf"), upload("c.pdf")], "category": "referral"})
    assert titles() == [("a.pdf", "Letter"), ("b.pdf", "b"), ("c.pdf", "c")]


def test_a_numbered_title_still_fits_when_the_title_is_as_long_as_allowed(
    client, clinician, patient
):
    client.force_login(clinician)
    client.post(
        f"/files/patients/{patient.pk}/upload/",
        {"files": [upload("a.pdf"), upload("b.pdf")], "category": "referral", "title": "x" * 200},
    )
    assert titles() == [("a.pdf", "x" * 196 + " (1)"), ("b.pdf", "x" * 196 + " (2)")]


def test_the_clinic_document_form_numbers_the_title_too(client, staff):
    client.force_login(staff[Role.ADMIN])
    response = client.post(
        "/files/upload/",
        {"files": [upload("a.pdf"), upload("b.pdf")], "category": "consent", "title": "Consent"},
    )
    assert response.status_code == 302
    assert titles() == [("a.pdf", "Consent (1)"), ("b.pdf", "Consent (2)")]


def test_the_title_field_says_what_happens_with_several_files(client, clinician, patient):
    client.force_login(clinician)
    text = page(client.get(f"/files/patients/{patient.pk}/"))
    assert "With several files, each gets the title and a number." in text


# --- an empty file among others ------------------------------------------------------------------
def test_an_empty_file_is_refused_by_name_and_the_others_are_stored(client, clinician, patient):
    client.force_login(clinician)
    files = [upload("referral.pdf"), upload("empty.pdf", b""), upload("wound.png", png_bytes())]

    response = client.post(
        f"/files/patients/{patient.pk}/upload/",
        {"files": files, "category": "referral", "title": "Visit"},
        follow=True,
    )

    text = page(response)
    assert "empty.pdf: The file is empty." in text
    assert "“Visit (1)” was uploaded." in text and "“Visit (3)” was uploaded." in text
    assert "The submitted file is empty." not in text  # no unnamed refusal of the whole form
    assert text.count("The file is empty.") == 1  # only the named one
    assert titles() == [("referral.pdf", "Visit (1)"), ("wound.png", "Visit (3)")]


def test_an_empty_file_alone_is_refused_by_name_on_a_note(client, clinician, note):
    client.force_login(clinician)
    response = client.post(
        f"/files/notes/{note.pk}/upload/",
        {"files": [upload("empty.pdf", b"")], "category": "referral"},
    )
    assert response.status_code == 302 and response.url == f"/notes/{note.pk}/"
    assert flashed(response) == ["empty.pdf: The file is empty."]
    assert not StoredFile.objects.exists()


def test_the_clinic_document_form_names_an_empty_file_and_stores_the_others(client, staff):
    client.force_login(staff[Role.ADMIN])
    response = client.post(
        "/files/upload/",
        {"files": [upload("empty.pdf", b""), upload("consent.pdf")], "category": "consent"},
    )
    assert response.status_code == 302
    assert "empty.pdf: The file is empty." in flashed(response)
    assert titles() == [("consent.pdf", "consent")]


# --- a note's file -------------------------------------------------------------------------------
def test_a_note_files_page_links_to_the_note_and_delete_returns_there(client, clinician, note):
    stored = services.file_upload(
        actor=clinician,
        upload=upload("letter.pdf", pdf_bytes()),
        category="referral",
        title="Referral letter",
        target_type="note",
        target_id=note.pk,
    )
    client.force_login(clinician)

    text = page(client.get(f"/files/{stored.pk}/"))
    assert "Attached to" in text
    assert f'<a href="/notes/{note.pk}/">Clinical note</a>' in text

    response = client.post(f"/files/{stored.pk}/delete/", follow=True)
    assert response.redirect_chain == [(f"/notes/{note.pk}/", 302)]
    assert "“Referral letter” was deleted." in page(response)
    assert StoredFile.objects.get(pk=stored.pk).deleted_at is not None


def test_a_patient_file_names_no_record_and_delete_returns_to_the_patients_files(
    client, clinician, patient
):
    stored = stored_file(clinician, patient, title="Referral letter")
    client.force_login(clinician)

    assert "Attached to" not in page(client.get(f"/files/{stored.pk}/"))

    response = client.post(f"/files/{stored.pk}/delete/")
    assert response.url == f"/files/patients/{patient.pk}/"
