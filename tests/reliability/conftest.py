import pytest

from core.roles import Role
from tests.labs.factories import install_catalogue, make_patient


@pytest.fixture
def catalogue(clinic):
    return install_catalogue(clinic)


@pytest.fixture
def patient(clinic, staff, catalogue):
    return make_patient(clinic, actor=staff[Role.ADMIN])


@pytest.fixture
def doctor_api(api_as, clinician):
    return api_as(clinician)
