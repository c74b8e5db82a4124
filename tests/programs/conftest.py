"""Two clinics with their built-in programmes, a patient in each, and the programme roles."""

import pytest

from core.roles import Role
from tests.patients.factories import PatientFactory, portal_user
from tests.programs.factories import install


@pytest.fixture
def programs_clinic(clinic):
    install(clinic)
    return clinic


@pytest.fixture
def patient(programs_clinic):
    return PatientFactory(clinic=programs_clinic, first_name="Ana", last_name="Silva")


@pytest.fixture
def patient_user(patient):
    return portal_user(patient)


@pytest.fixture
def other_patient(other_clinic):
    install(other_clinic)
    return PatientFactory(clinic=other_clinic, first_name="Ben", last_name="Okafor")


@pytest.fixture
def nurse(staff):
    return staff[Role.NURSE]
