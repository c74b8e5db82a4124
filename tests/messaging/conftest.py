"""A clinic with a patient who uses the portal, that clinic's staff, and another clinic's."""

import pytest

from core.roles import Role
from tests.factories import UserFactory
from tests.notifications.conftest import http_sink  # noqa: F401 (a recording push endpoint)
from tests.notifications.test_push import vapid  # noqa: F401 (Web Push keys)
from tests.patients.factories import PatientFactory, portal_user


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Ana", last_name="Silva")


@pytest.fixture
def patient_user(patient):
    return portal_user(patient)


@pytest.fixture
def other_patient(other_clinic):
    return PatientFactory(clinic=other_clinic, first_name="Ben", last_name="Okafor")


@pytest.fixture
def nurse(staff):
    return staff[Role.NURSE]


@pytest.fixture
def receptionist(staff):
    return staff[Role.RECEPTIONIST]


@pytest.fixture
def second_clinician(clinic):
    return UserFactory(clinic=clinic, role=Role.CLINICIAN, email="second@example.org")


@pytest.fixture(autouse=True)
def private_storage(private_storage):
    """Attachments are stored in a fresh folder per test."""
    return private_storage
