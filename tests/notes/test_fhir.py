"""A note as a FHIR R4 DocumentReference, validated with `fhir.resources` (its R4B models:
R4's DocumentReference, unchanged): LOINC type, author, date, status current, the note as
text/markdown and text/html attachments; the export is audited."""

import base64
import json

import pytest
from fhir.resources.R4B.documentreference import DocumentReference

from notes import services
from tests.notes.factories import audit_mark, audit_rows_since, make_note

pytestmark = pytest.mark.django_db


def fetch(client, note) -> dict:
    response = client.get(f"/api/v1/notes/{note.pk}/fhir")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    data = json.loads(response.content)
    DocumentReference.model_validate(data)  # raises on anything R4 does not allow
    return data


def attachment(data, content_type) -> str:
    found = [c["attachment"] for c in data["content"]]
    match = next(a for a in found if a["contentType"] == content_type)
    return base64.b64decode(match["data"]).decode("utf-8")


def test_a_signed_note_with_an_addendum(api_as, clinician, second_clinician, patient):
    note = make_note(clinician, patient, signed=True, Plan="Salbutamol <script>x</script>")
    services.addendum_add(actor=clinician, note=note, text="Peak flow 420 L/min.")
    services.note_request_cosign(actor=clinician, note=note, cosigner_id=second_clinician.pk)
    note.refresh_from_db()
    services.note_cosign(actor=second_clinician, note=note)
    mark = audit_mark()
    data = fetch(api_as(clinician), note)
    assert data["resourceType"] == "DocumentReference"
    assert data["status"] == "current"
    assert data["docStatus"] == "amended"
    assert data["type"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "11506-3",
        "display": "Progress note",
    }
    assert data["subject"]["reference"] == f"Patient/{patient.pk}"
    assert data["author"][0]["reference"] == f"Practitioner/{clinician.pk}"
    assert data["authenticator"]["reference"] == f"Practitioner/{clinician.pk}"
    markdown = attachment(data, "text/markdown")
    assert "## Plan\n\nSalbutamol <script>x</script>" in markdown
    assert "Peak flow 420 L/min." in markdown
    html = attachment(data, "text/html")
    assert "<h2>Plan</h2>" in html
    assert "<script>" not in html
    row = audit_rows_since(mark).get()
    assert (row.action, row.patient_id) == ("export", patient.pk)


def test_a_draft_is_preliminary_and_a_clinic_type_has_no_loinc_coding(
    api_as, admin_user, clinician, patient
):
    own = services.note_type_create(actor=admin_user, code="LOCAL-7", name="Wound review")
    note = services.note_create(
        actor=clinician,
        patient=patient,
        note_type=own,
        sections=[{"name": "Wound", "text": "Healing."}],
    )
    data = fetch(api_as(clinician), note)
    assert data["docStatus"] == "preliminary"
    assert data["type"] == {"text": "Wound review"}
    assert "authenticator" not in data
