"""The whole-record export keeps a lab value as it was written: FHIR's decimal carries its
precision (13.10 g/dL is to the hundredth), and the printed record shows what the lab wrote."""

import json

import pytest
from fhir.resources.R4B.bundle import Bundle

from core.roles import Role
from tests.conftest import bearer_client
from tests.labs.factories import HEMOGLOBIN, install_catalogue, make_patient, make_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def written(clinic, staff):
    admin = staff[Role.ADMIN]
    patient = make_patient(clinic, actor=admin, sex="male")
    make_result(patient, install_catalogue(clinic)[HEMOGLOBIN], "13.10", actor=admin)
    return patient


def test_the_printed_record_shows_the_value_as_written(client, clinician, written):
    client.force_login(clinician)

    page = client.get(f"/patients/{written.pk}/record/").content.decode()

    assert "13.10 g/dL" in page


def test_the_bundles_json_text_keeps_the_written_places(clinician, written):
    response = bearer_client(clinician).get(f"/api/v1/patients/{written.pk}/export")
    Bundle.model_validate(json.loads(response.content))
    assert b'"valueQuantity":{"value":13.10,' in response.content
