"""Signing locks a note: no door changes it afterwards — service, API, HTML form, admin, shell
(`save()`, `update()`, `bulk_update()`, `delete()`) — and a co-signature, once given, is locked
the same way. Sharing still changes, through its own action."""

import pytest

from core.errors import Conflict
from notes import services
from notes.models import Addendum, Note, NoteLocked
from tests.notes.factories import make_note, soap_sections

pytestmark = pytest.mark.django_db
ORIGINAL = "Chest clear. SpO2 98%."


@pytest.fixture
def signed(clinician, patient):
    return make_note(clinician, patient, signed=True)


def stored(note) -> Note:
    return Note.objects.get(pk=note.pk)


def assert_unchanged(note):
    fresh = stored(note)
    assert fresh.status == Note.Status.SIGNED
    assert fresh.sections[1]["text"] == ORIGINAL
    assert fresh.title == "SOAP"


# --- the service ---------------------------------------------------------------------------------
def test_service_refuses_an_edit_after_signing(clinician, signed):
    with pytest.raises(NoteLocked) as refused:
        services.note_update(
            actor=clinician, note=signed, sections=soap_sections(Objective="Changed")
        )
    assert refused.value.status == 409
    assert "addendum" in refused.value.message
    assert_unchanged(signed)


def test_a_draft_signed_elsewhere_is_not_overwritten_by_a_late_save(clinician, patient):
    """The edit loaded the draft before it was signed: its write must still be refused."""
    note = make_note(clinician, patient)
    late = stored(note)  # loaded as a draft
    services.note_sign(actor=clinician, note=stored(note))
    with pytest.raises(NoteLocked):
        services.note_update(actor=clinician, note=late, sections=soap_sections(Plan="Late"))
    assert stored(note).sections[3]["text"] == soap_sections()[3]["text"]


def test_signing_twice_is_a_conflict(clinician, signed):
    with pytest.raises(NoteLocked):
        services.note_sign(actor=clinician, note=signed)


# --- the shell: every ORM write path -------------------------------------------------------------
def test_model_save_refuses_a_changed_signed_note(signed):
    signed.title = "Rewritten"
    with pytest.raises(NoteLocked):
        signed.save()
    assert_unchanged(signed)


def test_a_stale_instance_cannot_save_over_a_note_signed_since(clinician, patient):
    note = make_note(clinician, patient)
    stale = stored(note)
    services.note_sign(actor=clinician, note=stored(note))
    stale.sections = soap_sections(Objective="Rewritten")
    with pytest.raises(NoteLocked):
        stale.save()
    assert stored(note).sections[1]["text"] == ORIGINAL


def test_queryset_update_and_bulk_update_refuse_signed_notes(signed):
    with pytest.raises(NoteLocked):
        Note.objects.filter(pk=signed.pk).update(title="Rewritten")
    with pytest.raises(NoteLocked):
        Note.objects.all().update(status=Note.Status.DRAFT)
    signed.title = "Rewritten"
    with pytest.raises(NoteLocked):
        Note.objects.bulk_update([signed], ["title"])
    assert_unchanged(signed)


def test_signed_notes_cannot_be_deleted(signed):
    with pytest.raises(NoteLocked):
        signed.delete()
    with pytest.raises(NoteLocked):
        Note.objects.filter(pk=signed.pk).delete()
    assert Note.objects.filter(pk=signed.pk).exists()


def test_a_draft_is_still_written_freely(clinician, patient):
    note = make_note(clinician, patient)
    Note.objects.filter(pk=note.pk).update(title="Renamed draft")
    assert stored(note).title == "Renamed draft"


def test_sharing_changes_after_signing(clinician, signed):
    services.note_share(actor=clinician, note=signed, shared=True)
    assert stored(signed).shared_with_patient is True
    assert_unchanged(signed)


def test_a_given_cosignature_is_locked(clinician, second_clinician, signed):
    services.note_request_cosign(actor=clinician, note=signed, cosigner_id=second_clinician.pk)
    services.note_cosign(actor=second_clinician, note=stored(signed))
    with pytest.raises(NoteLocked):
        Note.objects.filter(pk=signed.pk).update(cosigned_by=clinician)
    with pytest.raises(Conflict):
        services.note_cosign(actor=second_clinician, note=stored(signed))
    assert stored(signed).cosigned_by_id == second_clinician.pk


def test_addenda_are_append_only(clinician, signed):
    addendum = services.addendum_add(actor=clinician, note=signed, text="BP rechecked: 128/80.")
    addendum.text = "Something else"
    with pytest.raises(NoteLocked):
        addendum.save()
    with pytest.raises(NoteLocked):
        Addendum.objects.filter(pk=addendum.pk).update(text="x")
    with pytest.raises(NoteLocked):
        addendum.delete()
    assert Addendum.objects.get(pk=addendum.pk).text == "BP rechecked: 128/80."


# --- the API and the HTML form -------------------------------------------------------------------
def test_api_patch_after_signing_is_409_with_a_message(api_as, clinician, signed):
    response = api_as(clinician).patch(
        f"/api/v1/notes/{signed.pk}/", {"title": "Rewritten"}, format="json"
    )
    assert response.status_code == 409
    assert "signed" in response.json()["detail"]
    assert_unchanged(signed)


def test_html_form_post_after_signing_changes_nothing(client, clinician, signed):
    client.force_login(clinician)
    data = {"title": "Rewritten", "version": signed.version, "action": "save"}
    data.update({f"section_{i}": "Rewritten" for i in range(4)})
    response = client.post(f"/notes/{signed.pk}/edit/", data, follow=True)
    assert response.status_code == 200
    assert "can no longer be changed" in response.content.decode()
    assert_unchanged(signed)


def test_admin_cannot_change_a_note(client, signed, django_user_model):
    superuser = django_user_model.objects.create_superuser("root@example.org", "pw-Root-12345")
    client.force_login(superuser)
    url = f"/admin/notes/note/{signed.pk}/change/"
    assert client.get(url).status_code == 200  # readable (and audited)
    response = client.post(url, {"title": "Rewritten", "status": "draft"})
    assert response.status_code == 403
    assert_unchanged(signed)
