"""The printable whole record (`/patients/{id}/record/`): the same record as the FHIR export,
on one page styled for paper, linked from the patient page, audited as an export."""

import pytest

from accounts.models import AuditEvent
from core.roles import Role
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
