"""The printable whole record (`/patients/{id}/record/`): the same record as the FHIR export,
on one page styled for paper, linked from the patient page, audited as an export."""

import re

import pytest
from django.utils import translation

from accounts.models import AuditEvent
from core.roles import Role
from patients.export import summary
from tests.labs.factories import audit_mark, audit_rows_since

pytestmark = pytest.mark.django_db


def page_as(client, user, patient, *, logged_in=False):
    if not logged_in:
        client.force_login(user)
    response = client.get(f"/patients/{patient.pk}/record/")
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_the_page_shows_every_part_of_the_record(client, record):
    client.force_login(record["clinician"])
    mark = audit_mark()

    html = page_as(client, record["clinician"], record["patient"], logged_in=True)

    for text in (
        "Ada Lovelace",
        record["patient"].mrn,
        "Penicillin",
        "Hives",
        "Type 2 diabetes",
        "Metformin",
        "Glucose",
        "Diabetes review",
        "HbA1c to repeat in 3 months.",  # the note's addendum, printed with it
        "Staff-only note",
        "Review of blood sugar",
    ):
        assert text in html, text
    assert "Unfinished draft" not in html
    row = audit_rows_since(mark).get()
    assert (row.action, row.patient_id) == (AuditEvent.Action.EXPORT, record["patient"].pk)


def test_the_page_is_for_paper_and_runs_no_script(client, record):
    html = page_as(client, record["clinician"], record["patient"])

    assert "patients/print.css" in html
    assert "<script" not in html
    assert "style=" not in html and "<style" not in html  # nothing a CSP would have to allow


def test_note_text_is_printed_as_text_never_as_markup(client, record, staff):
    from tests.notes.factories import make_note

    make_note(
        record["clinician"],
        record["patient"],
        signed=True,
        title="Odd input",
        Plan="<img src=x onerror=alert(1)>",
    )
    html = page_as(client, record["clinician"], record["patient"])
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_patient_page_links_to_it_for_clinical_staff_only(client, record, staff):
    patient = record["patient"]
    link = f'href="/patients/{patient.pk}/record/"'

    client.force_login(record["clinician"])
    assert link in client.get(f"/patients/{patient.pk}/").content.decode()
    client.force_login(staff[Role.RECEPTIONIST])
    assert link not in client.get(f"/patients/{patient.pk}/").content.decode()


STATUS_CELL = re.compile(r"<td>([^<]*)</td>\s*</tr>")  # each row's last cell


def statuses(html: str) -> set[str]:
    return {cell.strip() for cell in STATUS_CELL.findall(html)}


def test_statuses_are_printed_as_words_not_fhir_codes(client, record):
    html = page_as(client, record["clinician"], record["patient"])

    # Allergy and problem active, Metformin ended, the results and their order, the notes,
    # the appointment: as the patient, lab and note pages word them.
    assert statuses(html) == {"Active", "Stopped", "Final", "Preliminary", "Signed", "Booked"}


def test_statuses_are_printed_in_the_readers_language(client, record):
    clinician = record["clinician"]
    clinician.language = "es"
    clinician.save()

    html = page_as(client, clinician, record["patient"])

    assert {"Activo", "Suspendido", "Definitivo", "Preliminar", "Firmada", "Reservada"} <= (
        statuses(html)
    )


@pytest.mark.parametrize(
    ("resource", "printed"),
    [
        ({"resourceType": "Observation", "status": "amended"}, "Corrected"),
        ({"resourceType": "DiagnosticReport", "status": "registered"}, "Ordered"),
        ({"resourceType": "DiagnosticReport", "status": "cancelled"}, "Cancelled"),
        ({"resourceType": "Appointment", "status": "fulfilled"}, "Completed"),
        ({"resourceType": "Appointment", "status": "checked-in"}, "Checked in"),
        ({"resourceType": "Appointment", "status": "noshow"}, "No-show"),
        ({"resourceType": "CarePlan", "status": "on-hold"}, "Paused"),
        ({"resourceType": "CarePlan", "status": "revoked"}, "Withdrawn"),
        ({"resourceType": "Goal", "lifecycleStatus": "completed"}, "Completed"),
        ({"resourceType": "Communication", "status": "completed"}, "Sent"),
        (
            {"resourceType": "Condition", "clinicalStatus": {"coding": [{"code": "resolved"}]}},
            "Resolved",
        ),
        ({"resourceType": "Observation", "status": "entered-in-error"}, "entered-in-error"),
    ],
)
def test_each_status_code_the_apps_write_has_its_word(resource, printed):
    with translation.override("en"):
        assert summary(resource)["status"] == printed


def test_phone_numbers_are_printed_as_the_patient_page_shows_them(client, record):
    patient = record["patient"]
    patient.emergency_contact_name = "Charles Babbage"
    patient.emergency_contact_phone = "+442079460001"  # stored in E.164, as the forms save it
    patient.save()
    assert patient.phone == "+442079460000"

    html = page_as(client, record["clinician"], patient)

    assert "<dd>+44 20 7946 0000</dd>" in html
    assert "Charles Babbage +44 20 7946 0001</dd>" in html
    assert "+442079460000" not in html and "+442079460001" not in html


def test_an_emergency_number_without_a_name_is_still_printed(client, record):
    patient = record["patient"]
    patient.emergency_contact_phone = "+442079460001"
    patient.save()

    html = page_as(client, record["clinician"], patient)

    assert "Emergency contact" in html
    assert "+44 20 7946 0001</dd>" in html


def test_result_flags_and_allergy_severities_are_printed_in_the_readers_language(client, record):
    clinician = record["clinician"]
    clinician.language = "es"
    clinician.save()

    text = re.sub(r"\s+", " ", page_as(client, clinician, record["patient"]))

    assert "Alto" in text and "Moderada" in text  # glucose 132 mg/dL; the allergy's severity
    assert ">High<" not in text and "moderate" not in text
