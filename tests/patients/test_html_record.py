"""The patient record through the pages: create (with the duplicate warning), edit, archive,
restore, delete, invite to the patient app, the patient page, and its one audit row."""

import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, User
from core.roles import Role
from patients.models import Patient
from tests.conftest import free_port
from tests.notifications.helpers import retry_due_now
from tests.patients.factories import AllergyFactory, PatientFactory
from tests.patients.html_factories import field_error, page_text, patient_url

NEW = "/patients/new/"
LINK = re.compile(r"http://testserver(/accounts/reset/[A-Za-z0-9_\-]+/[A-Za-z0-9\-]+/)")


@pytest.fixture
def web(client, admin_user):
    client.force_login(admin_user)
    return client


def new_data(**overrides) -> dict:
    data = {
        "first_name": "Maria",
        "last_name": "Garcia",
        "preferred_name": "Mari",
        "date_of_birth": "1975-04-12",
        "sex": "female",
        "phone": "+34 600 123 456",
        "email": "Maria.Garcia@Example.org",
        "address": "1 Calle Mayor\nMadrid",
        "preferred_language": "Spanish",
        "emergency_contact_name": "Pedro Garcia",
        "emergency_contact_relationship": "Brother",
        "emergency_contact_phone": "600 654 321",
        "staff_notes": "Prefers morning appointments.",
    }
    data.update(overrides)
    return data


def edit_data(patient, **overrides) -> dict:
    data = {name: getattr(patient, name) for name in new_data() if name != "date_of_birth"}
    data["date_of_birth"] = patient.date_of_birth.isoformat()
    data.update(overrides)
    return data


def views_of(patient) -> int:
    return AuditEvent.objects.filter(patient_id=patient.pk, action="view").count()


# --- create --------------------------------------------------------------------------------------
def test_create_form_groups_the_emergency_contact_and_uses_a_date_input(web):
    page = web.get(NEW).content.decode()

    assert 'type="date"' in page and 'name="date_of_birth"' in page
    assert re.search(r"<legend[^>]*>\s*Emergency contact\s*</legend>", page)
    assert 'for="id_emergency_contact_phone"' in page
    assert "create_anyway" not in page  # only once a duplicate is found


def test_create_patient(web, admin_user, clinic):
    response = web.post(NEW, new_data())

    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == patient_url(patient)
    assert patient.clinic == clinic
    assert patient.created_by == admin_user
    assert patient.email == "maria.garcia@example.org"
    assert patient.date_of_birth == datetime.date(1975, 4, 12)
    assert patient.emergency_contact_relationship == "Brother"
    assert patient.mrn == "00000001"
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="create").count() == 1
    page = page_text(web.get(response["Location"]))
    assert "Maria Garcia has been added with MRN 00000001." in page


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("date_of_birth", "1975-13-40", "Enter a valid date."),
        ("date_of_birth", "", "This field is required."),
        ("date_of_birth", "2999-01-01", "The date of birth is in the future."),
        ("date_of_birth", "1870-01-01", "The date of birth is before 1880."),
        ("email", "maria@", "Enter a valid email address."),
        ("first_name", "", "This field is required."),
        ("sex", "robot", "Select a valid choice."),
    ],
)
def test_create_validation_shows_field_errors_and_writes_nothing(web, field, value, message):
    response = web.post(NEW, new_data(**{field: value}))

    assert response.status_code == 200
    assert message in field_error(response, field)
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_every_refused_field_shows_at_once(web):
    """A future birth date beside a broken e-mail: both said on the first answer, not the date
    only once the e-mail is mended."""
    response = web.post(NEW, new_data(date_of_birth="2999-01-01", email="maria@"))

    assert "The date of birth is in the future." in field_error(response, "date_of_birth")
    assert "Enter a valid email address." in field_error(response, "email")
    assert not Patient.objects.exists()


def test_the_birth_date_picker_offers_no_day_after_today(web, admin_user):
    clinic_today = timezone.localdate(timezone=zoneinfo.ZoneInfo(admin_user.clinic.timezone))
    page = web.get(NEW).content.decode()
    assert f'max="{clinic_today.isoformat()}"' in page


def test_tomorrow_is_a_future_birth_date(web, admin_user):
    # The clinic's tomorrow: from 23:00 UTC in summer, London's today is UTC's tomorrow.
    clinic_today = timezone.localdate(timezone=zoneinfo.ZoneInfo(admin_user.clinic.timezone))
    tomorrow = clinic_today + datetime.timedelta(days=1)

    response = web.post(NEW, new_data(date_of_birth=tomorrow.isoformat()))

    assert "in the future" in field_error(response, "date_of_birth")
    assert not Patient.objects.exists()


def test_duplicate_warning_then_create_anyway(web, clinic):
    existing = PatientFactory(
        clinic=clinic, first_name="María", last_name="GARCIA", date_of_birth="1975-04-12"
    )

    warned = web.post(NEW, new_data())

    assert warned.status_code == 200
    assert Patient.objects.count() == 1
    page = page_text(warned)
    assert "This may be a patient the clinic already has" in page
    assert f'href="{patient_url(existing)}"' in page
    assert existing.mrn in page
    assert 'name="create_anyway"' in page
    assert 'value="Maria"' in page  # the form keeps what was typed

    created = web.post(NEW, new_data(create_anyway="on"))

    assert created.status_code == 302
    assert Patient.objects.count() == 2


def test_the_patients_a_duplicate_warning_names_are_audited_as_read(web, clinic):
    existing = PatientFactory(
        clinic=clinic, first_name="María", last_name="GARCIA", date_of_birth="1975-04-12"
    )

    web.post(NEW, new_data())

    shown = AuditEvent.objects.filter(action="view", detail="possible duplicates")
    assert [row.patient_id for row in shown] == [existing.pk]


def test_a_ticked_create_anyway_survives_a_refusal_of_another_field(web, clinic):
    PatientFactory(
        clinic=clinic, first_name="Maria", last_name="Garcia", date_of_birth="1975-04-12"
    )

    refused = web.post(NEW, new_data(create_anyway="on", email="not-an-address"))

    assert refused.status_code == 200
    assert '<input type="hidden" name="create_anyway" value="on">' in refused.content.decode()
    assert web.post(NEW, new_data(create_anyway="on")).status_code == 302  # as the page sends


def test_no_warning_for_another_clinics_namesake(web, other_clinic):
    PatientFactory(
        clinic=other_clinic, first_name="Maria", last_name="Garcia", date_of_birth="1975-04-12"
    )

    response = web.post(NEW, new_data())

    assert response.status_code == 302
    assert Patient.objects.filter(clinic__name="Riverside Clinic").count() == 1


def test_different_birth_date_is_no_duplicate(web, clinic):
    PatientFactory(clinic=clinic, first_name="Maria", last_name="Garcia")

    assert web.post(NEW, new_data()).status_code == 302


# --- the patient page ----------------------------------------------------------------------------
def test_patient_page_header_and_demographics(web, clinic):
    patient = PatientFactory(
        clinic=clinic,
        first_name="Maria",
        last_name="Garcia",
        preferred_name="Mari",
        date_of_birth=datetime.date(1975, 4, 12),
        sex="female",
        emergency_contact_name="Pedro Garcia",
        emergency_contact_relationship="Brother",
        emergency_contact_phone="600 654 321",
    )

    response = web.get(patient_url(patient))

    assert response.status_code == 200
    page = page_text(response)
    assert "<h1" in page and "Maria Garcia" in page
    assert "Prefers “Mari”" in page
    assert f'MRN <strong class="hp-mrn">{patient.mrn}</strong>' in page
    assert f"{patient.age()} years (12/04/1975)" in page  # the clinic's (en-GB) date format
    assert "Female" in page
    assert "Pedro Garcia (Brother)" in page
    assert "Archived" not in page
    assert f'href="{patient_url(patient, "edit/")}"' in page


def test_patient_page_writes_exactly_one_audit_row(web, clinic, admin_user):
    patient = PatientFactory(clinic=clinic)
    AllergyFactory(patient=patient)

    web.get(patient_url(patient))

    rows = AuditEvent.objects.filter(patient_id=patient.pk)
    assert rows.count() == 1
    row = rows.get()
    assert (row.action, row.actor, row.object_id) == ("view", admin_user, patient.pk)
    web.get(patient_url(patient))
    assert views_of(patient) == 2


def test_patient_page_404_for_unknown_and_malformed_ids(web):
    for pk in ("0" * 24, "nope", "x" * 80, "1%20OR%201=1"):
        assert web.get(f"/patients/{pk}/").status_code == 404


# --- edit ----------------------------------------------------------------------------------------
def test_edit_demographics(web, clinic, admin_user):
    patient = PatientFactory(clinic=clinic, phone="")

    form = web.get(patient_url(patient, "edit/"))
    assert form.status_code == 200
    assert f'value="{patient.first_name}"' in form.content.decode()
    assert 'value="1980-05-17"' in form.content.decode()

    response = web.post(
        patient_url(patient, "edit/"), edit_data(patient, phone="020 7946 0000", last_name="Lee")
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.phone, patient.last_name, patient.last_name_key) == (
        "+442079460000",
        "Lee",
        "lee",
    )
    update = AuditEvent.objects.get(patient_id=patient.pk, action="update")
    assert update.detail == "last_name, phone"


def test_renaming_a_patient_like_another_warns_then_saves_anyway(web, clinic):
    existing = PatientFactory(
        clinic=clinic, first_name="Maria", last_name="Garcia", date_of_birth="1975-04-12"
    )
    patient = PatientFactory(
        clinic=clinic, first_name="Maria", last_name="Garcis", date_of_birth="1975-04-12"
    )

    warned = web.post(patient_url(patient, "edit/"), edit_data(patient, last_name="garcía"))

    assert warned.status_code == 200
    page = page_text(warned)
    assert "This may be a patient the clinic already has" in page
    assert f'href="{patient_url(existing)}"' in page and existing.mrn in page
    assert "Save anyway: this is a different person" in page
    assert 'value="garcía"' in page  # what was typed is kept
    assert Patient.objects.get(pk=patient.pk).last_name == "Garcis"  # nothing saved

    saved = web.post(
        patient_url(patient, "edit/"), edit_data(patient, last_name="García", create_anyway="on")
    )

    assert saved.status_code == 302
    assert Patient.objects.get(pk=patient.pk).last_name == "García"


def test_editing_other_fields_of_a_namesake_does_not_warn(web, clinic):
    same = {"first_name": "Maria", "last_name": "Garcia", "date_of_birth": "1975-04-12"}
    PatientFactory(clinic=clinic, **same)
    twin = PatientFactory(clinic=clinic, **same)

    response = web.post(patient_url(twin, "edit/"), edit_data(twin, phone="020 7946 0000"))

    assert response.status_code == 302


def test_edit_without_changes_writes_nothing(web, clinic):
    patient = PatientFactory(clinic=clinic)

    response = web.post(patient_url(patient, "edit/"), edit_data(patient), follow=True)

    assert "Nothing was changed." in page_text(response)
    assert not AuditEvent.objects.filter(action="update").exists()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("date_of_birth", "2999-01-01", "The date of birth is in the future."),
        ("date_of_birth", "yesterday", "Enter a valid date."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("last_name", "", "This field is required."),
    ],
)
def test_edit_validation(web, clinic, field, value, message):
    patient = PatientFactory(clinic=clinic, email="a@example.org", phone="0123 456 789")

    response = web.post(patient_url(patient, "edit/"), edit_data(patient, **{field: value}))

    assert response.status_code == 200
    assert message in field_error(response, field)
    stored = Patient.objects.get(pk=patient.pk)
    assert (stored.email, stored.phone, stored.date_of_birth) == (
        "a@example.org",
        "0123 456 789",
        datetime.date(1980, 5, 17),
    )
    assert not AuditEvent.objects.filter(action="update").exists()


# --- archive, restore, delete ---------------------------------------------------------------------
def test_archive_and_restore(web, clinic):
    patient = PatientFactory(clinic=clinic)

    confirm = web.get(patient_url(patient, "archive/"))
    assert confirm.status_code == 200
    assert "Archive the record of" in page_text(confirm)

    assert 'name="archived" value="1"' in confirm.content.decode()
    archived = web.post(patient_url(patient, "archive/"), {"archived": "1"}, follow=True)
    patient.refresh_from_db()
    assert patient.is_archived
    page = page_text(archived)
    assert "has been archived" in page
    assert "Archived</span>" in page
    assert "Invite to the patient app" not in page  # restore first

    restored = web.post(patient_url(patient, "archive/"), {"archived": "0"}, follow=True)
    patient.refresh_from_db()
    assert not patient.is_archived
    assert "has been restored" in page_text(restored)
    details = set(
        AuditEvent.objects.filter(patient_id=patient.pk, action="update").values_list(
            "detail", flat=True
        )
    )
    assert details == {"archived", "restored"}


def test_archiving_twice_does_not_restore_the_record(web, clinic):
    """A double click, or a confirmation page left open while a colleague archived the record,
    posts "archive" again: the record stays archived and the page says so."""
    patient = PatientFactory(clinic=clinic)

    web.post(patient_url(patient, "archive/"), {"archived": "1"})
    again = web.post(patient_url(patient, "archive/"), {"archived": "1"}, follow=True)

    patient.refresh_from_db()
    assert patient.is_archived
    assert "was already archived" in page_text(again)
    updates = AuditEvent.objects.filter(patient_id=patient.pk, action="update")
    assert list(updates.values_list("detail", flat=True)) == ["archived"]


def test_an_archive_post_without_its_choice_changes_nothing(web, clinic):
    patient = PatientFactory(clinic=clinic)

    answer = web.post(patient_url(patient, "archive/"), {"archived": "maybe"})

    assert answer.status_code == 400
    assert "Choose Archive or Restore" in page_text(answer)
    patient.refresh_from_db()
    assert not patient.is_archived


def test_delete_an_archived_record_without_clinical_data(web, clinic):
    patient = PatientFactory(clinic=clinic, is_archived=True)

    page = page_text(web.get(patient_url(patient)))
    assert f'href="{patient_url(patient, "delete/")}"' in page
    assert "Delete for good" in page_text(web.get(patient_url(patient, "delete/")))

    response = web.post(patient_url(patient, "delete/"), follow=True)

    assert response.redirect_chain[-1][0] == "/patients/"
    assert not Patient.objects.filter(pk=patient.pk).exists()
    assert "has been deleted" in page_text(response)
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="delete").count() == 1


def test_an_active_record_cannot_be_deleted(web, clinic):
    patient = PatientFactory(clinic=clinic)

    assert "Delete" not in re.sub(r"<nav.*?</nav>", "", page_text(web.get(patient_url(patient))))
    assert "Archive the record before deleting it." in page_text(
        web.get(patient_url(patient, "delete/"))
    )
    response = web.post(patient_url(patient, "delete/"), follow=True)

    assert Patient.objects.filter(pk=patient.pk).exists()
    assert "Archive the record before deleting it." in page_text(response)


def test_a_record_with_clinical_data_cannot_be_deleted(web, clinic):
    patient = PatientFactory(clinic=clinic, is_archived=True)
    AllergyFactory(patient=patient)

    assert f'href="{patient_url(patient, "delete/")}"' not in page_text(
        web.get(patient_url(patient))
    )
    response = web.post(patient_url(patient, "delete/"), follow=True)

    assert Patient.objects.filter(pk=patient.pk).exists()
    assert "can only be archived, not deleted" in page_text(response)


# --- invite to the patient app -------------------------------------------------------------------
def test_invite_to_the_patient_app(client, staff, clinic, mailbox, password):
    client.force_login(staff[Role.RECEPTIONIST])
    patient = PatientFactory(clinic=clinic, email="maria@example.org")

    response = client.post(patient_url(patient, "invite/"), follow=True)

    assert "An invitation to the patient app is on its way to maria@example.org." in page_text(
        response
    )
    assert "Invited" in page_text(response)
    user = User.objects.get(email="maria@example.org")
    assert user.role == Role.PATIENT
    patient.refresh_from_db()
    assert patient.user == user
    assert [m["To"] for m in mailbox.messages] == ["maria@example.org"]
    assert LINK.search(mailbox.body(mailbox.messages[0]))
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="invite").count() == 1


def test_invite_while_the_mail_server_is_down_arrives_once_it_is_back(
    web, clinic, settings, smtp_server, mailbox
):
    """The invitation never waits on SMTP: it is stored in the outbox and sent on a retry."""
    patient = PatientFactory(clinic=clinic, email="maria@example.org")
    settings.EMAIL_PORT = free_port()  # nothing listens there

    sent = page_text(web.post(patient_url(patient, "invite/"), follow=True))

    assert "An invitation to the patient app is on its way to maria@example.org." in sent
    assert mailbox.messages == []
    patient.refresh_from_db()
    assert patient.user.email == "maria@example.org"  # the account is kept

    settings.EMAIL_PORT = smtp_server.port
    retry_due_now()

    assert [m["To"] for m in mailbox.messages] == ["maria@example.org"]
    assert User.objects.filter(role=Role.PATIENT).count() == 1


def test_invite_mail_not_handed_over_keeps_the_account_and_offers_resend(
    web, clinic, settings, smtp_server, mailbox
):
    patient = PatientFactory(clinic=clinic, email="maria@example.org")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # no outbox
    settings.EMAIL_PORT = free_port()  # nothing listens there

    failed = page_text(web.post(patient_url(patient, "invite/"), follow=True))

    assert "The invitation e-mail to maria@example.org could not be sent." in failed
    assert "Resend the invitation" in failed
    patient.refresh_from_db()
    assert patient.user.email == "maria@example.org"  # the account is kept

    settings.EMAIL_PORT = smtp_server.port
    resent = page_text(web.post(patient_url(patient, "invite/"), follow=True))

    assert "An invitation to the patient app has been sent to maria@example.org." in resent
    assert [m["To"] for m in mailbox.messages] == ["maria@example.org"]
    assert User.objects.filter(role=Role.PATIENT).count() == 1


def test_invite_without_an_email_shows_the_error(web, clinic, mailbox):
    patient = PatientFactory(clinic=clinic, email="")

    response = web.post(patient_url(patient, "invite/"), follow=True)

    assert "The patient has no e-mail address." in page_text(response)
    assert mailbox.messages == []
    assert not User.objects.filter(role=Role.PATIENT).exists()


def test_invite_with_an_email_taken_by_staff_answers_as_for_a_new_one(
    web, clinic, admin_user, mailbox
):
    free = PatientFactory(clinic=clinic, email="maria@example.org")
    patient = PatientFactory(clinic=clinic, email=admin_user.email)
    said = "An invitation to the patient app is on its way to {}. If this address already has"
    assert said.format("maria@example.org") in page_text(
        web.post(patient_url(free, "invite/"), follow=True)
    )
    mailbox.messages.clear()

    response = web.post(patient_url(patient, "invite/"), follow=True)

    assert said.format(admin_user.email) in page_text(response)
    patient.refresh_from_db()
    assert patient.user_id is None
    (message,) = mailbox.messages
    assert message["To"] == admin_user.email
    assert "tried to invite" in mailbox.body(message)
    assert not LINK.search(mailbox.body(message))


def test_invite_is_post_only(web, clinic):
    patient = PatientFactory(clinic=clinic, email="maria@example.org")

    assert web.get(patient_url(patient, "invite/")).status_code == 405
