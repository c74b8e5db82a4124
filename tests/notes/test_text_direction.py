"""Invisible text-direction controls ("Trojan source": U+202A-U+202E, U+2066-U+2069) make text
display in another order than it is stored, so a signed note would read differently from what
was signed. Addenda, sections and titles holding them are refused with a message, on the page
(the text typed stays in its box) and in the API; the marks LRM and RLM, which Arabic and Hebrew
writers use, are kept."""

import pytest
from django.core.exceptions import ValidationError

from notes.models import Addendum, Note
from tests.notes.factories import make_note

pytestmark = pytest.mark.django_db

CONTROLS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
REMOVE = "Remove the invisible text-direction characters (pasted from another program)"
# Displayed as "Take 1stelbat 0 daily.": not the order it is stored (and would be signed) in.
SPOOFED = "Take 1\u202e0 tablets\u202c daily."


def in_section(name: str) -> str:
    return f"The section {name} holds invisible text-direction characters"


@pytest.fixture
def signed(clinician, patient):
    return make_note(clinician, patient, signed=True)


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_the_note_page_refuses_an_addendum_and_keeps_it_in_its_box(
    client, clinician, signed, control
):
    client.force_login(clinician)
    typed = f"Dose changed to 5{control} mg."
    response = client.post(f"/notes/{signed.pk}/addenda/", {"text": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert REMOVE in page and "Addendum added." not in page
    assert typed in page
    assert not Addendum.objects.exists()


def test_the_api_refuses_such_an_addendum_with_a_400(api_as, clinician, signed):
    response = api_as(clinician).post(
        f"/api/v1/notes/{signed.pk}/addenda", {"text": SPOOFED}, format="json"
    )
    assert response.status_code == 400
    assert REMOVE in response.json()["errors"]["text"][0]
    assert not Addendum.objects.exists()


def test_right_to_left_marks_are_allowed(client, clinician, signed):
    client.force_login(clinician)
    hebrew = "\u05d4\u05de\u05d8\u05d5\u05e4\u05dc \u05e9\u05d5\u05d7\u05e8\u05e8 10:30\u200f."
    arabic = "\u0627\u0644\u0645\u0631\u064a\u0636\u200e (SpO2 98%)\u200f"
    for text in (hebrew, arabic):
        response = client.post(f"/notes/{signed.pk}/addenda/", {"text": text}, follow=True)
        assert "Addendum added." in response.content.decode()
    assert list(signed.addenda.order_by("created_at").values_list("text", flat=True)) == [
        hebrew,
        arabic,
    ]


def test_the_writer_refuses_a_section_naming_it_and_keeps_the_text(client, clinician, patient):
    note = make_note(clinician, patient)
    client.force_login(clinician)
    data = {"title": "Review", "version": note.version, "action": "sign"}
    data.update({f"section_{i}": s["text"] for i, s in enumerate(note.sections)})
    data["section_3"] = SPOOFED  # Plan
    response = client.post(f"/notes/{note.pk}/edit/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert in_section("Plan") in page
    assert SPOOFED in page  # in its field, to correct rather than retype
    stored = Note.objects.get(pk=note.pk)
    assert not stored.is_signed and stored.version == note.version
    assert stored.sections == note.sections


def test_the_api_refuses_such_a_section_or_title(api_as, clinician, patient):
    note = make_note(clinician, patient)
    api = api_as(clinician)
    sections = [*note.sections[:3], {"name": "Plan", "text": SPOOFED}]
    response = api.patch(f"/api/v1/notes/{note.pk}/", {"sections": sections}, format="json")
    assert response.status_code == 400
    assert in_section("Plan") in response.json()["detail"]
    response = api.patch(f"/api/v1/notes/{note.pk}/", {"title": "Dose 1\u202e0"}, format="json")
    assert response.status_code == 400
    assert REMOVE in response.json()["errors"]["title"][0]
    assert Note.objects.get(pk=note.pk).version == note.version


def test_a_new_note_with_such_a_section_is_refused(clinician, patient):
    with pytest.raises(ValidationError, match="The section Plan holds"):
        make_note(clinician, patient, Plan=SPOOFED)
    assert not Note.objects.exists()


def test_a_draft_stored_with_them_is_not_signed(client, clinician, patient):
    """A draft saved before the check existed: signing it is refused until it is corrected."""
    note = make_note(clinician, patient)
    sections = [*note.sections[:3], {"name": "Plan", "text": SPOOFED}]
    Note.objects.filter(pk=note.pk).update(sections=sections)
    client.force_login(clinician)
    response = client.post(f"/notes/{note.pk}/sign/", follow=True)
    assert in_section("Plan") in response.content.decode()
    assert not Note.objects.get(pk=note.pk).is_signed
