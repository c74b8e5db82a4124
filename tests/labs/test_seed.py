"""The demo lab history seeder (`seed_demo --labs-per-patient K`): K results per patient, each
with the reference range and flag the service would give it, in the patient's clinic, and no
duplicates when it runs again."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinics.models import Clinic
from core.roles import Role
from labs import demo
from labs.flags import applicable_range, flag_for
from labs.models import LabOrder, LabOrderItem, LabResult, LabTest
from patients import demo as patients_demo
from patients.models import Patient
from tests.labs.factories import make_patient

pytestmark = pytest.mark.django_db


def _seed(clinic, staff, per_patient):
    return demo.seed_labs(clinic=clinic, per_patient=per_patient, users=staff, stdout=io.StringIO())


@pytest.fixture
def patients(clinic, staff):
    """Seeded adults of every sex, plus a child and a newborn (ranges by sex and age)."""
    patients_demo.seed_patients(
        clinic=clinic,
        target=6,
        staff=staff[Role.RECEPTIONIST],
        recorder=staff[Role.CLINICIAN],
        stdout=io.StringIO(),
    )
    today = timezone.localdate()
    born = today.replace(year=2020)  # a leap year: this works on 29 February too
    make_patient(clinic, actor=staff[Role.ADMIN], sex="male", born=born)
    make_patient(clinic, actor=staff[Role.ADMIN], sex="female", born=today)
    return list(Patient.objects.filter(clinic=clinic))


def test_each_patient_gets_k_results_flagged_as_the_service_flags_them(
    clinic, staff, patients, other_clinic, other_admin
):
    other = make_patient(other_clinic, actor=other_admin)

    assert _seed(clinic, staff, 4) == 4 * len(patients)

    assert LabTest.objects.filter(clinic=clinic).exists()  # the catalogue was installed first
    tests = {t.pk: t for t in LabTest.objects.filter(clinic=clinic).prefetch_related("ranges")}
    now = timezone.now()
    for patient in patients:
        results = list(LabResult.objects.filter(patient=patient))
        assert len(results) == 4
        for result in results:
            assert result.clinic_id == clinic.pk == patient.clinic_id
            test = tests[result.test_id]  # a test of the patient's own clinic
            assert result.unit == test.unit
            assert result.collected_at <= now
            assert result.collected_at >= now - datetime.timedelta(days=5 * 366)
            assert timezone.localdate(result.collected_at) >= patient.date_of_birth
            age = patient.age(on=timezone.localdate(result.collected_at))
            reference = applicable_range(test.ranges.all(), sex=patient.sex, age=age)
            copied = (result.reference_low, result.reference_high, result.reference_text)
            if reference is None:
                assert copied == (None, None, "")
            else:
                assert copied == (reference.low, reference.high, reference.display)
            value = result.value_numeric if result.value_numeric is not None else result.value_text
            assert value not in (None, "")
            assert result.flag == flag_for(test, reference, value)
            assert result.status in (LabResult.Status.FINAL, LabResult.Status.PRELIMINARY)
            if result.reviewed_at:
                assert result.status == LabResult.Status.FINAL
                assert result.reviewed_by == staff[Role.CLINICIAN]
                assert result.collected_at <= result.reviewed_at <= now
            assert result.entered_by == staff[Role.LAB_TECH]
            result.full_clean()  # what the services would accept
    assert not LabResult.objects.filter(patient=other).exists()
    for order in LabOrder.objects.filter(clinic=clinic).prefetch_related("items", "results"):
        items = {item.test_id for item in order.items.all()}
        assert items and order.patient.clinic_id == clinic.pk
        # What the services let an order take (labs.services._order_takes): each of its own
        # tests once, and nothing on a cancelled order.
        resulted = [r.test_id for r in order.results.all()]
        assert set(resulted) <= items and len(resulted) == len(set(resulted))
        assert not resulted or order.status != LabOrder.Status.CANCELLED
        assert all(r.patient_id == order.patient_id for r in order.results.all())


def test_running_again_creates_nothing_and_a_larger_k_tops_up(clinic, staff, patients):
    _seed(clinic, staff, 4)
    before = (LabResult.objects.count(), LabOrder.objects.count(), LabOrderItem.objects.count())
    ids = set(LabResult.objects.values_list("pk", flat=True))

    assert _seed(clinic, staff, 4) == 0
    assert _seed(clinic, staff, 2) == 0
    assert (LabResult.objects.count(), LabOrder.objects.count()) == before[:2]
    assert LabOrderItem.objects.count() == before[2]

    assert _seed(clinic, staff, 6) == 2 * len(patients)
    assert set(LabResult.objects.values_list("pk", flat=True)) >= ids
    for patient in patients:
        assert LabResult.objects.filter(patient=patient).count() == 6


def test_seed_demo_option(db):
    out = io.StringIO()
    call_command("seed_demo", patients=3, labs_per_patient=4, stdout=out)
    clinic = Clinic.objects.get(slug="demo-clinic")
    patients = Patient.objects.filter(clinic=clinic)
    assert patients.count() == 3
    for patient in patients:
        assert LabResult.objects.filter(patient=patient, clinic=clinic).count() == 4
    assert "Labs:" in out.getvalue()

    call_command("seed_demo", patients=3, labs_per_patient=4, stdout=io.StringIO())
    assert LabResult.objects.count() == 12
