"""Fixtures of the files tests: a patient per clinic, a fresh private storage per test."""

import pytest

from core.roles import Role
from tests.files.factories import make_patient
from tests.patients.factories import portal_user


@pytest.fixture(autouse=True)
def private_storage(private_storage):
    """Each files test stores in its own empty folder."""
    return private_storage


def stored_paths(location) -> list[str]:
    return sorted(str(p.relative_to(location)) for p in location.rglob("*") if p.is_file())


@pytest.fixture
def patient(clinic):
    return make_patient(clinic, first_name="Nadia", last_name="Okafor")


@pytest.fixture
def other_patient(other_clinic):
    return make_patient(other_clinic, first_name="Oscar", last_name="Other")


@pytest.fixture
def patient_user(patient):
    return portal_user(patient)


@pytest.fixture
def clinician_api(api_as, staff):
    return api_as(staff[Role.CLINICIAN])
