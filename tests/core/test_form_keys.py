"""Every POST form of a staff page carries a submission key drawn by the server
(`{% form_keys %}`), so a form sent twice without JavaScript — a double click, a reload after a
lost answer — is saved once (core.idempotency). With JavaScript, forms.js draws its own."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from appointments.models import CalendarFeed
from core.roles import Role
from notes.models import Note
from tests.core.test_edit_forms import drawn_form
from tests.notes.factories import install, note_type
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
KEY = re.compile(r'name="_submission" value="([0-9a-f]{32})"')


def templates():
    return sorted(TEMPLATES.rglob("*.html"))


def post_forms(text: str) -> list[str]:
    return re.findall(r"<form\b[^>]*method=\"post\".*?</form>", text, re.S | re.I)


def test_every_post_form_of_a_template_draws_its_keys():
    missing = [
        f"{path.relative_to(TEMPLATES)}: {form[:80]}"
        for path in templates()
        for form in post_forms(path.read_text())
        if "{% form_keys" not in form
    ]
    assert missing == []
    assert [p for p in templates() if "{% csrf_token %}" in p.read_text()] == []


def test_no_form_sits_in_a_cached_fragment():
    """A cached key would be the same for every later post: the second one would be dropped."""
    cached = [
        path.relative_to(TEMPLATES)
        for path in templates()
        for fragment in re.findall(r"{% cache .*?{% endcache %}", path.read_text(), re.S)
        if "{% form_keys" in fragment
    ]
    assert cached == []


def test_each_drawing_of_a_page_gives_each_form_its_own_key(client, staff, clinic):
    patient = PatientFactory(clinic=clinic)
    client.force_login(staff[Role.CLINICIAN])
    first = KEY.findall(client.get(f"/patients/{patient.pk}/").content.decode())
    again = KEY.findall(client.get(f"/patients/{patient.pk}/").content.decode())

    assert len(first) >= 2  # the patient page's own forms and Log out
    assert len(set(first + again)) == len(first) + len(again)


def test_a_new_note_posted_twice_without_script_is_one_draft(client, staff, clinic):
    install(clinic)
    patient = PatientFactory(clinic=clinic)
    client.force_login(staff[Role.CLINICIAN])
    form = drawn_form(client.get(f"/notes/patients/{patient.pk}/new/"))
    form["start"] = f"type:{note_type(clinic).pk}"
    form["title"] = "Follow-up"

    first = client.post(f"/notes/patients/{patient.pk}/new/", form)
    again = client.post(f"/notes/patients/{patient.pk}/new/", form)

    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Note.objects.filter(patient=patient, title="Follow-up").count() == 1
    page = client.get(again["Location"]).content.decode()
    assert "This form had already been sent; it was not sent twice." in page


def test_a_calendar_feed_asked_for_twice_without_script_is_one_feed(client, staff):
    clinician = staff[Role.CLINICIAN]
    client.force_login(clinician)
    form = drawn_form(client.get("/appointments/feeds/"))

    client.post("/appointments/feeds/", form)
    client.post("/appointments/feeds/", form)

    assert CalendarFeed.objects.filter(owner=clinician).count() == 1
    # The page drawn again has a new key: asking once more is a second feed, as meant.
    client.post("/appointments/feeds/", drawn_form(client.get("/appointments/feeds/")))
    assert CalendarFeed.objects.filter(owner=clinician).count() == 2


def test_log_out_sent_again_after_signing_back_in_logs_out(client, staff):
    """Log out carries no key: a page kept in the history posts it again after the user signed
    back in, and a replay of the first answer would have left them signed in."""
    clinician = staff[Role.CLINICIAN]
    client.force_login(clinician)
    form = drawn_form(client.get("/"))

    client.post("/accounts/logout/", form)
    client.force_login(clinician)
    client.post("/accounts/logout/", form)

    assert client.get("/").status_code == 302  # to the login page
