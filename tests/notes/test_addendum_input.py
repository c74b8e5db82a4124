"""What an addendum may hold, from the note page and the API: no NUL character (it would be
stored and shown), and some text (an empty addendum is refused with a message)."""

import pytest
from django.core.exceptions import ValidationError

from notes import services
from notes.models import Addendum
from tests.notes.factories import SOAP_TEXT, make_note

pytestmark = pytest.mark.django_db

NUL = "Null characters are not allowed."


@pytest.fixture
def signed(clinician, patient):
    return make_note(clinician, patient, signed=True)


@pytest.mark.parametrize(
    ("text", "says"), [("a\x00b", NUL), ("", "Write the addendum."), ("   ", "Write the addendum.")]
)
def test_the_note_page_refuses_an_addendum_with_a_message(client, clinician, signed, text, says):
    client.force_login(clinician)
    response = client.post(f"/notes/{signed.pk}/addenda/", {"text": text})
    assert response.status_code == 200  # the note page again, with the reason by the box
    page = response.content.decode()
    assert says in page and "Addendum added." not in page
    assert not Addendum.objects.exists()


def test_a_refused_addendum_stays_in_its_box(client, clinician, signed):
    client.force_login(clinician)
    typed = "Seen again; wound healing well. " * 700  # over the 20,000 characters allowed
    response = client.post(f"/notes/{signed.pk}/addenda/", {"text": typed})
    page = response.content.decode()
    assert "Ensure this value has at most 20000 characters" in page
    assert typed.strip() in page  # in the textarea, to shorten rather than retype
    assert SOAP_TEXT["Plan"] in page  # the note is still shown
    assert not Addendum.objects.exists()


def test_the_note_page_adds_an_addendum(client, clinician, signed):
    client.force_login(clinician)
    response = client.post(f"/notes/{signed.pk}/addenda/", {"text": "  Seen again.  "}, follow=True)
    assert "Addendum added." in response.content.decode()
    assert signed.addenda.get().text == "Seen again."


def test_the_api_refuses_a_nul_character_with_a_400(api_as, clinician, signed):
    response = api_as(clinician).post(
        f"/api/v1/notes/{signed.pk}/addenda", {"text": "a\x00b"}, format="json"
    )
    assert response.status_code == 400
    assert "text" in response.json()["errors"]
    assert not Addendum.objects.exists()


def test_the_service_refuses_a_nul_character(clinician, signed):
    with pytest.raises(ValidationError) as refused:
        services.addendum_add(actor=clinician, note=signed, text="a\x00b")
    assert refused.value.message_dict == {"text": [NUL]}
    assert not Addendum.objects.exists()
