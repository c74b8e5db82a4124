"""Test data for the patient pages (tests/patients/factories.py did not exist yet).

Rows are written the way the services write them: `full_clean()` fills the search keys.
"""

import datetime
import html
import re

import factory

from patients.models import Allergy, Condition, Medication, Patient
from patients.services import next_mrn


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

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


class MedicationFactory(ClinicalFactory):
    class Meta:
        model = Medication

    name = factory.Sequence(lambda n: f"Medication {n}")
    dose = "500 mg"
    frequency = "twice daily"


# --- helpers for reading the pages ---------------------------------------------------------------
def page_text(response) -> str:
    return html.unescape(response.content.decode())


def field_error(response, field: str) -> str:
    """The error crispy shows under a field (empty when there is none)."""
    page = response.content.decode()
    match = re.search(rf'<div id="id_{field}_error"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match[1])).strip() if match else ""


def list_rows(response) -> list[str]:
    """The MRNs of the patient table, in order."""
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S)
    return re.findall(r'<td class="hp-mrn"><code>([^<]+)</code></td>', body[1]) if body else []


def patient_url(patient, suffix: str = "") -> str:
    return f"/patients/{patient.pk}/{suffix}"
