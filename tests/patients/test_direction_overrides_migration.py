"""Chart text saved before it refused text-direction overrides: migration 0009 (and a restore
of an older backup, which runs it again) takes them out, so the record can be edited again."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from patients.models import Medication, Patient
from patients.services import clinical_update
from tests.patients.factories import MedicationFactory, PatientFactory

pytestmark = pytest.mark.django_db

MIGRATION = import_module("patients.migrations.0009_chart_text_refuses_direction_overrides")


def test_older_chart_text_loses_its_overrides_and_its_record_can_be_edited(clinic, staff):
    patient = PatientFactory(clinic=clinic)
    medication = MedicationFactory(patient=patient, name="Warfarin", dose="5 mg")
    # As saved before: a reason pasted from another program, a note for staff the same.
    Medication.objects.filter(pk=medication.pk).update(
        allergy_override_reason="Discussed\u202e with patient"
    )
    Patient.objects.filter(pk=patient.pk).update(staff_notes="Call\u2066 after 10")
    medication.refresh_from_db()
    with pytest.raises(ValidationError, match="text-direction"):
        clinical_update(actor=staff["clinician"], record=medication, dose="2 mg")

    MIGRATION.take_out_direction_overrides(apps, None)

    medication.refresh_from_db()
    assert medication.allergy_override_reason == "Discussed with patient"
    assert Patient.objects.get(pk=patient.pk).staff_notes == "Call after 10"
    clinical_update(actor=staff["clinician"], record=medication, dose="2 mg")
    assert Medication.objects.get(pk=medication.pk).dose == "2 mg"
