"""The clinical summary on the patient page: allergies, problems and medications, added,
edited and deleted through one set of pages; validation; badges; empty states; query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from core.roles import Role
from patients.models import Allergy, Condition, Medication
from tests.patients.factories import (
    AllergyFactory,
    ConditionFactory,
    MedicationFactory,
    PatientFactory,
)
from tests.patients.html_factories import field_error, page_text, patient_url

MODELS = {"allergies": Allergy, "conditions": Condition, "medications": Medication}
FACTORIES = {
    "allergies": AllergyFactory,
    "conditions": ConditionFactory,
    "medications": MedicationFactory,
}
VALID = {
    "allergies": {
        "substance": "Penicillin",
        "reaction": "Hives",
        "severity": "severe",
        "status": "active",
    },
    "conditions": {
        "name": "Type 2 diabetes",
        "code_system": "icd10",
        "code": "e11.9",
        "onset_date": "2019-06-01",
        "status": "active",
    },
    "medications": {
        "name": "Metformin",
        "dose": "500 mg",
        "frequency": "twice daily",
        "start_date": "2019-06-02",
        "end_date": "",
        "is_active": "on",
    },
}
LABEL = {"allergies": "substance", "conditions": "name", "medications": "name"}
KINDS = list(MODELS)


@pytest.fixture(params=[Role.CLINICIAN, Role.NURSE, Role.ADMIN])
def web(request, client, staff):
    client.force_login(staff[request.param])
    client.user = staff[request.param]
    return client


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Maria", last_name="Garcia")


def test_empty_summary(web, patient):
    page = page_text(web.get(patient_url(patient)))

    assert "Clinical summary" in page
    assert "No allergies recorded." in page
    assert "No problems recorded." in page
    assert "No medications recorded." in page
    for kind in KINDS:
        assert f'action="{patient_url(patient, kind + "/add/")}"' in page


def test_summary_lists_records_with_text_badges(web, patient):
    AllergyFactory(patient=patient, substance="Peanuts", severity="severe", status="active")
    AllergyFactory(patient=patient, substance="Latex", severity="mild", status="resolved")
    ConditionFactory(patient=patient, name="Asthma", code="J45.909", status="resolved")
    MedicationFactory(patient=patient, name="Salbutamol", is_active=False)

    page = page_text(web.get(patient_url(patient)))

    assert '<span class="badge text-bg-danger">Severe</span>' in page
    assert '<span class="badge text-bg-info">Mild</span>' in page
    assert "Resolved</span>" in page
    assert "<code>J45.909</code>" in page
    assert "Stopped</span>" in page
    assert "Peanuts" in page and "Latex" in page and "Salbutamol" in page
    assert '<th role="columnheader" scope="col">Severity</th>' in page


@pytest.mark.parametrize("kind", KINDS)
def test_add(web, patient, kind):
    response = web.post(patient_url(patient, f"{kind}/add/"), VALID[kind])

    assert response.status_code == 302
    assert response["Location"] == patient_url(patient) + f"#{kind}"
    record = MODELS[kind].objects.get()
    assert (record.patient, record.clinic, record.recorded_by) == (
        patient,
        patient.clinic,
        web.user,
    )
    assert getattr(record, LABEL[kind]) == VALID[kind][LABEL[kind]]
    assert AuditEvent.objects.filter(
        patient_id=patient.pk, action="create", object_id=record.pk
    ).exists()
    assert getattr(record, LABEL[kind]) in page_text(web.get(response["Location"]))


def test_add_normalises_the_code(web, patient):
    web.post(patient_url(patient, "conditions/add/"), VALID["conditions"])

    assert Condition.objects.get().code == "E11.9"


@pytest.mark.parametrize("kind", KINDS)
def test_add_page_without_javascript(web, patient, kind):
    response = web.get(patient_url(patient, f"{kind}/add/"))

    assert response.status_code == 200
    assert f'for="id_{LABEL[kind]}"' in response.content.decode()


FUTURE = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
OVERRIDES = "Remove the invisible text-direction characters (pasted from another program)"


@pytest.mark.parametrize(
    "kind,field,value,message",
    [
        ("allergies", "substance", "", "This field is required."),
        ("allergies", "severity", "deadly", "Select a valid choice."),
        ("conditions", "onset_date", FUTURE, "The onset date is in the future."),
        ("conditions", "onset_date", "2019-02-30", "Enter a valid date."),
        ("conditions", "code", "diabetes", "Not an ICD-10 code"),
        ("conditions", "code_system", "", "Say which code system the code is from."),
        ("medications", "end_date", "2019-01-01", "The end date is before the start date."),
        ("medications", "start_date", "soon", "Enter a valid date."),
        ("conditions", "onset_date", "0001-01-01", "The onset date is before the date of birth."),
        ("medications", "start_date", "0001-01-01", "The start date is before the date of birth."),
        ("medications", "end_date", "9999-12-31", "Give a date between 1900 and 2999."),
        # Text-direction overrides display text in another order than it is stored (as notes).
        ("allergies", "substance", "Penicil\u202enil", OVERRIDES),
        ("allergies", "reaction", "Hives\u2066", OVERRIDES),
        ("conditions", "name", "Asthma\u202eX", OVERRIDES),
        ("medications", "name", "Metformin\u202b", OVERRIDES),
        ("medications", "dose", "1\u202e0 mg", OVERRIDES),
        ("medications", "frequency", "twice\u202d daily", OVERRIDES),
    ],
)
def test_add_validation(web, patient, kind, field, value, message):
    response = web.post(patient_url(patient, f"{kind}/add/"), {**VALID[kind], field: value})

    assert response.status_code == 200
    assert message in field_error(response, field)
    assert not MODELS[kind].objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_a_snomed_code_is_ascii_digits(web, patient):
    """ "¹²³".isdigit() is true; a code of superscripts would be no SNOMED CT code at all."""
    data = {**VALID["conditions"], "code_system": "snomed", "code": "⁴⁴⁰⁵⁴⁰⁰⁶"}

    response = web.post(patient_url(patient, "conditions/add/"), data)

    assert "A SNOMED CT code is a number" in field_error(response, "code")
    assert not MODELS["conditions"].objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_edit(web, patient, kind):
    record = FACTORIES[kind](patient=patient)
    url = patient_url(patient, f"{kind}/{record.pk}/edit/")

    form = web.get(url)
    assert form.status_code == 200
    assert f'value="{getattr(record, LABEL[kind])}"' in form.content.decode()

    response = web.post(url, {**VALID[kind], LABEL[kind]: "Changed"})

    assert response.status_code == 302
    record.refresh_from_db()
    assert getattr(record, LABEL[kind]) == "Changed"
    assert AuditEvent.objects.filter(action="update", object_id=record.pk).count() == 1


def test_edit_validation_keeps_the_record(web, patient):
    record = MedicationFactory(patient=patient, start_date=datetime.date(2020, 1, 1))

    response = web.post(
        patient_url(patient, f"medications/{record.pk}/edit/"),
        {**VALID["medications"], "start_date": "2020-01-01", "end_date": "2019-12-31"},
    )

    assert "The end date is before the start date." in field_error(response, "end_date")
    record.refresh_from_db()
    assert record.end_date is None


@pytest.mark.parametrize("kind", KINDS)
def test_delete(web, patient, kind):
    record = FACTORIES[kind](patient=patient)
    url = patient_url(patient, f"{kind}/{record.pk}/delete/")

    confirm = web.get(url)
    assert confirm.status_code == 200
    assert str(record) in page_text(confirm)
    assert MODELS[kind].objects.exists()

    response = web.post(url, follow=True)

    assert not MODELS[kind].objects.exists()
    assert "has been deleted" in page_text(response)
    assert AuditEvent.objects.filter(action="delete", object_id=record.pk).count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_records_of_another_patient_are_404(web, patient, clinic, kind):
    other = FACTORIES[kind](patient=PatientFactory(clinic=clinic))
    for suffix in ("edit/", "delete/"):
        url = patient_url(patient, f"{kind}/{other.pk}/{suffix}")
        assert web.get(url).status_code == 404
        assert web.post(url, VALID[kind]).status_code == 404
    assert MODELS[kind].objects.filter(pk=other.pk).exists()


def test_unknown_kind_is_404(web, patient):
    assert web.get(patient_url(patient, "vaccines/add/")).status_code == 404


def test_patient_page_costs_the_same_queries_for_1_or_50_records(web, patient):
    def one_of_each():
        AllergyFactory(patient=patient)
        ConditionFactory(patient=patient)
        MedicationFactory(patient=patient)

    one_of_each()
    web.get(patient_url(patient))  # the first visit also adds the patient to "recently opened"
    with CaptureQueriesContext(connection) as one:
        assert web.get(patient_url(patient)).status_code == 200
    for _ in range(49):
        one_of_each()
    with CaptureQueriesContext(connection) as fifty:
        response = web.get(patient_url(patient))

    assert page_text(response).count("Substance ") >= 50
    assert len(fifty) == len(one)
