"""An edit page saves what its user changed, judged against what the page showed them: a page
opened before a colleague's edit does not put the colleague's fields back (core.forms
.ChangedFieldsMixin). And a text area is drawn without `maxlength`, so a long paste is refused
with a message and kept, not cut off by the browser in silence (core.forms.FormRenderer)."""

import html
import re
from html.parser import HTMLParser

import pytest

from core.roles import Role
from messaging.models import Message
from patients import services
from patients.models import Patient
from tests.messaging.factories import make_thread
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


class FormReader(HTMLParser):
    """What a browser submits from the page's form with `action`'s fields as drawn."""

    def __init__(self):
        super().__init__()
        self.data, self._textarea, self._select, self._in_form = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = attrs.get("method") == "post"
        if not self._in_form or "name" not in attrs and tag != "option":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "checkbox", "radio", "file"):
            self.data[attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio") and "checked" in attrs:
            self.data[attrs["name"]] = attrs.get("value", "on")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def drawn_form(response) -> dict:
    reader = FormReader()
    reader.feed(response.content.decode())
    if "textarea" in response.content.decode():  # Django starts a text area with a newline
        reader.data = {k: v.removeprefix("\n") for k, v in reader.data.items()}
    return reader.data


def test_saving_a_page_opened_before_a_colleagues_edit_keeps_their_change(client, clinic, staff):
    patient = PatientFactory(clinic=clinic, phone="+44 161 208 1062", address="1 Old Road")
    client.force_login(staff[Role.RECEPTIONIST])
    opened = drawn_form(client.get(f"/patients/{patient.pk}/edit/"))
    services.patient_update(actor=staff[Role.NURSE], patient=patient, phone="07700 900123")

    response = client.post(
        f"/patients/{patient.pk}/edit/", {**opened, "address": "2 New Street\nLeeds"}
    )

    assert response.status_code == 302
    stored = Patient.objects.get(pk=patient.pk)
    assert stored.address == "2 New Street\nLeeds"
    assert stored.phone == "07700 900123"  # the nurse's, not the one the old page showed


def test_a_page_saved_unchanged_after_a_colleagues_edit_changes_nothing(client, clinic, staff):
    patient = PatientFactory(clinic=clinic, phone="+44 161 208 1062")
    client.force_login(staff[Role.RECEPTIONIST])
    opened = drawn_form(client.get(f"/patients/{patient.pk}/edit/"))
    services.patient_update(actor=staff[Role.NURSE], patient=patient, last_name="Okafor")

    response = client.post(f"/patients/{patient.pk}/edit/", opened, follow=True)

    assert "Nothing was changed." in response.content.decode()
    assert Patient.objects.get(pk=patient.pk).last_name == "Okafor"


def test_a_text_area_has_no_maxlength_and_a_long_reply_is_refused_and_kept(client, clinic, staff):
    clinician = staff[Role.CLINICIAN]
    thread = make_thread(clinician, PatientFactory(clinic=clinic), subject="Your results")
    client.force_login(clinician)
    page = client.get(f"/messages/{thread.pk}/").content.decode()
    [reply_box] = re.findall(r'<textarea name="text"[^>]*>', page)
    long_text = "Please read this carefully. " * 399 + "Thank you."  # 11,182 characters

    response = client.post(f"/messages/{thread.pk}/reply/", {"text": long_text})

    assert "maxlength" not in reply_box
    assert response.status_code == 200
    shown = response.content.decode()
    assert "Ensure this value has at most 10000 characters (it has 11182)." in shown
    assert long_text in shown  # all of it, to be shortened
    assert not Message.objects.filter(thread=thread, text__startswith="Please read").exists()


def test_a_field_a_colleague_changed_meanwhile_is_not_overwritten_in_silence(client, clinic, staff):
    patient = PatientFactory(clinic=clinic, phone="+44 161 208 1062", address="1 Old Road")
    client.force_login(staff[Role.RECEPTIONIST])
    opened = drawn_form(client.get(f"/patients/{patient.pk}/edit/"))
    services.patient_update(actor=staff[Role.NURSE], patient=patient, phone="07700 900123")
    nurses = Patient.objects.get(pk=patient.pk).phone

    edit = {**opened, "phone": "0161 496 0000", "address": "2 New Street"}
    refused = client.post(f"/patients/{patient.pk}/edit/", edit)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Someone else changed this while you were editing: it is now" in page
    assert "07700 900123" in page.split("Someone else changed this")[1][:200]
    stored = Patient.objects.get(pk=patient.pk)
    assert (stored.phone, stored.address) == (nurses, "1 Old Road")  # nothing saved

    again = client.post(f"/patients/{patient.pk}/edit/", drawn_form(refused))  # saved knowingly
    assert again.status_code == 302
    stored = Patient.objects.get(pk=patient.pk)
    assert stored.phone != nurses and stored.address == "2 New Street"


def test_a_choice_changed_meanwhile_is_named_by_its_label(client, clinic, staff):
    nurse = staff[Role.NURSE]
    client.force_login(staff[Role.ADMIN])
    opened = drawn_form(client.get(f"/clinic/staff/{nurse.pk}/"))
    from clinics import services as clinic_services

    clinic_services.staff_update(actor=staff[Role.ADMIN], user=nurse, role=Role.RECEPTIONIST)

    refused = client.post(
        f"/clinic/staff/{nurse.pk}/", {**opened, "action": "save", "role": Role.CLINICIAN}
    )

    assert refused.status_code == 200
    assert "it is now “Receptionist”" in refused.content.decode()
    nurse.refresh_from_db()
    assert nurse.role == Role.RECEPTIONIST


def test_a_multi_line_address_stored_with_lf_is_saved_from_the_browsers_crlf(client, clinic, staff):
    """The browser posts line breaks as CRLF; the API and the seed store LF. Same text: no
    "changed meanwhile" refusal, and the edit is saved."""
    patient = PatientFactory(clinic=clinic, address="41 Green Lane\nNottingham\nNG1 8JJ")
    client.force_login(staff[Role.RECEPTIONIST])
    opened = drawn_form(client.get(f"/patients/{patient.pk}/edit/"))
    as_sent = {name: value.replace("\n", "\r\n") for name, value in opened.items()}

    response = client.post(
        f"/patients/{patient.pk}/edit/",
        {**as_sent, "address": "41 Green Lane\r\nNottingham\r\nNG1 8JJ\r\nUK"},
    )

    assert response.status_code == 302
    assert Patient.objects.get(pk=patient.pk).address.splitlines()[-1] == "UK"


def test_a_grouped_choice_changed_meanwhile_is_named_by_its_label(client, clinic, staff):
    admin = staff[Role.ADMIN]
    client.force_login(admin)
    opened = drawn_form(client.get("/clinic/settings/"))
    from clinics import services as clinic_services

    clinic_services.clinic_update(actor=admin, clinic=clinic, timezone="Europe/Paris")

    refused = client.post("/clinic/settings/", {**opened, "timezone": "Asia/Tokyo"})

    assert refused.status_code == 200
    assert "it is now “Paris”" in refused.content.decode()  # not "Europe/Paris"


PHONE_ERROR = "Enter a phone number: digits with spaces and + ( ) . - /"


def test_a_conflict_does_not_hide_the_model_errors_of_other_fields(client, clinic, staff):
    """The model's checks (here the phone's) run with the form's, not only in the service
    once the form is valid: the refused save shows every error at once."""
    admin = staff[Role.ADMIN]
    client.force_login(admin)
    opened = drawn_form(client.get("/clinic/settings/"))
    from clinics import services as clinic_services

    clinic_services.clinic_update(actor=admin, clinic=clinic, name="Riverside Health")

    refused = client.post(
        "/clinic/settings/", {**opened, "name": "Riverside Care", "phone": "ring reception"}
    )

    page = html.unescape(refused.content.decode())
    assert "it is now “Riverside Health”" in page
    assert PHONE_ERROR in page


def test_a_conflict_on_a_colleagues_role_does_not_hide_a_bad_phone(client, clinic, staff):
    nurse = staff[Role.NURSE]
    client.force_login(staff[Role.ADMIN])
    opened = drawn_form(client.get(f"/clinic/staff/{nurse.pk}/"))
    from clinics import services as clinic_services

    clinic_services.staff_update(actor=staff[Role.ADMIN], user=nurse, role=Role.RECEPTIONIST)

    refused = client.post(
        f"/clinic/staff/{nurse.pk}/",
        {**opened, "action": "save", "role": Role.CLINICIAN, "phone": "12"},
    )

    page = html.unescape(refused.content.decode())
    assert "it is now “Receptionist”" in page
    assert PHONE_ERROR in page


def test_a_conflict_on_a_patient_s_name_does_not_hide_a_hidden_character(client, staff, clinic):
    patient = PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    desk = staff[Role.RECEPTIONIST]
    client.force_login(desk)
    opened = drawn_form(client.get(f"/patients/{patient.pk}/edit/"))
    services.patient_update(actor=staff[Role.NURSE], patient=patient, last_name="King")

    refused = client.post(
        f"/patients/{patient.pk}/edit/",
        {**opened, "last_name": "Byron", "first_name": "Ada\u202e"},
    )

    page = html.unescape(refused.content.decode())
    assert "it is now “King”" in page
    assert "invisible text-direction characters" in page  # the model's own check, at once
    assert Patient.objects.get(pk=patient.pk).first_name == "Ada"
