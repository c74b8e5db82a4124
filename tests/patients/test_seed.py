"""The demo patients seeder (`seed_demo --patients N`): valid rows, a continuing MRN sequence,
search keys the selectors find, clinical rows in the patient's clinic, and no duplicates."""

import datetime
import io

import pytest
from django.core.management import call_command

from clinics.models import Clinic
from core.roles import Role
from core.words import search_key
from patients import demo, phones
from patients.models import Allergy, Condition, Medication, Patient
from patients.selectors import patient_list
from patients.services import patient_create

pytestmark = pytest.mark.django_db

CLINICAL = (Allergy, Condition, Medication)


def _seed(clinic, staff, target):
    return demo.seed_patients(
        clinic=clinic,
        target=target,
        staff=staff[Role.RECEPTIONIST],
        recorder=staff[Role.CLINICIAN],
        stdout=io.StringIO(),
    )


def test_seeding_continues_the_mrn_sequence_with_valid_rows(
    clinic, staff, other_clinic, other_admin
):
    first = patient_create(
        actor=staff[Role.ADMIN],
        first_name="Existing",
        last_name="Patient",
        date_of_birth=datetime.date(1980, 1, 1),
    )
    patient_create(
        actor=other_admin, first_name="Other", last_name="Clinic", date_of_birth="1990-02-03"
    )
    assert first.mrn == "00000001"

    assert _seed(clinic, staff, 51) == 50

    seeded = list(Patient.objects.filter(clinic=clinic).exclude(pk=first.pk).order_by("mrn"))
    assert len(seeded) == 50
    assert [p.mrn for p in seeded] == [str(n).zfill(8) for n in range(2, 52)]
    assert Patient.objects.filter(clinic=other_clinic).count() == 1
    for patient in seeded:
        assert patient.created_by == staff[Role.RECEPTIONIST]
        keys = (
            patient.first_name_key,
            patient.last_name_key,
            patient.preferred_name_key,
            patient.phone_key,
            patient.email_key,
        )
        assert keys == (
            search_key(patient.first_name),
            search_key(patient.last_name),
            search_key(patient.preferred_name),
            phones.search_key(patient.phone, patient.clinic.country_code),
            patient.email,
        )
        patient.full_clean()  # what the services would accept (and recompute the same keys)
        assert keys[1] == patient.last_name_key


def test_clinical_rows_are_valid_and_in_the_patients_clinic(clinic, staff):
    _seed(clinic, staff, 50)
    patient_ids = set(Patient.objects.filter(clinic=clinic).values_list("pk", flat=True))
    total = 0
    for model in CLINICAL:
        rows = list(model.objects.filter(patient_id__in=patient_ids))
        assert rows, f"50 patients and no {model._meta.verbose_name_plural}"
        for row in rows:
            assert row.clinic_id == clinic.pk
            assert row.recorded_by == staff[Role.CLINICIAN]
            row.full_clean()
        total += len(rows)
        assert model.objects.exclude(clinic=clinic).count() == 0
    assert Condition.objects.filter(code="").count() == 0
    assert total <= 50 * 9


def test_seeded_patients_are_found_by_the_list_search(clinic, staff):
    _seed(clinic, staff, 50)
    admin = staff[Role.ADMIN]
    patients = list(Patient.objects.filter(clinic=clinic).order_by("mrn"))
    for patient in patients[:10]:
        surname = patient.last_name.split()[0].split("-")[0]
        for query in (surname[:3], search_key(surname[:3]).upper(), patient.mrn):
            found = patient_list(actor=admin, search=query)
            assert patient in found, (query, patient)
    with_phone = next(p for p in patients if p.phone)
    assert with_phone in patient_list(actor=admin, search=with_phone.phone)
    with_email = next(p for p in patients if p.email)
    assert with_email in patient_list(actor=admin, search=with_email.email)


def test_seeding_again_with_the_same_n_creates_nothing(clinic, staff):
    assert _seed(clinic, staff, 50) == 50
    counts = [model.objects.count() for model in (Patient, *CLINICAL)]
    assert _seed(clinic, staff, 50) == 0
    assert _seed(clinic, staff, 20) == 0
    assert [model.objects.count() for model in (Patient, *CLINICAL)] == counts
    assert _seed(clinic, staff, 60) == 10
    mrns = list(Patient.objects.filter(clinic=clinic).values_list("mrn", flat=True))
    assert len(mrns) == len(set(mrns)) == 60


def test_seed_demo_command_tops_up_the_demo_clinic():
    out = io.StringIO()
    # Few programme enrolments: their task history is not what this test is about.
    call_command("seed_demo", program_enrolments=2, stdout=out)
    clinic = Clinic.objects.get(slug="demo-clinic")
    assert Patient.objects.filter(clinic=clinic).count() == demo.DEFAULT_PATIENTS

    call_command("seed_demo", patients=50, program_enrolments=2, stdout=out)
    assert Patient.objects.filter(clinic=clinic).count() == 50
    before = [model.objects.count() for model in (Patient, *CLINICAL)]
    call_command("seed_demo", "--patients", "50", "--program-enrolments", "2", stdout=out)
    assert [model.objects.count() for model in (Patient, *CLINICAL)] == before
    assert "already has 50" in out.getvalue()
