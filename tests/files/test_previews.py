"""Thumbnails and previews: EXIF orientation applied, no metadata kept, PDFs' first page."""

import io

import pytest
from PIL import Image

from core.roles import Role
from files import storage
from tests.files.factories import heic_bytes, pdf_bytes, png_bytes, stored_file

pytestmark = pytest.mark.django_db


def jpeg_with_exif() -> bytes:
    """A 60×20 photo taken on its side (orientation 6) with a camera and GPS position."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x010F] = "ACME Camera"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", (60, 20), "blue").save(out, "JPEG", exif=exif)
    return out.getvalue()


def preview_of(api, stored) -> Image.Image:
    response = api.get(f"/api/v1/files/{stored.pk}/preview")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    return Image.open(io.BytesIO(response.content))


def test_photo_thumbnail_is_upright_and_has_no_metadata(api_as, staff, patient):
    stored = stored_file(
        staff[Role.NURSE], patient, name="rash.jpg", data=jpeg_with_exif(), category="photo"
    )
    thumbnail = preview_of(api_as(staff[Role.NURSE]), stored)
    assert thumbnail.size == (20, 60)  # rotated as the camera meant it
    assert not thumbnail.getexif()
    assert "exif" not in thumbnail.info and "icc_profile" not in thumbnail.info
    raw = storage.read_all(stored.storage_key)
    assert b"ACME Camera" in raw  # the original is kept as uploaded
    assert b"ACME Camera" not in storage.read_all(stored.thumbnail_key)


def test_heic_photo_thumbnail(api_as, staff, patient):
    stored = stored_file(
        staff[Role.NURSE], patient, name="IMG_0001.HEIC", data=heic_bytes(), category="photo"
    )
    assert stored.content_type == "image/heic"
    assert preview_of(api_as(staff[Role.NURSE]), stored).size == (64, 32)


def test_pdf_first_page_preview(api_as, staff, patient):
    stored = stored_file(staff[Role.CLINICIAN], patient, data=pdf_bytes())
    page = preview_of(api_as(staff[Role.CLINICIAN]), stored)
    assert max(page.size) <= 480 and page.size[1] > page.size[0]  # portrait, like the page


def test_files_that_cannot_be_rendered_have_no_preview(api_as, staff, patient):
    broken = stored_file(
        staff[Role.CLINICIAN], patient, name="b.png", data=png_bytes()[:40], category="photo"
    )
    text = stored_file(
        staff[Role.CLINICIAN], patient, name="n.txt", data=b"words\n", category="other"
    )
    api = api_as(staff[Role.CLINICIAN])
    for stored in (broken, text):
        assert stored.thumbnail_key == ""
        assert api.get(f"/api/v1/files/{stored.pk}/").json()["preview_url"] is None
        assert api.get(f"/api/v1/files/{stored.pk}/preview").status_code == 404
