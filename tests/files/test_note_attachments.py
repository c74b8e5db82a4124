"""Files attached to a clinical note: a draft belongs to its author until signed, so attaching a
file to it or taking one off is editing it (notes' rule, asked through the note's access call);
a signed note takes files from anyone who may read it, and its uploader may remove them."""

import pytest
from django.core.exceptions import PermissionDenied

from core.roles import Role
from files import services
from files.models import StoredFile
from tests.files.factories import upload
from tests.notes.factories import install, make_note

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician(staff):
    install(staff[Role.CLINICIAN].clinic)
    return staff[Role.CLINICIAN]


def attach(actor, note, name="letter.pdf") -> StoredFile:
    return services.file_upload(
        actor=actor, upload=upload(name), category="referral", target_type="note", target_id=note.pk
    )


def test_the_author_attaches_to_and_removes_from_their_draft(client, clinician, patient):
    draft = make_note(clinician, patient)
    stored = attach(clinician, draft)
    assert (stored.target_type, stored.target_id, stored.patient_id) == (
        "note",
        draft.pk,
        patient.pk,
    )
    client.force_login(clinician)
    assert client.post(f"/files/{stored.pk}/delete/").status_code == 302
    assert StoredFile.objects.get(pk=stored.pk).is_deleted


def test_anyone_who_reads_a_signed_note_attaches_and_the_uploader_removes(
    api_as, clinician, staff, patient
):
    signed = make_note(clinician, patient, signed=True)
    stored = attach(staff[Role.NURSE], signed)
    assert api_as(staff[Role.NURSE]).delete(f"/api/v1/files/{stored.pk}/").status_code == 204


def test_a_colleague_cannot_attach_to_a_draft(clinician, staff, patient):
    draft = make_note(clinician, patient)
    with pytest.raises(PermissionDenied):
        attach(staff[Role.NURSE], draft)
    assert not StoredFile.objects.exists()


def test_an_admin_cannot_remove_a_file_from_a_colleagues_draft_page(
    client, clinician, staff, patient
):
    stored = attach(clinician, make_note(clinician, patient))
    client.force_login(staff[Role.ADMIN])
    assert client.get(f"/files/{stored.pk}/delete/").status_code == 403
    refused = client.post(f"/files/{stored.pk}/delete/")
    assert refused.status_code == 403
    assert "author" in refused.content.decode()
    assert not StoredFile.objects.get(pk=stored.pk).is_deleted


def test_an_admin_cannot_remove_a_file_from_a_colleagues_draft_api(
    api_as, clinician, staff, patient
):
    stored = attach(clinician, make_note(clinician, patient))
    refused = api_as(staff[Role.ADMIN]).delete(f"/api/v1/files/{stored.pk}/")
    assert refused.status_code == 403
    assert "author" in refused.json()["detail"]
    assert not StoredFile.objects.get(pk=stored.pk).is_deleted


def test_a_colleague_cannot_rename_or_share_a_draft_s_file(api_as, clinician, staff, patient):
    draft = make_note(clinician, patient)
    stored = attach(clinician, draft)

    answer = api_as(staff[Role.NURSE]).patch(
        f"/api/v1/files/{stored.pk}/", {"title": "Renamed", "shared_with_patient": True}
    )

    assert answer.status_code == 403
    assert "Only the author of a draft note" in answer.json()["detail"]
    stored.refresh_from_db()
    assert (stored.title, stored.shared_with_patient) == ("letter", False)


def test_the_file_page_offers_a_colleague_no_change_to_a_draft_s_file(
    client, clinician, staff, patient
):
    stored = attach(clinician, make_note(clinician, patient))
    client.force_login(staff[Role.ADMIN])
    theirs = client.get(f"/files/{stored.pk}/")
    client.force_login(clinician)
    mine = client.get(f"/files/{stored.pk}/")
    assert theirs.status_code == 200
    assert (theirs.context["may_edit"], theirs.context["may_delete"]) == (False, False)
    assert (mine.context["may_edit"], mine.context["may_delete"]) == (True, True)


def test_a_colleague_cannot_restore_a_draft_s_file(clinician, staff, patient):
    stored = attach(clinician, make_note(clinician, patient))
    services.file_delete(actor=clinician, stored=stored)
    stored.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.file_restore(actor=staff[Role.ADMIN], stored=stored)
    assert StoredFile.objects.get(pk=stored.pk).is_deleted
