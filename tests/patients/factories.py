"""Patient test data, written the way the services write it (`full_clean()` fills the search
keys; clinical records carry their patient's clinic)."""

import datetime

import factory

from core.roles import Role
from patients.models import Allergy, Condition, Medication, Patient
from patients.services import next_mrn
from tests.factories import ClinicFactory, UserFactory


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = factory.Sequence(lambda n: f"Morgan{n}")
    date_of_birth = datetime.date(1980, 5, 17)
    sex = "female"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        patient = model_class(*args, **kwargs)
        if not patient.mrn:
            patient.mrn = next_mrn(patient.clinic_id)
        patient.full_clean(exclude=["mrn"])
        patient.save(force_insert=True)
        return patient


class ClinicalFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.LazyAttribute(lambda record: record.patient.clinic)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        record = model_class(*args, **kwargs)
        record.full_clean()
        record.save(force_insert=True)
        return record


class AllergyFactory(ClinicalFactory):
    class Meta:
        model = Allergy

    substance = factory.Sequence(lambda n: f"Substance {n}")
    reaction = "Rash"
    severity = Allergy.Severity.MODERATE


class ConditionFactory(ClinicalFactory):
    class Meta:
        model = Condition

    name = factory.Sequence(lambda n: f"Condition {n}")
    code = "E11.9"
    code_system = Condition.CodeSystem.ICD10
    onset_date = datetime.date(2015, 3, 1)


class MedicationFactory(ClinicalFactory):
    class Meta:
        model = Medication

    name = factory.Sequence(lambda n: f"Medication {n}")
    dose = "500 mg"
    frequency = "twice daily"
    start_date = datetime.date(2020, 1, 1)


CLINICAL_FACTORIES = {
    "allergies": AllergyFactory,
    "conditions": ConditionFactory,
    "medications": MedicationFactory,
}


def portal_user(patient, *, email=None, password=True):
    """A patient-role user linked to `patient`, as an accepted invitation leaves it."""
    user = UserFactory(
        clinic=patient.clinic,
        role=Role.PATIENT,
        name=patient.full_name,
        email=email or f"patient-{patient.pk}@example.org",
    )
    if not password:
        user.set_unusable_password()
        user.save()
    Patient.objects.filter(pk=patient.pk).update(user=user)
    patient.user = user
    return user
