"""A clinician already asked to co-sign is asked once: the note page offers only the others (or
says no one else can co-sign), and the page and the API refuse to ask them again, so they never
get the same notification twice."""

import pytest

from core.roles import Role
from notes import services
from notes.models import Note
from tests.factories import UserFactory
from tests.notes.factories import make_note

pytestmark = pytest.mark.django_db

NO_ONE = "No other clinician in this clinic can co-sign."
ALREADY = "Dr Second has already been asked to co-sign this note."


def unread(api_as, user) -> int:
    return api_as(user).get("/api/v1/notifications/unread-count").json()["unread"]


def test_the_page_offers_only_clinicians_not_yet_asked(
    client, clinician, second_clinician, notes_clinic, patient
):
    third = UserFactory(clinic=notes_clinic, role=Role.CLINICIAN, name="Dr Third")
    note = make_note(clinician, patient, signed=True)
    client.force_login(clinician)
    client.post(f"/notes/{note.pk}/request-cosign/", {"cosigner": second_clinician.pk})
    page = client.get(f"/notes/{note.pk}/").content.decode()
    form = page[page.index("Ask someone else to co-sign") :]
    assert f'value="{third.pk}"' in form and "Dr Third" in form
    assert f'value="{second_clinician.pk}"' not in form


def test_with_no_one_else_left_the_page_says_so(client, clinician, second_clinician, patient):
    note = make_note(clinician, patient, signed=True)
    client.force_login(clinician)
    client.post(f"/notes/{note.pk}/request-cosign/", {"cosigner": second_clinician.pk})
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert "Ask someone else to co-sign" in page and NO_ONE in page
    assert 'name="cosigner"' not in page and "Request co-signature" not in page


def test_asking_the_same_clinician_again_from_the_page_is_refused(
    client, api_as, clinician, second_clinician, patient
):
    note = make_note(clinician, patient, signed=True)
    client.force_login(clinician)
    ask = {"cosigner": second_clinician.pk}
    url = f"/notes/{note.pk}/request-cosign/"
    assert "Co-signature requested." in client.post(url, ask, follow=True).content.decode()
    page = client.post(url, ask, follow=True).content.decode()
    assert ALREADY in page and "Co-signature requested." not in page
    assert unread(api_as, second_clinician) == 1


def test_asking_the_same_clinician_again_through_the_api_is_refused(
    api_as, clinician, second_clinician, patient
):
    note = make_note(clinician, patient, signed=True)
    ask = {"cosigner": str(second_clinician.pk)}
    url = f"/api/v1/notes/{note.pk}/request-cosign"
    assert api_as(clinician).post(url, ask, format="json").status_code == 200
    asked_at = Note.objects.get(pk=note.pk).cosign_requested_at
    response = api_as(clinician).post(url, ask, format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == ALREADY
    assert Note.objects.get(pk=note.pk).cosign_requested_at == asked_at
    assert unread(api_as, second_clinician) == 1


def test_two_requests_sent_at_once_ask_once(api_as, clinician, second_clinician, patient):
    """A double click or two tabs: both loaded the note before either request was written."""
    note = make_note(clinician, patient, signed=True)
    first, second = Note.objects.get(pk=note.pk), Note.objects.get(pk=note.pk)
    services.note_request_cosign(actor=clinician, note=first, cosigner_id=second_clinician.pk)
    with pytest.raises(services.Conflict) as refused:
        services.note_request_cosign(actor=clinician, note=second, cosigner_id=second_clinician.pk)
    assert refused.value.message == ALREADY
    assert unread(api_as, second_clinician) == 1


def test_someone_else_may_still_be_asked(
    api_as, clinician, second_clinician, notes_clinic, patient
):
    third = UserFactory(clinic=notes_clinic, role=Role.CLINICIAN, name="Dr Third")
    note = make_note(clinician, patient, signed=True)
    url = f"/api/v1/notes/{note.pk}/request-cosign"
    api_as(clinician).post(url, {"cosigner": str(second_clinician.pk)}, format="json")
    response = api_as(clinician).post(url, {"cosigner": str(third.pk)}, format="json")
    assert response.status_code == 200
    assert response.json()["cosigner"]["id"] == str(third.pk)
    assert unread(api_as, third) == 1
