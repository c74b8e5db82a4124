"""Whether a draft is shared with the patient is its author's call, like its text: a colleague
who opens the draft sees no Share button and is refused (403, saying why) on the page and in the
API. A signed note may be shared, or no longer, by any clinician or nurse of the clinic."""

import pytest
from django.core.exceptions import PermissionDenied

from notes import services
from notes.models import Note
from tests.notes.factories import audit_mark, audit_rows_since, make_note

pytestmark = pytest.mark.django_db

REFUSED = "Only the author of a draft decides whether it is shared with the patient."
SHARE, UNSHARE = "Share with the patient", "Stop sharing with the patient"


@pytest.mark.parametrize("shared", [False, True])
def test_a_colleague_cannot_share_or_unshare_a_draft(
    client, clinician, second_clinician, patient, shared
):
    note = make_note(clinician, patient, shared=shared)
    client.force_login(second_clinician)
    mark = audit_mark()
    response = client.post(f"/notes/{note.pk}/share/", {"shared": "0" if shared else "1"})
    assert response.status_code == 403
    page = response.content.decode()
    assert REFUSED in page and "Your role does not allow" not in page
    assert Note.objects.get(pk=note.pk).shared_with_patient is shared
    assert not audit_rows_since(mark).filter(action="update").exists()


@pytest.mark.parametrize("shared", [False, True])
def test_the_api_refuses_a_colleague_with_a_403_saying_why(
    api_as, clinician, nurse, patient, shared
):
    note = make_note(clinician, patient, shared=shared)
    response = api_as(nurse).post(
        f"/api/v1/notes/{note.pk}/share", {"shared": not shared}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == REFUSED
    assert Note.objects.get(pk=note.pk).shared_with_patient is shared


def test_the_service_refuses_even_a_change_to_what_it_already_is(clinician, nurse, patient):
    note = make_note(clinician, patient)
    with pytest.raises(services.NotTheAuthor):
        services.note_share(actor=nurse, note=note, shared=False)
    assert issubclass(services.NotTheAuthor, PermissionDenied)  # a 403 at every door


def test_a_colleague_sees_no_share_button_on_a_draft(client, clinician, nurse, patient):
    note = make_note(clinician, patient)
    client.force_login(nurse)
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert f"/notes/{note.pk}/share/" not in page and SHARE not in page
    client.force_login(clinician)
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert f'action="/notes/{note.pk}/share/"' in page and SHARE in page


def test_the_author_shares_their_draft(client, clinician, patient):
    note = make_note(clinician, patient)
    client.force_login(clinician)
    response = client.post(f"/notes/{note.pk}/share/", {"shared": "1"}, follow=True)
    assert "Shared with the patient." in response.content.decode()
    assert Note.objects.get(pk=note.pk).shared_with_patient


def test_any_writer_shares_or_unshares_a_signed_note(client, clinician, nurse, patient):
    note = make_note(clinician, patient, signed=True, shared=True)
    client.force_login(nurse)
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert UNSHARE in page
    response = client.post(f"/notes/{note.pk}/share/", {"shared": "0"}, follow=True)
    assert "No longer shared with the patient." in response.content.decode()
    assert not Note.objects.get(pk=note.pk).shared_with_patient


def test_a_colleague_signing_a_draft_is_told_whose_it_is(client, clinician, nurse, patient):
    note = make_note(clinician, patient)
    client.force_login(nurse)
    response = client.post(f"/notes/{note.pk}/sign/")
    assert response.status_code == 403
    assert "Only the author of a note signs it." in response.content.decode()
    assert not Note.objects.get(pk=note.pk).is_signed
