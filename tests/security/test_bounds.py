"""Bounds on every input: free text has a maximum length on both doors, names are NFC and refuse
text-direction overrides, and page / page size are validated."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from patients.models import Patient
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/patients"
NEW = {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-12-10"}


def test_four_megabytes_of_staff_notes_are_refused_by_the_api(admin_api):
    response = admin_api.post(
        f"{API}/", {**NEW, "staff_notes": "x" * (4 * 1024 * 1024)}, format="json"
    )
    assert response.status_code == 400
    assert "staff_notes" in response.json()["errors"]
    assert not Patient.objects.exists()


def test_staff_notes_at_the_limit_are_kept(admin_api):
    response = admin_api.post(f"{API}/", {**NEW, "staff_notes": "x" * 10_000}, format="json")
    assert response.status_code == 201


def test_four_megabytes_of_staff_notes_are_refused_by_the_html_form(admin_web):
    response = admin_web.post(
        "/patients/new/", {**NEW, "sex": "unknown", "staff_notes": "x" * (4 * 1024 * 1024)}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Patient.objects.exists()


def test_the_model_refuses_oversized_free_text_whoever_writes(clinic):
    patient = PatientFactory.build(clinic=clinic, staff_notes="x" * 10_001)
    with pytest.raises(ValidationError) as error:
        patient.full_clean()
    assert "staff_notes" in error.value.message_dict


def test_names_are_stored_in_nfc(admin_api):
    decomposed = "Rene\u0301e"  # "Renée" with a combining accent
    response = admin_api.post(f"{API}/", {**NEW, "first_name": decomposed}, format="json")
    assert response.status_code == 201
    stored = Patient.objects.get().first_name
    assert stored == unicodedata.normalize("NFC", decomposed) == "Ren\u00e9e"


@pytest.mark.parametrize("override", ["\u202e", "\u2066", "\u200f"])
def test_names_with_text_direction_overrides_are_refused(admin_api, override):
    response = admin_api.post(
        f"{API}/", {**NEW, "last_name": f"Smith{override}gnalb"}, format="json"
    )
    assert response.status_code == 400
    assert "last_name" in response.json()["errors"]


def test_staff_names_with_overrides_are_refused(admin_api):
    response = admin_api.post(
        "/api/v1/clinics/current/staff",
        {"email": "new@example.org", "name": "Eve\u202eliA", "role": "nurse"},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query", [{"page": "0"}, {"page_size": "-1"}, {"page_size": ""}, {"page_size": "null"}]
)
def test_bad_page_parameters_are_a_400_with_a_message(admin_api, query):
    response = admin_api.get(f"{API}/", query)
    assert response.status_code == 400
    assert list(query)[0] in response.json()["detail"]
