"""GET/PATCH /api/v1/clinics/current: every staff role reads, only clinic admins change."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from clinics.models import Clinic
from core.roles import Role
from tests.factories import UserFactory

URL = "/api/v1/clinics/current"
NON_ADMIN_STAFF = [Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH]
CLINIC_FIELDS = {
    "id",
    "name",
    "slug",
    "logo",
    "primary_color",
    "timezone",
    "country",
    "locale",
    "address",
    "phone",
    "email",
    "website",
    "min_notice_hours",
    "cancel_cutoff_hours",
    "mfa_policy",
    "created_at",
    "updated_at",
}


def image_file(fmt="PNG", name="logo.png", size=(64, 32), noise=False):
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (13, 110, 253))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def patient_user(clinic):
    return UserFactory(clinic=clinic, role=Role.PATIENT, email="patient@example.org")


def assert_field_error(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert field in body["errors"], body
    assert body["errors"][field][0]
    return body["errors"][field][0]


# --- GET ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.ADMIN, *NON_ADMIN_STAFF])
def test_every_staff_role_reads_its_own_clinic(api_as, staff, clinic, other_clinic, role):
    response = api_as(staff[role]).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == CLINIC_FIELDS
    assert body["id"] == clinic.pk
    assert body["name"] == "Riverside Clinic"
    assert body["timezone"] == clinic.timezone
    assert other_clinic.name not in response.content.decode()


def test_other_clinic_sees_only_its_own(api_as, admin_user, other_admin, clinic, other_clinic):
    mine = api_as(admin_user).get(URL).json()
    theirs = api_as(other_admin).get(URL).json()

    assert mine["id"] == clinic.pk
    assert theirs["id"] == other_clinic.pk
    assert theirs["name"] == "Hilltop Clinic"


def test_patient_cannot_read_clinic_settings(api_as, patient_user):
    response = api_as(patient_user).get(URL)
    assert response.status_code == 403
    assert response.json()["detail"]


@pytest.mark.django_db
def test_anonymous_gets_401(api_client):
    response = api_client.get(URL)
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize("path", [URL, URL + "/"])
def test_both_url_forms_work(admin_api, path):
    assert admin_api.get(path).status_code == 200


@pytest.fixture
def clinicless_client(api_as, db):
    """A platform superuser: role admin, but no clinic of their own."""
    from accounts.models import User

    return api_as(User.objects.create_superuser("root@example.org", "Platform-root-9", name="R"))


def test_user_without_a_clinic_gets_404_not_an_empty_clinic(clinicless_client):
    response = clinicless_client.get(URL)
    assert response.status_code == 404, response.content
    assert response.json()["detail"]


def test_user_without_a_clinic_cannot_patch(clinicless_client):
    response = clinicless_client.patch(URL, {"name": "Nobody's"}, format="json")
    assert response.status_code == 404, response.content
    assert not Clinic.objects.filter(name="Nobody's").exists()


# --- PATCH by an admin -------------------------------------------------------------------------
def test_admin_renames_the_clinic(admin_api, clinic):
    response = admin_api.patch(URL, {"name": "Riverside Health Centre"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Riverside Health Centre"
    clinic.refresh_from_db()
    assert clinic.name == "Riverside Health Centre"
    assert admin_api.get(URL).json()["name"] == "Riverside Health Centre"


def test_a_phone_that_is_not_a_number_is_a_400_naming_the_field(admin_api, clinic):
    response = admin_api.patch(URL, {"phone": "call the front desk"}, format="json")

    assert response.status_code == 400
    assert "Enter a phone number" in str(response.json()["errors"]["phone"])
    clinic.refresh_from_db()
    assert clinic.phone != "call the front desk"


def test_admin_changes_colour_and_timezone(admin_api, clinic):
    response = admin_api.patch(
        URL, {"primary_color": "#AA3366", "timezone": "America/New_York"}, format="json"
    )

    assert response.status_code == 200, response.content
    clinic.refresh_from_db()
    assert clinic.primary_color.lower() == "#aa3366"
    assert clinic.timezone == "America/New_York"
    assert response.json()["timezone"] == "America/New_York"


def test_patch_does_not_touch_another_clinic(admin_api, other_clinic):
    admin_api.patch(URL, {"name": "Renamed"}, format="json")
    other_clinic.refresh_from_db()
    assert other_clinic.name == "Hilltop Clinic"


def test_read_only_fields_are_ignored(admin_api, clinic, other_clinic):
    response = admin_api.patch(URL, {"id": other_clinic.pk, "slug": "hijack"}, format="json")

    assert response.status_code in (200, 400)
    clinic.refresh_from_db()
    assert clinic.slug != "hijack"
    assert Clinic.objects.get(pk=other_clinic.pk).name == "Hilltop Clinic"


@pytest.mark.parametrize("colour", ["blue", "#12345", "#1234567", "123456", "#ggggggg", "#GGGGGG"])
def test_bad_colour_is_400_with_a_message(admin_api, clinic, colour):
    response = admin_api.patch(URL, {"primary_color": colour}, format="json")

    message = assert_field_error(response, "primary_color")
    assert "#" in message or "colour" in message.lower() or "hex" in message.lower()
    clinic.refresh_from_db()
    assert clinic.primary_color == "#0d6efd"


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "UTC+5", "", "europe/london"])
def test_bad_timezone_is_400(admin_api, clinic, tz):
    response = admin_api.patch(URL, {"timezone": tz}, format="json")

    assert_field_error(response, "timezone")
    clinic.refresh_from_db()
    assert clinic.timezone == "Europe/London"


@pytest.mark.parametrize(
    "field,value",
    [("name", ""), ("name", ["x"]), ("email", "not-an-email"), ("website", "not a url")],
)
def test_bad_values_are_400(admin_api, clinic, field, value):
    assert_field_error(admin_api.patch(URL, {field: value}, format="json"), field)
    clinic.refresh_from_db()
    assert clinic.name == "Riverside Clinic"


# --- booking policy ----------------------------------------------------------------------------
def test_new_clinics_have_the_default_booking_policy(admin_api):
    body = admin_api.get(URL).json()
    assert (body["min_notice_hours"], body["cancel_cutoff_hours"]) == (2, 24)


def test_admin_changes_the_booking_policy(admin_api, clinic, other_clinic):
    response = admin_api.patch(
        URL, {"min_notice_hours": 0, "cancel_cutoff_hours": 48}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["min_notice_hours"], response.json()["cancel_cutoff_hours"]) == (0, 48)
    clinic.refresh_from_db()
    assert (clinic.min_notice_hours, clinic.cancel_cutoff_hours) == (0, 48)
    other_clinic.refresh_from_db()
    assert (other_clinic.min_notice_hours, other_clinic.cancel_cutoff_hours) == (2, 24)


@pytest.mark.parametrize("field", ["min_notice_hours", "cancel_cutoff_hours"])
@pytest.mark.parametrize("value", [-1, 1.5, "two", None, 24 * 30 + 1])
def test_booking_policy_must_be_whole_hours_within_a_month(admin_api, clinic, field, value):
    assert_field_error(admin_api.patch(URL, {field: value}, format="json"), field)
    clinic.refresh_from_db()
    assert (clinic.min_notice_hours, clinic.cancel_cutoff_hours) == (2, 24)


def test_booking_policy_of_a_month_is_accepted(admin_api, clinic):
    response = admin_api.patch(URL, {"cancel_cutoff_hours": 24 * 30}, format="json")
    assert response.status_code == 200 and response.json()["cancel_cutoff_hours"] == 720


def test_malformed_json_is_400(admin_api):
    response = admin_api.patch(URL, data='{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]


# --- logo --------------------------------------------------------------------------------------
def test_admin_uploads_a_png_logo(admin_api, clinic, client):
    response = admin_api.patch(URL, {"logo": image_file()}, format="multipart")

    assert response.status_code == 200, response.content
    logo_url = response.json()["logo"]
    assert logo_url.startswith("http://testserver/media/clinics/")
    assert logo_url.endswith(".png")
    clinic.refresh_from_db()
    assert clinic.logo
    # The URL in the body serves the image.
    served = client.get(logo_url.removeprefix("http://testserver"))
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).format == "PNG"


@pytest.mark.parametrize("fmt,name", [("JPEG", "logo.jpg"), ("WEBP", "logo.webp")])
def test_jpeg_and_webp_logos_are_accepted(admin_api, clinic, fmt, name):
    response = admin_api.patch(URL, {"logo": image_file(fmt, name)}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["logo"].endswith(name.rsplit(".", 1)[1])


def test_text_file_named_png_is_refused(admin_api, clinic):
    fake = SimpleUploadedFile("logo.png", b"I am not an image at all", content_type="image/png")

    response = admin_api.patch(URL, {"logo": fake}, format="multipart")

    assert_field_error(response, "logo")
    clinic.refresh_from_db()
    assert not clinic.logo


def test_logo_over_2_mb_is_refused(admin_api, clinic):
    big = image_file(size=(1000, 1000), noise=True)
    assert big.size > 2 * 1024 * 1024

    response = admin_api.patch(URL, {"logo": big}, format="multipart")

    message = assert_field_error(response, "logo")
    assert "2 MB" in message
    clinic.refresh_from_db()
    assert not clinic.logo


@pytest.mark.parametrize("name", ["logo.gif", "logo.png"])
def test_gif_logo_is_refused(admin_api, clinic, name):
    response = admin_api.patch(URL, {"logo": image_file("GIF", name)}, format="multipart")

    assert_field_error(response, "logo")
    clinic.refresh_from_db()
    assert not clinic.logo


def test_replacing_the_logo_keeps_one_working_file(admin_api, clinic, client):
    first = admin_api.patch(URL, {"logo": image_file()}, format="multipart").json()["logo"]
    second = admin_api.patch(
        URL, {"logo": image_file("JPEG", "new.jpg")}, format="multipart"
    ).json()["logo"]

    assert second.endswith(".jpg")
    assert client.get(second.removeprefix("http://testserver")).status_code == 200
    assert client.get(first.removeprefix("http://testserver")).status_code == 404


# --- PATCH by other roles ----------------------------------------------------------------------
@pytest.mark.parametrize("role", NON_ADMIN_STAFF)
def test_non_admin_staff_cannot_patch(api_as, staff, clinic, role):
    client = api_as(staff[role])

    response = client.patch(
        URL,
        {"name": "Taken over", "primary_color": "#000000", "min_notice_hours": 0},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["detail"]
    clinic.refresh_from_db()
    assert clinic.name == "Riverside Clinic"
    assert clinic.primary_color == "#0d6efd"
    assert clinic.min_notice_hours == 2
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", NON_ADMIN_STAFF)
def test_non_admin_staff_cannot_upload_a_logo(api_as, staff, clinic, role):
    response = api_as(staff[role]).patch(URL, {"logo": image_file()}, format="multipart")
    assert response.status_code == 403
    clinic.refresh_from_db()
    assert not clinic.logo


def test_patient_cannot_patch(api_as, patient_user, clinic):
    response = api_as(patient_user).patch(URL, {"name": "Patient's clinic"}, format="json")
    assert response.status_code == 403
    clinic.refresh_from_db()
    assert clinic.name == "Riverside Clinic"


@pytest.mark.django_db
def test_anonymous_cannot_patch(api_client):
    assert api_client.patch(URL, {"name": "x"}, format="json").status_code == 401


def test_other_clinic_admin_changes_only_their_clinic(api_as, other_admin, clinic, other_clinic):
    response = api_as(other_admin).patch(URL, {"name": "Hilltop Health"}, format="json")

    assert response.status_code == 200
    clinic.refresh_from_db()
    other_clinic.refresh_from_db()
    assert clinic.name == "Riverside Clinic"
    assert other_clinic.name == "Hilltop Health"
