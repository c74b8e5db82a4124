"""A crafted chart: a diabetic patient whose HbA1c rises over nine months, with medications, an
allergy, a signed note and an upcoming visit; written through the apps' own services."""

import datetime

import pytest

from core.contributions import Service, services
from core.roles import Role
from labs.services import result_create
from patients.models import Condition
from tests.labs.factories import days_ago, install_catalogue
from tests.notes.factories import install as notes_install
from tests.notes.factories import make_note
from tests.patients.factories import (
    AllergyFactory,
    ConditionFactory,
    MedicationFactory,
    PatientFactory,
)

HBA1C, LDL, GLUCOSE = "4548-4", "13457-7", "2345-7"


@pytest.fixture
def ai_clinic(clinic):
    notes_install(clinic)
    install_catalogue(clinic)
    return clinic


@pytest.fixture
def ai_other_clinic(other_clinic):
    notes_install(other_clinic)
    install_catalogue(other_clinic)
    return other_clinic


@pytest.fixture
def clinician(staff):
    return staff[Role.CLINICIAN]


@pytest.fixture
def catalogue(ai_clinic):
    return install_catalogue(ai_clinic)


def add_result(patient, test, value, when, *, actor, status="final"):
    return result_create(
        actor=actor, patient=patient, test=test, value=value, collected_at=when, status=status
    )


@pytest.fixture
def chart(ai_clinic, staff, catalogue):
    """The crafted chart, by name: patient, condition, medication, allergy, results, note."""
    admin = staff[Role.ADMIN]
    patient = PatientFactory(
        clinic=ai_clinic,
        first_name="Margarethe",
        last_name="Quixley",
        date_of_birth=datetime.date(1957, 3, 14),
        phone="+44 20 7946 0321",
        email="m.quixley@example.net",
        address="17 Larkspur Row\nBrackenford",
    )
    diabetes = ConditionFactory(
        patient=patient, name="Type 2 diabetes mellitus", code="E11.9", status="active"
    )
    ConditionFactory(
        patient=patient, name="Old fracture", code="S52.5", status=Condition.Status.RESOLVED
    )
    metformin = MedicationFactory(patient=patient, name="Metformin", dose="500 mg")
    allergy = AllergyFactory(patient=patient, substance="Penicillin", reaction="Hives")
    hba1c = catalogue[HBA1C]
    results = [
        add_result(patient, hba1c, "6.9", days_ago(274), actor=admin),
        add_result(patient, hba1c, "7.4", days_ago(140), actor=admin),
        add_result(patient, hba1c, "8.1", days_ago(2), actor=admin),
    ]
    ldl = add_result(patient, catalogue[LDL], "162", days_ago(2), actor=admin)
    note = make_note(
        staff[Role.CLINICIAN],
        patient,
        signed=True,
        Plan="Review HbA1c in three months. Continue metformin and check feet yearly.",
    )
    return {
        "patient": patient,
        "diabetes": diabetes,
        "metformin": metformin,
        "allergy": allergy,
        "hba1c": results,
        "ldl": ldl,
        "note": note,
    }


def thread_of(patient, thread_id: str) -> dict:
    return {
        "thread_id": thread_id,
        "patient_id": patient.pk,
        "clinic_id": patient.clinic_id,
        "subject": "Feeling unwell",
        "category": "clinical",
        "text": f"Since this morning I have crushing chest pain and I feel sweaty. "
        f"{patient.first_name} {patient.last_name}, {patient.phone}",
        "url": "/patients/",
    }


def install_threads(monkeypatch, *threads) -> None:
    """The messaging app's triage service as its contract says, standing in for whatever the
    messaging app holds: the normal reach (404 outside it), then the thread as data."""
    from django.http import Http404

    from core.roles import Role

    by_id = {thread["thread_id"]: thread for thread in threads}

    def thread_for_triage(*, actor, id):
        thread = by_id.get(id)
        if thread is None:
            raise Http404("Not found.")
        if actor.role == Role.PATIENT:
            mine = (
                getattr(getattr(actor, "patient_record", None), "pk", None) == thread["patient_id"]
            )
            if not mine:
                raise Http404("Not found.")
        elif actor.clinic_id != thread["clinic_id"]:
            raise Http404("Not found.")
        return dict(thread)

    monkeypatch.setitem(
        services._items,
        "messaging.thread_for_triage",
        Service(key="messaging.thread_for_triage", call=thread_for_triage),
    )


@pytest.fixture
def fake_thread(monkeypatch, chart):
    thread = thread_of(chart["patient"], "5f0000000000000000000001")
    install_threads(monkeypatch, thread)
    return thread
