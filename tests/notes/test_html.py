"""The staff pages of notes: the patient page's panel, a patient's notes with search and filters,
the writer (without JavaScript), the note page and its actions, history, print, the home widget.
Query counts are pinned where a page lists notes."""

import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from notes import services
from notes.models import Note, NoteRevision
from notes.selectors import patient_panel
from tests.notes.factories import (
    audit_mark,
    audit_rows_since,
    make_note,
    note_type,
    template,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, clinician, notes_clinic):
    client.force_login(clinician)
    return client


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_patient_page_has_a_notes_panel_latest_first(web, clinician, patient):
    make_note(clinician, patient, title="Older")
    make_note(clinician, patient, title="Newer", signed=True)
    page = web.get(f"/patients/{patient.pk}/").content.decode()
    assert 'id="panel-notes"' in page
    assert page.index("Newer") < page.index("Older")
    assert f"/notes/patients/{patient.pk}/new/" in page


def test_the_panel_costs_one_query_however_many_notes(
    clinician, patient, django_assert_num_queries
):
    for n in range(12):
        make_note(clinician, patient, title=f"Note {n}", signed=n % 2 == 0)
    with django_assert_num_queries(1):
        context = patient_panel(actor=clinician, patient=patient)
    assert len(context["notes"]) == 10 and context["more"]


def test_the_patient_page_costs_the_same_with_1_or_12_notes(web, clinician, patient):
    make_note(clinician, patient)
    web.get(f"/patients/{patient.pk}/")  # the first visit also records it as recently opened
    one = queries(web, f"/patients/{patient.pk}/")
    for _ in range(11):
        make_note(clinician, patient, signed=True)
    assert queries(web, f"/patients/{patient.pk}/") == one


def test_the_list_searches_and_filters(web, clinician, nurse, patient):
    make_note(clinician, patient, title="Asthma review", signed=True, Assessment="Asthma")
    make_note(nurse, patient, title="Dressing change", Subjective="Wound on the shin")
    url = f"/notes/patients/{patient.pk}/"
    page = web.get(url, {"q": "shin"}).content.decode()
    assert "Dressing change" in page and "Asthma review" not in page
    page = web.get(url, {"status": "signed"}).content.decode()
    assert "Asthma review" in page and "Dressing change" not in page
    page = web.get(url, {"author": nurse.pk}).content.decode()
    assert "Dressing change" in page and "Asthma review" not in page
    page = web.get(url, {"q": "nothing like this"}).content.decode()
    assert "No notes match these filters." in page


def test_the_list_is_one_audited_read_of_the_patient_and_costs_the_same_for_1_or_25_but_the_count(
    web, clinician, patient
):
    make_note(clinician, patient)
    url = f"/notes/patients/{patient.pk}/"
    mark = audit_mark()
    one = queries(web, url)
    row = audit_rows_since(mark).get()
    assert (row.action, row.patient_id) == ("view", patient.pk)
    for _ in range(24):
        make_note(clinician, patient)
    # One query more: the count (a list its first page holds is counted by it).
    assert queries(web, url) == one + 1


def test_start_a_note_from_a_template_and_write_it_without_javascript(web, clinician, patient):
    soap = template(patient.clinic)
    response = web.post(
        f"/notes/patients/{patient.pk}/new/", {"start": f"template:{soap.pk}", "title": ""}
    )
    note = Note.objects.get(patient=patient)
    assert response.url == f"/notes/{note.pk}/edit/"
    page = web.get(response.url).content.decode()
    assert 'src="/static/notes/autosave.js"' in page
    assert "<script>" not in page.replace('<script src="/static/bootstrap', "")
    data = {"title": "Chest infection", "version": 1, "action": "save"}
    data.update({f"section_{i}": text for i, text in enumerate(["Cough", "Crackles", "LRTI", ""])})
    response = web.post(f"/notes/{note.pk}/edit/", data)
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.title == "Chest infection"
    assert note.sections[2] == {"name": "Assessment", "text": "LRTI"}
    assert NoteRevision.objects.filter(note=note).count() == 2
    data.update(version=2, action="sign", section_3="Amoxicillin")
    response = web.post(f"/notes/{note.pk}/edit/", data)
    assert response.url == f"/notes/{note.pk}/"
    note.refresh_from_db()
    assert note.is_signed and note.sections[3]["text"] == "Amoxicillin"


def test_signing_an_empty_draft_shows_why(web, clinician, patient):
    note = make_note(clinician, patient, sections=[])
    response = web.post(f"/notes/{note.pk}/sign/", follow=True)
    assert "empty" in response.content.decode()
    assert not Note.objects.get(pk=note.pk).is_signed


def test_the_note_page_shows_sanitised_sections_addenda_and_signatures(web, clinician, patient):
    hostile = "<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"
    note = make_note(clinician, patient, signed=True, Plan=f"**Rest** {hostile}")
    services.addendum_add(actor=clinician, note=note, text="First addendum")
    services.addendum_add(actor=clinician, note=note, text="Second addendum")
    page = web.get(f"/notes/{note.pk}/").content.decode()
    assert "<strong>Rest</strong>" in page
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "<img src=x" not in page
    assert page.index("First addendum") < page.index("Second addendum")
    assert clinician.name in page
    assert "Add addendum" in page and "Edit draft" not in page


def test_cosign_share_and_addendum_from_the_note_page(
    client, clinician, second_clinician, patient, notes_clinic
):
    note = make_note(clinician, patient, signed=True)
    client.force_login(clinician)
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert second_clinician.name in page  # offered as co-signer
    client.post(f"/notes/{note.pk}/request-cosign/", {"cosigner": second_clinician.pk})
    client.post(f"/notes/{note.pk}/share/", {"shared": "1"})
    client.post(f"/notes/{note.pk}/addenda/", {"text": "Seen again: better."})
    client.force_login(second_clinician)
    assert "Co-sign" in client.get(f"/notes/{note.pk}/").content.decode()
    client.post(f"/notes/{note.pk}/cosign/")
    note.refresh_from_db()
    assert note.cosigned_by_id == second_clinician.pk
    assert note.shared_with_patient
    assert note.addenda.get().text == "Seen again: better."


def test_another_writer_cannot_edit_a_draft(client, nurse, clinician, patient, notes_clinic):
    note = make_note(clinician, patient)
    client.force_login(nurse)
    response = client.get(f"/notes/{note.pk}/edit/")
    assert response.status_code == 302 and response.url == f"/notes/{note.pk}/"
    data = {"title": "Taken over", "version": 1, "action": "save"}
    assert client.post(f"/notes/{note.pk}/edit/", data).status_code == 403
    assert Note.objects.get(pk=note.pk).title == "SOAP"


def test_history_shows_each_save_and_is_audited(web, clinician, patient):
    note = make_note(clinician, patient)
    services.note_update(actor=clinician, note=note, title="Renamed")
    mark = audit_mark()
    page = web.get(f"/notes/{note.pk}/history/").content.decode()
    assert "Version 2" in page and "Version 1" in page
    assert "changed: Title" in page
    row = audit_rows_since(mark).get()
    assert (row.patient_id, row.detail) == (patient.pk, "history")


def test_print_view_has_the_patient_and_signatures(web, clinician, patient):
    note = make_note(clinician, patient, signed=True)
    page = web.get(f"/notes/{note.pk}/print/").content.decode()
    assert patient.mrn in page and clinician.name in page
    assert "<nav" not in page  # no navigation on paper


def test_home_widget_my_drafts_and_awaiting_my_cosignature(
    client, clinician, second_clinician, patient, notes_clinic, django_assert_max_num_queries
):
    def ask(title):
        asked = make_note(second_clinician, patient, title=title, signed=True)
        services.note_request_cosign(actor=second_clinician, note=asked, cosigner_id=clinician.pk)

    make_note(clinician, patient, title="My unfinished draft")
    ask("Please co-sign")
    client.force_login(clinician)
    client.get("/")  # warm caches (session, clinic)
    with django_assert_max_num_queries(40) as one:
        page = html.unescape(client.get("/").content.decode())
    assert "My unfinished draft" in page and "Please co-sign" in page
    assert f"{patient.full_name}" in page and f"by {second_clinician.name}" in page
    for n in range(4):  # each row's patient and author come with it, none read row by row
        make_note(clinician, patient, title=f"Draft {n}")
        ask(f"Co-sign {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/").content.decode()
    assert "Draft 3" in page and "Co-sign 3" in page


def test_my_notes_lists_every_draft_and_co_signature_the_home_widget_cuts_short(
    client, clinician, second_clinician, patient, notes_clinic, staff, monkeypatch
):
    """The widget shows a few of each and links to the whole lists (before, "3+" led nowhere)."""
    monkeypatch.setattr("notes.selectors.WIDGET_SIZE", 2)
    for n in range(3):
        make_note(clinician, patient, title=f"Draft {n}")
        asked = make_note(second_clinician, patient, title=f"Co-sign {n}", signed=True)
        services.note_request_cosign(actor=second_clinician, note=asked, cosigner_id=clinician.pk)
    make_note(second_clinician, patient, title="Not mine")
    client.force_login(clinician)

    home = client.get("/").content.decode()
    mark = audit_mark()
    drafts = client.get("/notes/mine/").content.decode()
    awaiting = client.get("/notes/mine/?list=awaiting").content.decode()

    assert 'href="/notes/mine/?list=drafts"' in home and "Draft 0" not in home  # the oldest
    assert 'href="/notes/mine/?list=awaiting"' in home and "Co-sign 2" not in home
    assert all(f"Draft {n}" in drafts for n in range(3)) and "Not mine" not in drafts
    assert "Co-sign 0" not in drafts
    assert all(f"Co-sign {n}" in awaiting for n in range(3)) and "Draft 0" not in awaiting
    assert f"by {second_clinician.name}" not in awaiting and second_clinician.name in awaiting
    viewed = audit_rows_since(mark).filter(detail="my notes")
    assert sorted(viewed.values_list("patient_id", flat=True)) == [patient.pk, patient.pk]
    receptionist = Client()
    receptionist.force_login(staff[Role.RECEPTIONIST])
    assert receptionist.get("/notes/mine/").status_code == 403


def test_save_and_sign_an_empty_draft_keeps_it_saved_and_says_why(web, clinician, patient):
    note = services.note_create(
        actor=clinician,
        patient=patient,
        note_type=note_type(patient.clinic),
        template=template(patient.clinic),
    )
    data = {"title": "Nothing yet", "version": 1, "action": "sign"}
    data.update({f"section_{i}": "" for i in range(4)})
    response = web.post(f"/notes/{note.pk}/edit/", data, follow=True)
    assert "empty" in response.content.decode()
    note.refresh_from_db()
    assert note.title == "Nothing yet" and not note.is_signed


def test_a_save_over_a_newer_version_is_refused_on_the_form(web, clinician, patient):
    note = make_note(clinician, patient)
    services.note_update(actor=clinician, note=note, title="Saved in another tab")
    data = {"title": "Stale tab", "version": 1, "action": "save"}
    data.update({f"section_{i}": "stale" for i in range(4)})
    response = web.post(f"/notes/{note.pk}/edit/", data)
    assert response.status_code == 200
    assert "saved elsewhere" in response.content.decode()
    assert Note.objects.get(pk=note.pk).title == "Saved in another tab"


@pytest.mark.parametrize("version", ["0", "", "latest"])
def test_a_page_that_lost_its_version_is_told_to_reload(web, clinician, patient, version):
    note = make_note(clinician, patient)
    data = {"title": "Changed", "version": version, "action": "save"}
    data.update({f"section_{i}": "text" for i in range(4)})

    response = web.post(f"/notes/{note.pk}/edit/", data)

    assert response.status_code == 200
    assert "did not say which version of the draft it edits" in response.content.decode()
    assert Note.objects.get(pk=note.pk).title == note.title
