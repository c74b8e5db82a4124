"""The clinic settings page: branding (name, colour, logo), timezone, the booking policy, and
who may use it."""

import html
import io
import os
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from clinics.models import Clinic
from core.roles import Role

SETTINGS = "/clinic/settings/"
NON_ADMIN = [Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH]


def text(response) -> str:
    return html.unescape(response.content.decode())


def field_error(response, field: str) -> str:
    page = response.content.decode()
    match = re.search(rf'<div id="id_{field}_error"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match[1])).strip() if match else ""


def image_bytes(fmt="PNG", size=(40, 20), colour=(10, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def big_png() -> bytes:
    """A real PNG over 2 MB: random pixels do not compress."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (1000, 800), os.urandom(1000 * 800 * 3)).save(buffer, format="PNG")
    data = buffer.getvalue()
    assert len(data) > django_settings.LOGO_MAX_BYTES
    return data


def form_data(clinic, **overrides):
    data = {
        "name": clinic.name,
        "primary_color": clinic.primary_color,
        "timezone": clinic.timezone,
        "address": clinic.address,
        "phone": clinic.phone,
        "email": clinic.email,
        "website": clinic.website,
        "min_notice_hours": clinic.min_notice_hours,
        "cancel_cutoff_hours": clinic.cancel_cutoff_hours,
    }
    data.update(overrides)
    return data


def snapshot(clinic):
    fresh = Clinic.objects.get(pk=clinic.pk)
    return (
        fresh.name,
        fresh.primary_color,
        fresh.timezone,
        fresh.logo.name,
        fresh.address,
        fresh.min_notice_hours,
        fresh.cancel_cutoff_hours,
    )


def logo_files(clinic) -> list[str]:
    folder = os.path.join(django_settings.MEDIA_ROOT, "clinics", str(clinic.pk))
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def navbar_logo(response) -> str | None:
    match = re.search(r'<img src="([^"]+)"[^>]*class="hp-navbar-logo', response.content.decode())
    return html.unescape(match[1]) if match else None


# --- the admin ---------------------------------------------------------------------------------
def test_admin_sees_the_form_with_current_values(admin_web, clinic):
    response = admin_web.get(SETTINGS)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Riverside Clinic"' in page
    assert 'type="color" name="primary_color" value="#0d6efd"' in page
    assert '<option value="Europe/London" selected>' in page
    assert 'enctype="multipart/form-data"' in page


def test_admin_changes_name_colour_and_timezone(admin_web, clinic):
    response = admin_web.post(
        SETTINGS,
        form_data(
            clinic,
            name="Riverside Health Centre",
            primary_color="#8B1E3F",
            timezone="Asia/Tokyo",
            address="1 River Road",
        ),
        follow=True,
    )

    assert response.redirect_chain == [(SETTINGS, 302)]
    page = text(response)
    assert "The clinic settings have been saved." in page
    clinic.refresh_from_db()
    assert clinic.name == "Riverside Health Centre"
    assert clinic.primary_color == "#8b1e3f"
    assert clinic.timezone == "Asia/Tokyo"
    assert clinic.address == "1 River Road"
    home = text(admin_web.get("/"))
    assert "--hp-primary: #8b1e3f;" in home
    assert "Riverside Health Centre" in home


def test_colour_change_shows_on_every_page_of_the_clinic(admin_web, clinic, staff):
    admin_web.post(SETTINGS, form_data(clinic, primary_color="#2a9d8f"))
    client = Client()
    client.force_login(staff[Role.LAB_TECH])

    for path in ("/", "/accounts/profile/", "/accounts/password_change/"):
        assert "--hp-primary: #2a9d8f;" in client.get(path).content.decode(), path


def test_booking_section_shows_the_policy(admin_web, clinic):
    page = text(admin_web.get(SETTINGS))

    booking = page[page.index("<legend") :]
    assert "Booking" in booking
    assert re.search(r'name="min_notice_hours" value="2"', booking)
    assert re.search(r'name="cancel_cutoff_hours" value="24"', booking)


def test_admin_changes_the_booking_policy(admin_web, clinic):
    response = admin_web.post(
        SETTINGS, form_data(clinic, min_notice_hours="0", cancel_cutoff_hours="48"), follow=True
    )

    assert response.redirect_chain == [(SETTINGS, 302)]
    assert "The clinic settings have been saved." in text(response)
    clinic.refresh_from_db()
    assert (clinic.min_notice_hours, clinic.cancel_cutoff_hours) == (0, 48)
    assert clinic.name == "Riverside Clinic"


def test_posting_unchanged_values_says_nothing_changed(admin_web, clinic):
    response = admin_web.post(SETTINGS, form_data(clinic), follow=True)
    assert "Nothing was changed." in text(response)


def test_admin_uploads_a_logo_shown_in_the_navbar(admin_web, clinic):
    upload = SimpleUploadedFile("our logo.png", image_bytes(), content_type="image/png")

    response = admin_web.post(SETTINGS, {**form_data(clinic), "logo": upload})

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.logo
    next_page = admin_web.get("/")
    src = navbar_logo(next_page)
    assert src is not None
    assert src.startswith(clinic.logo.url)
    image = admin_web.get(src)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == image_bytes()


@pytest.mark.parametrize(
    "fmt,ext,mime", [("JPEG", "jpg", "image/jpeg"), ("WEBP", "webp", "image/webp")]
)
def test_jpeg_and_webp_logos_are_accepted(admin_web, clinic, fmt, ext, mime):
    upload = SimpleUploadedFile(f"logo.{ext}", image_bytes(fmt), content_type=mime)

    response = admin_web.post(SETTINGS, {**form_data(clinic), "logo": upload})

    assert response.status_code == 302
    clinic.refresh_from_db()
    image = admin_web.get(clinic.logo.url)
    assert image.status_code == 200
    assert image["Content-Type"] == mime


def test_logo_is_shown_to_every_role_of_the_clinic(admin_web, clinic, staff):
    admin_web.post(
        SETTINGS,
        {**form_data(clinic), "logo": SimpleUploadedFile("l.png", image_bytes(), "image/png")},
    )
    clinic.refresh_from_db()
    client = Client()
    for role in NON_ADMIN:
        client.force_login(staff[role])
        assert navbar_logo(client.get("/")).startswith(clinic.logo.url), role


def test_replacing_the_logo_serves_the_new_one_and_drops_the_old(admin_web, clinic):
    admin_web.post(
        SETTINGS,
        {**form_data(clinic), "logo": SimpleUploadedFile("a.png", image_bytes(), "image/png")},
    )
    clinic.refresh_from_db()
    old_url = clinic.logo.url
    new_png = image_bytes(colour=(250, 250, 0))

    admin_web.post(
        SETTINGS, {**form_data(clinic), "logo": SimpleUploadedFile("b.png", new_png, "image/png")}
    )

    clinic.refresh_from_db()
    assert clinic.logo.url != old_url
    assert navbar_logo(admin_web.get("/")).startswith(clinic.logo.url)
    assert b"".join(admin_web.get(clinic.logo.url).streaming_content) == new_png
    assert admin_web.get(old_url).status_code == 404
    assert len(logo_files(clinic)) == 1


def test_admin_can_remove_the_logo(admin_web, clinic):
    admin_web.post(
        SETTINGS,
        {**form_data(clinic), "logo": SimpleUploadedFile("a.png", image_bytes(), "image/png")},
    )
    clinic.refresh_from_db()

    response = admin_web.post(SETTINGS, {**form_data(clinic), "logo-clear": "on"})

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert not clinic.logo
    assert navbar_logo(admin_web.get("/")) is None


# --- invalid input -----------------------------------------------------------------------------
@pytest.mark.parametrize("colour", ["red", "#12345", "#12345g", "0d6efd1", "</style", ""])
def test_invalid_colour_is_a_field_error_and_nothing_changes(admin_web, clinic, colour):
    before = snapshot(clinic)

    response = admin_web.post(SETTINGS, form_data(clinic, name="Renamed", primary_color=colour))

    assert response.status_code == 200
    assert field_error(response, "primary_color")
    assert snapshot(clinic) == before
    page = response.content.decode()
    assert "--hp-primary: #0d6efd;" in page  # the navbar still shows what is saved
    assert "</style</style" not in page


@pytest.mark.parametrize("phone", ["abc", "12", "+44 20 7946 0000; call after 5"])
def test_a_phone_that_is_not_a_number_is_a_field_error_and_nothing_changes(
    admin_web, clinic, phone
):
    before = snapshot(clinic)

    response = admin_web.post(SETTINGS, form_data(clinic, name="Renamed", phone=phone))

    assert response.status_code == 200
    assert "Enter a phone number" in field_error(response, "phone")
    assert snapshot(clinic) == before


@pytest.mark.parametrize("phone", ["+44 20 7946 0000", "(020) 7946-0000 ext. 12", "555 0100"])
def test_phone_numbers_as_people_write_them_are_saved(admin_web, clinic, phone):
    response = admin_web.post(SETTINGS, form_data(clinic, phone=phone))

    assert response.status_code == 302
    assert Clinic.objects.get(pk=clinic.pk).phone == phone


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "UTC+3"])
def test_invalid_timezone_is_a_field_error_and_nothing_changes(admin_web, clinic, tz):
    before = snapshot(clinic)

    response = admin_web.post(SETTINGS, form_data(clinic, name="Renamed", timezone=tz))

    assert response.status_code == 200
    assert field_error(response, "timezone")
    assert snapshot(clinic) == before


@pytest.mark.parametrize(
    "name,content,mime,message",
    [
        ("logo.png", b"this is only text, not an image\n", "image/png", "valid image"),
        ("logo.gif", image_bytes("GIF"), "image/gif", ""),
        ("logo.png", image_bytes("GIF"), "image/png", "PNG, JPEG or WebP"),
        ("logo.png", None, "image/png", "larger than 2 MB"),
    ],
    ids=["text-as-png", "gif", "gif-named-png", "over-2mb"],
)
def test_invalid_logo_is_a_field_error_and_nothing_changes(
    admin_web, clinic, name, content, mime, message
):
    before = snapshot(clinic)
    upload = SimpleUploadedFile(name, content if content is not None else big_png(), mime)

    response = admin_web.post(SETTINGS, {**form_data(clinic, name="Renamed"), "logo": upload})

    assert response.status_code == 200
    error = field_error(response, "logo")
    assert error
    assert message in error
    assert snapshot(clinic) == before
    assert logo_files(clinic) == []
    assert navbar_logo(response) is None
    assert "Riverside Clinic" in text(response)


def test_invalid_logo_keeps_the_existing_logo(admin_web, clinic):
    admin_web.post(
        SETTINGS,
        {**form_data(clinic), "logo": SimpleUploadedFile("a.png", image_bytes(), "image/png")},
    )
    clinic.refresh_from_db()
    before = snapshot(clinic)

    response = admin_web.post(
        SETTINGS,
        {**form_data(clinic), "logo": SimpleUploadedFile("b.png", image_bytes("GIF"), "image/png")},
    )

    assert field_error(response, "logo")
    assert snapshot(clinic) == before
    assert admin_web.get(clinic.logo.url).status_code == 200


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", ""),
        ("email", "not-an-email"),
        ("website", "not a url"),
        ("min_notice_hours", "-1"),
        ("min_notice_hours", "1.5"),
        ("min_notice_hours", ""),
        ("cancel_cutoff_hours", "721"),
        ("cancel_cutoff_hours", "a day"),
    ],
)
def test_other_invalid_fields_are_field_errors(admin_web, clinic, field, value):
    before = snapshot(clinic)
    response = admin_web.post(
        SETTINGS, form_data(clinic, primary_color="#111111", **{field: value})
    )
    assert field_error(response, field)
    assert snapshot(clinic) == before


# --- who may -----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_roles_get_403_on_get(client, staff, role):
    client.force_login(staff[role])

    response = client.get(SETTINGS)

    assert response.status_code == 403
    assert "Your role does not allow this action." in text(response)


@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_roles_get_403_on_post_and_nothing_changes(client, clinic, staff, role):
    client.force_login(staff[role])
    before = snapshot(clinic)

    response = client.post(
        SETTINGS,
        {
            **form_data(clinic, name="Hijacked", primary_color="#000000"),
            "logo": SimpleUploadedFile("a.png", image_bytes(), "image/png"),
        },
    )

    assert response.status_code == 403
    assert snapshot(clinic) == before
    assert logo_files(clinic) == []


def test_inactive_admin_session_is_refused(admin_web, admin_user, clinic):
    admin_user.is_active = False
    admin_user.save()
    assert admin_web.get(SETTINGS).status_code == 302


def test_each_admin_edits_only_their_own_clinic(admin_web, clinic, other_clinic, other_admin):
    client = Client()
    client.force_login(other_admin)
    other_page = client.get(SETTINGS)
    assert 'value="Hilltop Clinic"' in other_page.content.decode()
    assert "Riverside Clinic" not in text(other_page)

    client.post(SETTINGS, form_data(other_clinic, name="Hilltop Renamed", primary_color="#222222"))

    assert Clinic.objects.get(pk=other_clinic.pk).name == "Hilltop Renamed"
    assert Clinic.objects.get(pk=clinic.pk).name == "Riverside Clinic"
    assert "--hp-primary: #0d6efd;" in admin_web.get("/").content.decode()


def test_put_is_not_allowed(admin_web):
    assert admin_web.put(SETTINGS).status_code == 405


# --- times in the clinic's timezone ------------------------------------------------------------
def test_times_are_shown_in_the_clinics_timezone(admin_web, clinic, clinician):
    clinician.last_login = datetime(2024, 1, 15, 3, 30, tzinfo=UTC)
    clinician.save()
    detail = f"/clinic/staff/{clinician.pk}/"
    london = text(admin_web.get(detail))
    assert "15 Jan 2024, 03:30" in london  # London is on UTC in January; en-GB format

    admin_web.post(SETTINGS, form_data(clinic, timezone="Asia/Tokyo"))

    tokyo = text(admin_web.get(detail))
    assert "15 Jan 2024, 12:30" in tokyo
    assert "03:30" not in tokyo
    listing = text(admin_web.get("/clinic/staff/?q=a-clinician"))
    assert "15 Jan 2024, 12:30" in listing  # one date-time format on every page


def test_each_clinic_sees_times_in_its_own_timezone(
    client, clinic, other_clinic, staff, other_staff
):
    clinic.timezone = "America/New_York"
    clinic.save()
    other_clinic.timezone = "Asia/Kolkata"
    other_clinic.save()
    when = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
    for user in (staff[Role.NURSE], other_staff[Role.NURSE]):
        user.last_login = when
        user.save()

    client.force_login(staff[Role.ADMIN])
    new_york = text(client.get(f"/clinic/staff/{staff[Role.NURSE].pk}/"))
    client.force_login(other_staff[Role.ADMIN])
    kolkata = text(client.get(f"/clinic/staff/{other_staff[Role.NURSE].pk}/"))

    assert "Jul 1, 2024, 8:00 AM" in new_york  # a US clinic reads US forms
    assert "1 Jul 2024, 17:30" in kolkata
