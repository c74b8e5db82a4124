"""Phones read with the clinic's country (E.164), odd ones kept; search finds any format; the
header's patient search and recently opened patients."""

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from patients import phones
from patients.models import Patient
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory

API = "/api/v1/patients"


@pytest.mark.parametrize(
    "typed", ["07381 283329", "+44 7381 283329", "0044 7381-283329", "7381283329"]
)
def test_a_phone_in_any_format_is_stored_in_e164(clinic, typed):
    patient = PatientFactory(clinic=clinic, phone=typed)
    assert patient.phone == "+447381283329"
    assert not patient.phone_unchecked


def test_a_number_that_cannot_be_read_is_kept_as_entered_with_a_warning(admin_web, clinic):
    patient = PatientFactory(clinic=clinic, phone="ext. 4411 (ward B)")

    page = admin_web.get(f"/patients/{patient.pk}/").content.decode()

    assert Patient.objects.get(pk=patient.pk).phone == "ext. 4411 (ward B)"
    assert "ext. 4411 (ward B)" in page and "hp-phone-warning" in page


def test_the_html_form_never_refuses_an_odd_number(admin_web, clinic):
    patient = PatientFactory(clinic=clinic)
    data = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": "1980-05-17",
        "sex": "female",
        "phone": "call the ward",
    }
    response = admin_web.post(f"/patients/{patient.pk}/edit/", data)
    assert response.status_code == 302
    assert Patient.objects.get(pk=patient.pk).phone == "call the ward"


def test_a_us_clinic_reads_national_numbers_as_american(clinic):
    clinic.timezone = "America/New_York"
    clinic.save()
    patient = PatientFactory(clinic=clinic, phone="(212) 555-0142")
    assert patient.phone == "+12125550142"
    assert phones.display(patient.phone) == "+1 212-555-0142"


@pytest.mark.parametrize(
    "query", ["07381 283329", "+44 7381 283329", "7381283329", "07381283329", "+447381283329"]
)
def test_search_finds_a_phone_typed_in_any_format(admin_api, clinic, query):
    found = PatientFactory(clinic=clinic, phone="07381 283329")
    PatientFactory(clinic=clinic, phone="07700 900000")

    results = admin_api.get(f"{API}/", {"search": query}).json()["results"]

    assert [row["id"] for row in results] == [found.pk]


# --- the header search ---------------------------------------------------------------------
def test_header_search_box_is_on_every_staff_page(admin_web):
    for url in ("/", "/patients/"):
        page = admin_web.get(url).content.decode()
        assert 'id="hp-patient-search"' in page and "js/patient-search.js" in page
        assert "<script>" not in page  # no inline script: CSP


def test_header_search_results_are_audited_and_cost_the_same_for_1_or_8(
    admin_web, clinic, django_assert_max_num_queries
):
    PatientFactory(clinic=clinic, first_name="Jo", last_name="Smith")
    with django_assert_max_num_queries(8) as one:
        admin_web.get("/patients/search/", {"q": "smi"})
    for n in range(10):
        PatientFactory(clinic=clinic, first_name=f"Jon{n}", last_name="Smithers")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = admin_web.get("/patients/search/", {"q": "smi"})

    page = response.content.decode()
    assert page.count('role="option"') == 8
    assert AuditEvent.objects.filter(detail="header search: smi", action="view").count() == 1 + 8


def test_header_search_never_shows_another_clinics_patient(admin_web, other_clinic):
    PatientFactory(clinic=other_clinic, first_name="Otto", last_name="Other")
    page = admin_web.get("/patients/search/", {"q": "otto"}).content.decode()
    assert "Otto" not in page and "No patient matches" in page


def test_recently_opened_patients_are_per_user(admin_web, clinic, django_assert_max_num_queries):
    first = PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    second = PatientFactory(clinic=clinic, first_name="Grace", last_name="Hopper")
    admin_web.get(f"/patients/{first.pk}/")
    admin_web.get(f"/patients/{second.pk}/")
    admin_web.get(f"/patients/{first.pk}/")

    with django_assert_max_num_queries(8):
        page = admin_web.get("/patients/search/").content.decode()

    assert "Recently opened" in page
    assert page.index("Ada Lovelace") < page.index("Grace Hopper")  # the newest first
    other = UserFactory(clinic=clinic, role=Role.NURSE)
    admin_web.force_login(other)
    assert "Ada Lovelace" not in admin_web.get("/patients/search/").content.decode()
