"""Clinic logos: dimensions capped, and what is stored is re-encoded and scaled by Pillow."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

pytestmark = pytest.mark.django_db

URL = "/api/v1/clinics/current"


def upload(size, fmt="PNG", name="logo.png", mode="L", extra=b""):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue() + extra, content_type=f"image/{fmt.lower()}")


def test_a_huge_image_in_a_small_file_is_refused(admin_api, clinic):
    bomb = upload((12000, 12000))
    assert bomb.size < 2 * 1024 * 1024

    response = admin_api.patch(URL, {"logo": bomb}, format="multipart")

    assert response.status_code == 400
    assert "4096" in response.json()["detail"]
    clinic.refresh_from_db()
    assert not clinic.logo


def test_a_large_logo_is_stored_scaled_down(admin_api, clinic):
    response = admin_api.patch(URL, {"logo": upload((4000, 2000), mode="RGB")}, format="multipart")
    assert response.status_code == 200, response.content

    clinic.refresh_from_db()
    with Image.open(clinic.logo.path) as stored:
        assert stored.size == (512, 256)
        assert stored.format == "PNG"


def test_the_stored_logo_is_re_encoded_without_what_was_appended(admin_api, clinic):
    payload = b"<script>alert(1)</script>"
    response = admin_api.patch(URL, {"logo": upload((64, 32), extra=payload)}, format="multipart")
    assert response.status_code == 200, response.content

    clinic.refresh_from_db()
    assert payload not in clinic.logo.read()


def test_the_html_settings_page_refuses_a_huge_logo(admin_web, clinic):
    response = admin_web.post(
        "/clinic/settings/",
        {"name": clinic.name, "primary_color": "#0d6efd", "logo": upload((5000, 10))},
    )
    assert response.status_code == 200  # the form again, with the error
    clinic.refresh_from_db()
    assert not clinic.logo
