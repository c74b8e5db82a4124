"""What an addendum may hold, from the note page and the API: no NUL character (it would be
stored and shown), and some text (an empty addendum is refused with a message)."""

import pytest
from django.core.exceptions import ValidationError

from notes import services
from notes.models import Addendum
from tests.notes.factories import make_note

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
    response = client.post(f"/notes/{signed.pk}/addenda/", {"text": text}, follow=True)
    assert response.redirect_chain == [(f"/notes/{signed.pk}/", 302)]
    page = response.content.decode()
    assert says in page and "Addendum added." not in page
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
