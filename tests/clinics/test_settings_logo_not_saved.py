"""A logo chosen with a save that is refused is not kept (a browser cannot put a file back in a
file input, and an unsaved upload is not stored): the page says so under the logo field."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clinics import services
from core.roles import Role
from tests.clinics.test_html_settings import SETTINGS, form_data, image_bytes, logo_files
from tests.core.test_edit_forms import drawn_form

pytestmark = pytest.mark.django_db

NOT_SAVED = "The logo you chose was not saved: choose it again before you save."


def logo() -> SimpleUploadedFile:
    return SimpleUploadedFile("logo.png", image_bytes(), content_type="image/png")


def under_the_logo_field(response) -> str:
    """The page between the logo's input and the next field's."""
    page = html.unescape(response.content.decode())
    return page[page.index('name="logo"') : page.index('name="primary_color"')]


def test_a_logo_chosen_with_a_field_error_is_said_to_be_not_saved(admin_web, clinic):
    response = admin_web.post(SETTINGS, {**form_data(clinic, phone="ring us"), "logo": logo()})

    assert response.status_code == 200
    assert NOT_SAVED in under_the_logo_field(response)
    clinic.refresh_from_db()
    assert not clinic.logo
    assert logo_files(clinic) == []


def test_a_logo_chosen_with_a_refused_conflict_is_said_to_be_not_saved(admin_web, clinic, staff):
    opened = drawn_form(admin_web.get(SETTINGS))
    services.clinic_update(actor=staff[Role.ADMIN], clinic=clinic, name="Riverside Health")

    response = admin_web.post(SETTINGS, {**opened, "name": "Riverside Care", "logo": logo()})

    assert response.status_code == 200
    assert "Someone else changed this while you were editing" in html.unescape(
        response.content.decode()
    )
    assert NOT_SAVED in under_the_logo_field(response)
    assert logo_files(clinic) == []


def test_no_logo_chosen_no_word_about_it(admin_web, clinic):
    response = admin_web.post(SETTINGS, form_data(clinic, phone="ring us"))

    assert response.status_code == 200
    assert NOT_SAVED not in response.content.decode()


def test_a_refused_logo_shows_its_own_error_only(admin_web, clinic):
    not_an_image = SimpleUploadedFile("logo.png", b"not a picture", content_type="image/png")

    response = admin_web.post(SETTINGS, {**form_data(clinic), "logo": not_an_image})

    assert response.status_code == 200
    assert "logo" in response.context["form"].errors
    assert NOT_SAVED not in response.content.decode()
