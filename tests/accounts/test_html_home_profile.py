"""The staff home (clinic branding, navigation by role) and the own-profile page."""

import html
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from accounts.models import User
from core.roles import Role
from tests.factories import UserFactory

PROFILE = "/accounts/profile/"
NON_ADMIN = [Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH]
ROLE_LABELS = {
    Role.ADMIN: "Clinic admin",
    Role.CLINICIAN: "Clinician",
    Role.NURSE: "Nurse",
    Role.RECEPTIONIST: "Receptionist",
    Role.LAB_TECH: "Lab technician",
}


def text(response) -> str:
    return html.unescape(response.content.decode())


def hrefs(response) -> set[str]:
    return set(re.findall(r'href="([^"]*)"', response.content.decode()))


def field_error(response, field: str) -> str:
    page = response.content.decode()
    match = re.search(rf'<div id="id_{field}_error"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match[1])).strip() if match else ""


def png_bytes(colour=(200, 30, 30), size=(32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


# --- home --------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", list(ROLE_LABELS))
def test_home_shows_clinic_user_and_role(client, staff, role):
    user = staff[role]
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 200
    page = text(response)
    assert "<h1" in page and "Riverside Clinic" in page
    assert f"Signed in as {user.name} · {ROLE_LABELS[role]}" in page
    assert "<title>Home · Riverside Clinic</title>" in page


def test_admin_home_links_to_clinic_settings_and_staff(admin_web):
    response = admin_web.get("/")
    page = text(response)

    assert {"/clinic/settings/", "/clinic/staff/", "/accounts/profile/"} <= hrefs(response)
    assert "Clinic settings" in page
    assert "Staff" in page
    assert "The REST API used by the mobile apps." in page  # whoever connects other systems


@pytest.mark.parametrize("role", NON_ADMIN)
def test_non_admin_home_has_no_admin_links(client, staff, role):
    client.force_login(staff[role])

    response = client.get("/")

    links = hrefs(response)
    assert "/clinic/settings/" not in links
    assert "/clinic/staff/" not in links
    assert "/clinic/staff/invite/" not in links
    assert "Clinic settings" not in text(response)
    # The API's documentation is no destination of their work: the footer keeps its link.
    assert "The REST API used by the mobile apps." not in text(response)
    assert "/api/redoc/" not in links
    assert "/accounts/profile/" in links
    assert "/accounts/password_change/" in links


def test_home_has_the_logout_button_as_a_post_form(admin_web):
    page = admin_web.get("/").content.decode()
    assert re.search(r'<form method="post" action="/accounts/logout/">', page)


def test_home_shows_the_clinics_colour_and_not_another_clinics(client, clinic, other_clinic, staff):
    clinic.primary_color = "#7a1f5c"
    clinic.save()
    other_clinic.primary_color = "#13a86b"
    other_clinic.save()
    client.force_login(staff[Role.NURSE])

    page = client.get("/").content.decode()

    assert "--hp-primary: #7a1f5c;" in page
    assert "#13a86b" not in page
    assert "Hilltop Clinic" not in page


def test_other_clinics_staff_see_their_own_branding(client, clinic, other_clinic, other_staff):
    clinic.primary_color = "#7a1f5c"
    clinic.save()
    other_clinic.primary_color = "#13a86b"
    other_clinic.save()
    client.force_login(other_staff[Role.CLINICIAN])

    page = text(client.get("/"))

    assert "--hp-primary: #13a86b;" in page
    assert "#7a1f5c" not in page
    assert "Hilltop Clinic" in page
    assert "Riverside Clinic" not in page


def test_home_shows_the_clinic_logo_in_navbar_and_page(client, clinic, other_clinic, staff):
    clinic.logo.save("logo.png", ContentFile(png_bytes()), save=True)
    other_clinic.logo.save("logo.png", ContentFile(png_bytes((0, 0, 200))), save=True)
    client.force_login(staff[Role.RECEPTIONIST])

    page = client.get("/").content.decode()

    assert page.count(f'src="{clinic.logo.url}?v=') == 2  # navbar and the home header
    assert other_clinic.logo.url not in page
    assert 'alt="Riverside Clinic logo"' in page


def test_home_without_logo_has_no_broken_image(admin_web):
    page = admin_web.get("/").content.decode()
    assert "/media/" not in page


def test_default_colour_when_the_clinic_keeps_it(admin_web):
    assert "--hp-primary: #0d6efd;" in admin_web.get("/").content.decode()


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries)


def test_home_costs_the_same_queries_for_1_or_30_staff(client, clinic):
    admin = UserFactory(clinic=clinic, role=Role.ADMIN, email="solo@example.org")
    client.force_login(admin)
    client.get("/")  # warm up: first-request session work is not the page's cost
    small = _home_queries(client)

    UserFactory.create_batch(29, clinic=clinic, role=Role.NURSE)

    assert _home_queries(client) == small


def test_home_query_count_is_bounded(admin_web, clinic, django_assert_max_num_queries):
    UserFactory.create_batch(30, clinic=clinic, role=Role.CLINICIAN)
    admin_web.get("/")
    # session, user, clinic, session save, the bell's unread count, and one per home widget
    # (labs' results to review, appointments' today, files' quarantine), whether the admin has
    # two-factor on (the recommendation), messages' unread count
    with django_assert_max_num_queries(12):
        admin_web.get("/")


# --- profile -----------------------------------------------------------------------------------
@pytest.fixture
def nurse_web(client, staff):
    nurse = staff[Role.NURSE]
    nurse.phone = "+44 20 7946 0000"
    nurse.save()
    client.force_login(nurse)
    return client


def test_profile_shows_own_details(nurse_web, staff):
    nurse = staff[Role.NURSE]

    response = nurse_web.get(PROFILE)

    assert response.status_code == 200
    page = text(response)
    assert f'value="{nurse.name}"' in page
    assert 'value="+44 20 7946 0000"' in page
    assert nurse.email in page
    assert "Nurse" in page
    assert "Riverside Clinic" in page
    assert "/accounts/password_change/" in hrefs(response)


def test_profile_edit_saves_name_and_phone(nurse_web, staff):
    nurse = staff[Role.NURSE]

    response = nurse_web.post(PROFILE, {"name": "  Nora Nightingale ", "phone": "+1 555 0100"})

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    nurse.refresh_from_db()
    assert (nurse.name, nurse.phone) == ("Nora Nightingale", "+1 555 0100")
    after = text(nurse_web.get(PROFILE))
    assert "Your profile has been saved." in after
    assert 'value="Nora Nightingale"' in after
    assert "Nora Nightingale" in text(nurse_web.get("/"))  # the navbar uses the new name


def test_profile_phone_can_be_cleared(nurse_web, staff):
    nurse_web.post(PROFILE, {"name": staff[Role.NURSE].name, "phone": ""})
    assert User.objects.get(pk=staff[Role.NURSE].pk).phone == ""


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"name": "", "phone": "123"}, "name", "This field is required."),
        ({"name": "   ", "phone": "123"}, "name", "This field is required."),
        ({"name": "N", "phone": "1" * 33}, "phone", "at most 32 characters"),
        ({"name": "N", "phone": "mobile"}, "phone", "Enter a phone number"),
        ({"name": "x" * 151, "phone": ""}, "name", "at most 150 characters"),
    ],
)
def test_profile_validation_error_is_shown_next_to_the_field(
    nurse_web, staff, data, field, message
):
    nurse = staff[Role.NURSE]

    response = nurse_web.post(PROFILE, data)

    assert response.status_code == 200
    assert message in field_error(response, field)
    assert re.search(
        rf'<input[^>]*class="[^"]*is-invalid[^"]*"[^>]*id="id_{field}"', text(response)
    )
    fresh = User.objects.get(pk=nurse.pk)
    assert (fresh.name, fresh.phone) == (nurse.name, "+44 20 7946 0000")


def test_profile_cannot_change_email_role_or_clinic(nurse_web, staff, other_clinic):
    nurse = staff[Role.NURSE]

    nurse_web.post(
        PROFILE,
        {
            "name": "Nora",
            "phone": "",
            "email": "hijack@example.org",
            "role": "admin",
            "clinic": str(other_clinic.pk),
        },
    )

    nurse.refresh_from_db()
    assert nurse.name == "Nora"
    assert (nurse.email, nurse.role, nurse.clinic_id) == (
        "a-nurse@example.org",
        Role.NURSE,
        staff[Role.ADMIN].clinic_id,
    )


def test_profile_edits_only_the_signed_in_user(nurse_web, staff):
    before = {u.pk: (u.name, u.phone) for u in User.objects.exclude(pk=staff[Role.NURSE].pk)}
    nurse_web.post(PROFILE, {"name": "Nora", "phone": "1"})
    after = {u.pk: (u.name, u.phone) for u in User.objects.exclude(pk=staff[Role.NURSE].pk)}
    assert before == after


def test_saving_ones_profile_keeps_a_colleagues_change_to_the_fields_left_alone(nurse_web, staff):
    from clinics import services as clinic_services

    nurse = staff[Role.NURSE]
    opened = nurse_web.get(PROFILE).content.decode()
    initial = dict(re.findall(r'name="(initial-\w+)"[^>]*value="([^"]*)"', opened))
    clinic_services.staff_update(
        actor=staff[Role.ADMIN], user=nurse, name="Nell Renamed", phone="+44 20 7946 0001"
    )

    response = nurse_web.post(
        PROFILE, {**initial, "name": nurse.name, "phone": nurse.phone, "language": "es"}
    )

    assert response.status_code == 302
    fresh = User.objects.get(pk=nurse.pk)
    assert (fresh.name, fresh.phone, fresh.language) == ("Nell Renamed", "+44 20 7946 0001", "es")
