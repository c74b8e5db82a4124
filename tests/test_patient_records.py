"""A patient that any app holds records about is clinical history: archived, never deleted.

Each app declares its records (core.contributions.PatientRecords); the patients app's delete
rule asks all of them, so a note, a lab order or an appointment keeps the record safe.
"""

import pytest

from core.errors import ServiceError
from core.roles import Role
from patients import services
from patients.models import Patient
from tests.labs.factories import install_catalogue, make_order
from tests.notes.factories import install as install_notes
from tests.notes.factories import make_note
from tests.patients.factories import AllergyFactory, PatientFactory


def lab_order(patient, staff):
    tests = install_catalogue(patient.clinic)
    make_order(patient, actor=staff[Role.CLINICIAN], tests=[next(iter(tests.values()))])


def note(patient, staff):
    install_notes(patient.clinic)
    make_note(staff[Role.CLINICIAN], patient)


def allergy(patient, staff):
    AllergyFactory(patient=patient, clinic=patient.clinic)


@pytest.fixture
def archived(clinic, staff):
    patient = PatientFactory(clinic=clinic)
    return services.patient_set_archived(actor=staff[Role.ADMIN], patient=patient, archived=True)


@pytest.mark.parametrize("record", [lab_order, note, allergy], ids=lambda f: f.__name__)
def test_a_patient_with_records_of_any_app_cannot_be_deleted(archived, staff, record):
    record(archived, staff)

    with pytest.raises(ServiceError, match="can only be archived"):
        services.patient_delete(actor=staff[Role.ADMIN], patient=archived)

    assert Patient.objects.filter(pk=archived.pk).exists()


def test_an_archived_patient_with_no_records_is_deleted(archived, staff):
    services.patient_delete(actor=staff[Role.ADMIN], patient=archived)

    assert not Patient.objects.filter(pk=archived.pk).exists()
