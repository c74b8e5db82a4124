"""A patient with something in every part of their record, written through the services."""

import datetime
import zoneinfo

import pytest

from appointments import services as appointment_services
from appointments.models import AppointmentType
from core.roles import Role
from labs.models import LabResult
from notes import services as note_services
from tests.appointments.conftest import add_hours, local, next_weekday
from tests.labs.factories import (
    GLUCOSE,
    HEMOGLOBIN,
    POTASSIUM,
    install_catalogue,
    make_order,
    make_result,
)
from tests.notes.factories import install as install_notes
from tests.notes.factories import make_note
from tests.patients.factories import (
    AllergyFactory,
    ConditionFactory,
    MedicationFactory,
    PatientFactory,
    portal_user,
)


@pytest.fixture
def record(clinic, staff):
    """The patient (with a portal user) and each of their records, by name."""
    clinician = staff[Role.CLINICIAN]
    patient = PatientFactory(
        clinic=clinic,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.org",
        phone="+44 20 7946 0000",
        preferred_language="English",
    )
    user = portal_user(patient)
    catalogue = install_catalogue(clinic)
    order = make_order(patient, actor=clinician, tests=[catalogue[GLUCOSE], catalogue[POTASSIUM]])
    install_notes(clinic)
    appointment_services.types_install(clinic=clinic)
    add_hours(clinic, clinician)
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    [appointment] = appointment_services.appointment_book(
        actor=staff[Role.RECEPTIONIST],
        patient=patient,
        provider_id=clinician.pk,
        type_id=_follow_up(clinic).pk,
        start=local(next_weekday(0, 2, tz), "10:00", tz),
        reason="Review of blood sugar",
    )
    shared = make_note(clinician, patient, signed=True, shared=True, title="Diabetes review")
    note_services.addendum_add(actor=clinician, note=shared, text="HbA1c to repeat in 3 months.")
    return {
        "patient": patient,
        "user": user,
        "clinician": clinician,
        "allergy": AllergyFactory(patient=patient, substance="Penicillin", reaction="Hives"),
        "condition": ConditionFactory(patient=patient, name="Type 2 diabetes"),
        "medication": MedicationFactory(
            patient=patient,
            name="Metformin",
            is_active=False,
            end_date=datetime.date(2024, 1, 1),
        ),
        "order": order,
        "glucose": make_result(patient, catalogue[GLUCOSE], "132", order=order),
        "potassium": make_result(
            patient, catalogue[POTASSIUM], "4.1", order=order, status=LabResult.Status.PRELIMINARY
        ),
        "hemoglobin": make_result(patient, catalogue[HEMOGLOBIN], "13.2"),  # an outside result
        "shared_note": shared,
        "private_note": make_note(clinician, patient, signed=True, title="Staff-only note"),
        "draft_note": make_note(clinician, patient, title="Unfinished draft"),
        "appointment": appointment,
    }


def _follow_up(clinic):
    return AppointmentType.objects.get(clinic=clinic, name="Follow-up")
