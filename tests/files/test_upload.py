"""Uploading: the bytes decide the type, the name must agree, limits hold, and a failed upload
leaves neither bytes nor a record behind."""

import hashlib

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError

from accounts.models import AuditEvent
from files import services as file_services
from files.models import FileWord, StoredFile
from tests.conftest import atomic_units
from tests.files.conftest import stored_paths
from tests.files.factories import (
    SAMPLES,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    stored_file,
    upload,
)
from tests.notes.factories import install as install_notes
from tests.notes.factories import make_note

pytestmark = pytest.mark.django_db


def post(client, patient, name, data, category="referral", **fields):
    body = {"file": upload(name, data), "category": category, **fields}
    return client.post(f"/api/v1/patients/{patient.pk}/files/", body, format="multipart")


@pytest.mark.parametrize("name", SAMPLES)
def test_every_allowed_type_is_stored_with_the_type_its_bytes_show(clinician_api, patient, name):
    make, content_type = SAMPLES[name]
    data = make()
    response = post(clinician_api, patient, name, data, category="imaging")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == content_type
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()


def test_metadata_answer_and_stored_bytes(clinician_api, patient, staff, private_storage):
    data = pdf_bytes()
    response = post(
        clinician_api, patient, "Referral letter.pdf", data, title="Cardiology referral"
    )
    body = response.json()
    assert set(body) >= {
        "id",
        "title",
        "category",
        "content_type",
        "size",
        "sha256",
        "uploaded_at",
        "uploaded_by",
        "download_url",
    }
    assert body["title"] == "Cardiology referral"
    assert body["uploaded_by"] == staff["clinician"].pk
    assert body["download_url"].endswith(f"/api/v1/files/{body['id']}/download")
    stored = StoredFile.objects.get(pk=body["id"])
    # Stored under a random key: nothing of the user's file name.
    assert "Referral" not in stored.storage_key and "pdf" not in stored.storage_key
    assert (private_storage / stored.storage_key).read_bytes() == data
    assert (
        AuditEvent.objects.filter(
            action="create", object_id=stored.pk, patient_id=patient.pk
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("scan.pdf", png_bytes(), "does not match"),  # a PNG renamed .pdf
        ("photo.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "does not match"),
        (
            "chart.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "not accepted",
        ),
        ("chart.txt", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "markup"),
        ("page.txt", b"Hello <script>alert(1)</script>", "markup"),
        # A polyglot: a real PNG whose first bytes also hold an HTML page.
        (
            "wound.png",
            png_bytes()[:33] + b"<html><script>alert(1)</script></html>" + png_bytes()[33:],
            "markup",
        ),
        ("data.csv", b"a,b\n1,\x002\n", "binary"),
        ("notes.txt", b"caf\xe9 latin-1\n", "UTF-8"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 40, "not accepted"),
        ("program.exe", b"MZ\x90\x00" + b"\x00" * 60, "not accepted"),
        ("letter.pdf", b"just text pretending", "does not match"),
    ],
)
def test_refused_types_are_400_naming_the_allowed_ones(clinician_api, patient, name, data, says):
    response = post(clinician_api, patient, name, data)
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert says in detail
    assert "PDF (.pdf)" in detail and "CSV (.csv)" in detail
    assert not StoredFile.objects.exists()


def test_too_large_is_413_with_the_limit(clinician_api, patient, settings, private_storage):
    settings.FILE_MAX_MB = 1
    data = jpeg_bytes() + b"\x00" * (1024 * 1024)
    response = post(clinician_api, patient, "big.jpg", data, category="photo")
    assert response.status_code == 413
    assert response.json()["max_mb"] == 1
    assert "1 MB" in response.json()["detail"]
    assert not StoredFile.objects.exists()
    assert stored_paths(private_storage) == []


def test_size_is_counted_as_it_streams_not_taken_from_the_client(
    staff, patient, settings, private_storage
):
    """An upload that claims to be small is still stopped at the limit."""
    settings.FILE_MAX_MB = 1
    lying = upload("big.csv", b"a,b\n" + b"1,2\n" * 300_000)
    lying.size = 10
    from files import services

    with pytest.raises(services.TooLarge):
        services.file_upload(
            actor=staff["clinician"], upload=lying, category="lab_report", target_id=patient.pk
        )
    assert stored_paths(private_storage) == []


def test_empty_and_missing_files_are_400(clinician_api, patient):
    empty = post(clinician_api, patient, "empty.pdf", b"")
    assert empty.status_code == 400
    assert empty.json()["errors"] == {"file": ["The file is empty."]}  # the pages' words
    missing = clinician_api.post(
        f"/api/v1/patients/{patient.pk}/files/", {"category": "referral"}, format="multipart"
    )
    assert missing.status_code == 400
    assert "file" in missing.json()["errors"]
    assert not StoredFile.objects.exists()


def test_two_files_in_one_request_are_400_not_one_kept(clinician_api, patient):
    body = {
        "file": [upload("one.pdf", pdf_bytes()), upload("two.pdf", pdf_bytes())],
        "category": "referral",
    }
    response = clinician_api.post(f"/api/v1/patients/{patient.pk}/files/", body, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["Send one file per request (this one had 2)."]}
    assert not StoredFile.objects.exists()


def test_a_record_out_of_reach_is_404_whatever_the_body(clinician_api, other_patient):
    response = clinician_api.post(
        f"/api/v1/patients/{other_patient.pk}/files/", {"category": "x"}, format="multipart"
    )
    assert response.status_code == 404


def test_unknown_category_is_400(clinician_api, patient):
    response = post(clinician_api, patient, "scan.pdf", pdf_bytes(), category="gossip")
    assert response.status_code == 400
    assert "category" in response.json()["errors"]


def test_file_names_are_sanitised(clinician_api, patient):
    response = post(clinician_api, patient, '../../etc/<evil>\x07"name".pdf', pdf_bytes())
    assert response.status_code == 201
    assert response.json()["original_name"] == "_evil__name_.pdf"


def test_a_name_or_title_cannot_display_as_other_text(clinician_api, patient):
    """A right-to-left override makes "scan\u202efdp.exe" read "scanexe.pdf" in a list."""
    response = post(clinician_api, patient, "scan\u202efdp.exe.pdf", pdf_bytes(), title="X\u2067Y")
    assert response.status_code == 201, response.content
    assert response.json()["original_name"] == "scanfdp.exe.pdf"  # Django drops unprintables
    assert response.json()["title"] == "XY"

    renamed = clinician_api.patch(
        f"/api/v1/files/{response.json()['id']}/", {"title": "\u202eKO"}, format="json"
    )
    assert renamed.status_code == 200, renamed.content
    assert StoredFile.objects.get(pk=response.json()["id"]).title == "KO"


def test_the_same_file_twice_is_kept_twice_and_flagged(clinician_api, patient):
    data = pdf_bytes()
    first = post(clinician_api, patient, "a.pdf", data).json()
    second = post(clinician_api, patient, "b.pdf", data).json()
    post(clinician_api, patient, "other.png", png_bytes(), category="photo")
    assert first["id"] != second["id"]
    listed = clinician_api.get(f"/api/v1/patients/{patient.pk}/files/").json()["results"]
    duplicates = {row["original_name"]: row["duplicates"] for row in listed}
    assert duplicates == {"a.pdf": 1, "b.pdf": 1, "other.png": 0}


# --- a failed upload leaves nothing behind ------------------------------------------------------
class DiesHalfway(FileSystemStorage):
    """Writes the first chunk to disk, then fails like a full disk."""

    def _save(self, name, content):
        chunks = content.chunks

        def first_then_fail(chunk_size=None):
            for number, chunk in enumerate(chunks(chunk_size)):
                if number == 1:
                    raise OSError("No space left on device")
                yield chunk

        content.chunks = first_then_fail
        return super()._save(name, content)


def test_a_write_killed_half_way_leaves_no_bytes_and_no_record(
    settings, staff, patient, private_storage
):
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {"BACKEND": f"{__name__}.DiesHalfway", "OPTIONS": {"location": private_storage}},
    }
    with pytest.raises(OSError, match="No space"):
        stored_file(staff["clinician"], patient, name="big.csv", data=b"1,2\n" * 100_000)
    assert not StoredFile.objects.exists()
    assert stored_paths(private_storage) == []


@atomic_units
def test_an_upload_whose_audit_row_fails_leaves_no_record(monkeypatch, staff, patient):
    """The file's row, its title's words and its audit row are one unit."""

    def crash(**kwargs):
        raise OSError("audit write failed")

    monkeypatch.setattr(file_services, "audit", crash)
    with pytest.raises(OSError):
        stored_file(staff["clinician"], patient)
    assert not StoredFile.objects.exists() and not FileWord.objects.exists()


def test_a_refused_upload_is_audited_as_refused(client, staff, patient):
    """The refusal's audit row is kept (it was rolled back with a unit it was written in)."""
    install_notes(patient.clinic)
    note = make_note(staff["clinician"], patient)
    client.force_login(staff["receptionist"])
    mark = set(AuditEvent.objects.values_list("pk", flat=True))

    answer = client.post(f"/files/notes/{note.pk}/upload/", {"category": "photo"})

    assert answer.status_code == 403
    refused = AuditEvent.objects.exclude(pk__in=mark).filter(action="refused")
    assert [row.detail for row in refused] == [f"403 POST /files/notes/{note.pk}/upload/"]


def test_a_database_failure_after_the_write_removes_the_bytes(
    monkeypatch, staff, patient, private_storage
):
    def refuse(self, *args, **kwargs):
        raise IntegrityError("database went away")

    monkeypatch.setattr(StoredFile, "save", refuse)
    with pytest.raises(IntegrityError):
        stored_file(staff["clinician"], patient)
    monkeypatch.undo()
    assert not StoredFile.objects.exists()
    assert stored_paths(private_storage) == []
