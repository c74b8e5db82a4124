"""Two clinics set up for notes (types and templates), a patient in each, their staff."""

import pytest

from core.roles import Role
from tests.factories import UserFactory
from tests.notes.factories import install
from tests.patients.factories import PatientFactory


@pytest.fixture
def notes_clinic(clinic):
    install(clinic)
    return clinic


@pytest.fixture
def notes_other_clinic(other_clinic):
    install(other_clinic)
    return other_clinic


@pytest.fixture
def patient(notes_clinic):
    return PatientFactory(clinic=notes_clinic, first_name="Ana", last_name="Silva")


@pytest.fixture
def other_patient(notes_other_clinic):
    return PatientFactory(clinic=notes_other_clinic, first_name="Ben", last_name="Okafor")


@pytest.fixture
def nurse(staff):
    return staff[Role.NURSE]


@pytest.fixture
def second_clinician(notes_clinic):
    return UserFactory(
        clinic=notes_clinic, role=Role.CLINICIAN, name="Dr Second", email="second@example.org"
    )
