"""Uploading with no file chosen: the upload forms say so (a message on the patient's page, the
field's error on the clinic document form) and nothing is stored."""

import pytest

from core.roles import Role
from files.models import StoredFile

pytestmark = pytest.mark.django_db

CHOOSE = "Choose a file to upload."


def test_the_patient_page_upload_says_to_choose_a_file(client, staff, patient):
    client.force_login(staff[Role.CLINICIAN])
    response = client.post(
        f"/files/patients/{patient.pk}/upload/", {"category": "referral"}, follow=True
    )
    assert response.redirect_chain == [(f"/files/patients/{patient.pk}/", 302)]
    assert CHOOSE in response.content.decode()
    assert not StoredFile.objects.exists()


def test_the_clinic_document_form_says_to_choose_a_file(client, staff):
    client.force_login(staff[Role.ADMIN])
    response = client.post("/files/upload/", {"category": "consent", "title": "Consent"})
    assert response.status_code == 200
    assert CHOOSE in response.content.decode()
    assert response.context["form"].errors["files"] == [CHOOSE]
    assert not StoredFile.objects.exists()
