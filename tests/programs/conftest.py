"""Two clinics with their built-in programmes, a patient in each, and the programme roles."""

import pytest

from appointments import selectors as appointment_selectors
from core import contributions
from core.roles import Role
from programs.services import APPOINTMENT_TYPES
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


def type_names(*, actor) -> list[str]:
    """What the appointments app offers as APPOINTMENT_TYPES: its clinic's active types."""
    types = appointment_selectors.type_list(actor=actor, active_only=True)
    return list(types.values_list("name", flat=True))


@pytest.fixture
def appointment_types_offered(monkeypatch):
    """The appointments app offering its types to the step form and services."""
    offered = contributions.Service(key=APPOINTMENT_TYPES, call=type_names)
    monkeypatch.setitem(contributions.services._items, APPOINTMENT_TYPES, offered)
