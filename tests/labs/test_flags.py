"""Flags at every boundary: reference limits are normal, critical limits are critical."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from labs import services
from labs.flags import applicable_range, flag_for
from labs.models import Flag, LabTest, ReferenceRange
from patients.models import Patient
from tests.accounts.signup import api_signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(clinic):
    services.catalogue_install(clinic=clinic)
    return {t.loinc_code: t for t in LabTest.objects.filter(clinic=clinic)}


def make_patient(clinic, sex, born):
    patient = Patient(
        clinic=clinic,
        mrn=f"{Patient.objects.count() + 1:08d}",
        first_name="Ana",
        last_name="Lee",
        sex=sex,
        date_of_birth=born,
    )
    patient.full_clean()
    patient.save()
    return patient


def test_new_clinic_catalogue_has_common_tests_and_panels(catalogue, clinic):
    from labs.models import LabPanel

    assert len(catalogue) >= 40
    assert LabPanel.objects.filter(clinic=clinic).count() >= 5
    glucose = catalogue["2345-7"]
    assert (glucose.name, glucose.unit) == ("Glucose", "mg/dL")
    assert catalogue["718-7"].ranges.count() == 2  # hemoglobin: female and male


def test_catalogue_install_is_idempotent(catalogue, clinic):
    services.catalogue_install(clinic=clinic)
    assert LabTest.objects.filter(clinic=clinic).count() == len(catalogue)


def test_signup_gives_the_new_clinic_its_catalogue(api_client, mailbox):
    response = api_signup(
        api_client,
        mailbox,
        {
            "name": "Lab Lover",
            "email": "lab@example.org",
            "password": "Kinetic-owl-5512",
            "clinic_name": "Catalogue Clinic",
        },
    )
    assert response.status_code == 201
    assert LabTest.objects.filter(clinic_id=response.json()["clinic_id"]).count() >= 40


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        ("39", Flag.CRITICAL_LOW),
        ("40", Flag.CRITICAL_LOW),  # at the critical limit
        ("40.01", Flag.LOW),
        ("69.99", Flag.LOW),
        ("70", Flag.NORMAL),  # at the reference limit
        ("99", Flag.NORMAL),
        ("99.01", Flag.HIGH),
        ("499.99", Flag.HIGH),
        ("500", Flag.CRITICAL_HIGH),
        ("650", Flag.CRITICAL_HIGH),
    ],
)
def test_glucose_flags_at_every_boundary(catalogue, value, flag):
    glucose = catalogue["2345-7"]
    reference = applicable_range(glucose.ranges.all(), sex="female", age=40)
    assert flag_for(glucose, reference, Decimal(value)) == flag


@pytest.mark.parametrize(
    ("sex", "value", "flag"),
    [
        ("female", "12.5", Flag.NORMAL),
        ("male", "12.5", Flag.LOW),  # the same value, another sex's range
        ("male", "17.5", Flag.NORMAL),
        ("female", "17.5", Flag.HIGH),
        ("female", "6.9", Flag.CRITICAL_LOW),
    ],
)
def test_hemoglobin_ranges_depend_on_sex(catalogue, sex, value, flag):
    hemoglobin = catalogue["718-7"]
    reference = applicable_range(hemoglobin.ranges.all(), sex=sex, age=35)
    assert flag_for(hemoglobin, reference, Decimal(value)) == flag


def test_age_bands_choose_the_range_in_force_at_collection(catalogue, clinic, clinician):
    psa = catalogue["2857-1"]  # only men from 40 have a range
    born = datetime.date(1985, 6, 15)
    patient = make_patient(clinic, "male", born)
    young = services.build_result(
        actor=clinician,
        patient=patient,
        test=psa,
        value="5",
        collected_at=timezone.make_aware(datetime.datetime(2025, 6, 14, 9)),  # aged 39
    )
    older = services.build_result(
        actor=clinician,
        patient=patient,
        test=psa,
        value="5",
        collected_at=timezone.make_aware(datetime.datetime(2025, 6, 15, 9)),  # aged 40
    )
    assert (young.flag, young.reference_text) == (Flag.NONE, "")
    assert (older.flag, older.reference_text) == (Flag.HIGH, "≤ 4")


def test_sex_specific_range_wins_over_any(catalogue):
    creatinine = catalogue["2160-0"]
    ReferenceRange.objects.create(
        test=creatinine, clinic=creatinine.clinic, sex="any", age_min=0, low=1, high=2
    )
    reference = applicable_range(creatinine.ranges.all(), sex="female", age=50)
    assert (reference.sex, reference.low, reference.high) == (
        "female",
        Decimal("0.59"),
        Decimal("1.04"),
    )


@pytest.mark.parametrize(
    ("value", "flag"), [("Negative", Flag.NORMAL), ("positive", Flag.ABNORMAL)]
)
def test_positive_negative_results(catalogue, clinic, clinician, value, flag):
    hiv = catalogue["56888-1"]
    patient = make_patient(clinic, "female", datetime.date(1990, 1, 1))
    result = services.build_result(
        actor=clinician, patient=patient, test=hiv, value=value, collected_at=timezone.now()
    )
    assert result.flag == flag
    assert result.value_text in ("Negative", "Positive")


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "field"),
    [
        ("2345-7", "high", None, "value"),  # a word for a number
        ("2345-7", "5", "g/L", "unit"),  # neither the test's unit nor one it converts from
        ("56888-1", "maybe", None, "value"),
    ],
)
def test_wrong_values_and_units_are_refused(
    catalogue, clinic, clinician, loinc, value, unit, field
):
    patient = make_patient(clinic, "female", datetime.date(1990, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.build_result(
            actor=clinician,
            patient=patient,
            test=catalogue[loinc],
            value=value,
            unit=unit,
            collected_at=timezone.now(),
        )
    assert field in caught.value.message_dict


def test_collected_in_the_future_is_refused(catalogue, clinic, clinician):
    patient = make_patient(clinic, "female", datetime.date(1990, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.build_result(
            actor=clinician,
            patient=patient,
            test=catalogue["2345-7"],
            value="90",
            collected_at=timezone.now() + datetime.timedelta(hours=2),
        )
    assert "collected_at" in caught.value.message_dict


def test_preliminary_results_leave_an_order_open_until_final(catalogue, clinic, staff):
    from labs.models import LabOrder

    patient = make_patient(clinic, "female", datetime.date(1990, 1, 1))
    order = services.order_create(
        actor=staff["clinician"], patient=patient, tests=[catalogue["2345-7"]]
    )
    result = services.result_create(
        actor=staff["lab_tech"],
        patient=patient,
        test=catalogue["2345-7"],
        value="90",
        collected_at=timezone.now(),
        status="preliminary",
        order=order,
    )
    assert LabOrder.objects.get(pk=order.pk).status == LabOrder.Status.ORDERED
    services.result_correct(actor=staff["lab_tech"], result=result, value="92", reason="final")
    assert LabOrder.objects.get(pk=order.pk).status == LabOrder.Status.RESULTED


def test_review_queue_is_critical_then_abnormal_then_normal_and_follows_every_change(
    catalogue, clinic, staff
):
    from labs.selectors import review_queue

    patient = make_patient(clinic, "female", datetime.date(1990, 1, 1))
    glucose, tech = catalogue["2345-7"], staff["lab_tech"]

    def enter(value, **extra):
        return services.result_create(
            actor=tech,
            patient=patient,
            test=glucose,
            value=value,
            collected_at=timezone.now(),
            **extra,
        )

    normal, high, critical = enter("90"), enter("150"), enter("600")
    preliminary = enter("30", status="preliminary")
    queue = review_queue(actor=staff["clinician"])
    assert list(queue) == [critical, high, normal]  # preliminary waits until final

    services.critical_communication_record(
        actor=staff["clinician"], result=critical, communicated_to="Dr Who", method="phone"
    )
    services.result_review(actor=staff["clinician"], result=critical, comment="Called patient")
    services.result_correct(actor=tech, result=preliminary, value="35", reason="final value")
    services.result_correct(actor=tech, result=normal, value="45", reason="typo")  # now low
    assert list(review_queue(actor=staff["clinician"])) == [preliminary, high, normal]
