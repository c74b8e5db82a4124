"""Asking for a co-signature in a clinic where no one else can give it: the note page says why
instead of an empty choice and a button that can only fail; the API says the same."""

import pytest

from notes.models import Note
from tests.notes.factories import make_note

pytestmark = pytest.mark.django_db

NO_ONE = "No other clinician in this clinic can co-sign."


def test_a_clinic_with_one_clinician_says_no_one_can_co_sign(client, clinician, patient):
    note = make_note(clinician, patient, signed=True)
    client.force_login(clinician)
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert NO_ONE in page
    assert 'name="cosigner"' not in page and "Request co-signature" not in page


def test_with_another_clinician_the_choice_is_offered(client, clinician, second_clinician, patient):
    note = make_note(clinician, patient, signed=True)
    client.force_login(clinician)
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert NO_ONE not in page
    assert 'name="cosigner"' in page and second_clinician.name in page
    assert "Request co-signature" in page


def test_the_api_says_why_no_co_signer_can_be_asked(api_as, clinician, nurse, patient):
    note = make_note(clinician, patient, signed=True)
    response = api_as(clinician).post(
        f"/api/v1/notes/{note.pk}/request-cosign", {"cosigner": str(nurse.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["cosigner"] == [NO_ONE]
    assert Note.objects.get(pk=note.pk).cosigner_id is None


def test_a_wrong_choice_among_clinicians_still_asks_for_another(
    api_as, clinician, second_clinician, nurse, patient
):
    note = make_note(clinician, patient, signed=True)
    response = api_as(clinician).post(
        f"/api/v1/notes/{note.pk}/request-cosign", {"cosigner": str(nurse.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["cosigner"] == [
        "Choose another clinician of this clinic to co-sign."
    ]
