"""A second language end to end: each person reads Spanish or English (their choice, else their
clinic's, else their browser's) on pages, in API errors and in e-mail."""

import datetime
import html
import re
from types import SimpleNamespace

import pytest

from accounts.language import language_for
from appointments import reminders
from core.roles import Role
from notifications.services import notify
from tests.appointments.conftest import local
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory

PROFILE = "/accounts/profile/"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def spanish(clinic):
    return UserFactory(clinic=clinic, role=Role.CLINICIAN, language="es", email="es@example.org")


@pytest.fixture
def english(clinic):
    return UserFactory(clinic=clinic, role=Role.CLINICIAN, email="en@example.org")


# --- pages ---------------------------------------------------------------------------------------
def test_login_page_follows_the_browser_language(client):
    spanish_page = text(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es"))
    english_page = text(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "Iniciar sesión" in spanish_page
    assert "¿Ha olvidado su contraseña?" in spanish_page
    assert '<html lang="es">' in spanish_page
    assert "Forgot your password?" in english_page


def test_a_spanish_user_reads_spanish_pages_and_an_english_colleague_english(
    client, spanish, english
):
    PatientFactory(clinic=spanish.clinic)
    client.force_login(spanish)
    home = text(client.get("/"))
    patients = text(client.get("/patients/"))

    assert f"Sesión iniciada como {spanish.name}" in home
    assert "Cerrar sesión" in home
    assert "Pacientes de la clínica" in patients

    client.force_login(english)
    assert f"Signed in as {english.name}" in text(client.get("/"))
    assert "Patients of the clinic" in text(client.get("/patients/"))


def test_the_patient_pages_add_forms_follow_each_readers_language(client, spanish, english):
    """The empty add forms are drawn once per language and kept: each reader gets their own."""
    patient = PatientFactory(clinic=spanish.clinic)
    for user, label in (
        (english, "Currently taken"),
        (spanish, "En tratamiento actualmente"),
        (english, "Currently taken"),
    ):
        client.force_login(user)
        page = text(client.get(f"/patients/{patient.pk}/"))
        found = re.search(r'<label for="id_medications_is_active"[^>]*>\s*([^<]+?)\s*<', page)
        assert found and found.group(1) == label


def test_a_form_error_is_in_the_users_language(client, spanish):
    client.force_login(spanish)

    response = client.post(PROFILE, {"name": "", "phone": "", "language": "es"})

    assert response.status_code == 200
    assert "Este campo es obligatorio." in text(response)


def test_the_clinic_language_is_the_default_and_a_users_choice_wins(client, clinic, english):
    clinic.locale = "es"
    clinic.save()
    colleague = UserFactory(clinic=clinic, role=Role.NURSE)
    client.force_login(colleague)
    assert "Sesión iniciada como" in text(client.get("/"))

    english.language = "en"
    english.save()
    client.force_login(english)
    assert "Signed in as" in text(client.get("/"))


def test_choosing_a_language_on_the_profile_page(client, english):
    client.force_login(english)
    assert "The clinic's language" in text(client.get(PROFILE))

    response = client.post(
        PROFILE, {"name": english.name, "phone": "", "language": "es"}, follow=True
    )

    english.refresh_from_db()
    assert english.language == "es"
    assert "Se ha guardado su perfil." in text(response)
    assert "Mi perfil" in text(response)


# --- API -----------------------------------------------------------------------------------------
def test_api_error_detail_in_the_users_language(api_as, spanish, english):
    missing = "/api/v1/patients/000000000000000000000000/"

    spanish_answer = api_as(spanish).get(missing)
    english_answer = api_as(english).get(missing)

    assert spanish_answer.status_code == english_answer.status_code == 404
    assert spanish_answer.json()["detail"] == "No encontrado."
    assert english_answer.json()["detail"] == "Not found."


def test_api_error_detail_follows_accept_language_without_a_user(api_client):
    answer = api_client.get("/api/v1/auth/me", HTTP_ACCEPT_LANGUAGE="es")

    assert answer.status_code == 401
    assert answer.json()["detail"] == "Las credenciales de autenticación no se proveyeron."


def test_api_profile_sets_the_language_and_rejects_an_unknown_one(api_as, english):
    api = api_as(english)

    bad = api.patch("/api/v1/auth/me", {"language": "xx"}, format="json")
    assert bad.status_code == 400
    assert "language" in str(bad.json())

    answer = api.patch("/api/v1/auth/me", {"language": "es"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["language"] == "es"
    assert answer.json()["name"] == english.name

    again = api.patch("/api/v1/auth/me", {"language": "xx"}, format="json")
    assert "no es una elección válida" in str(again.json())


# --- e-mail --------------------------------------------------------------------------------------
def test_password_reset_mail_in_the_recipients_language(client, mailbox, spanish, english):
    client.post("/accounts/password_reset/", {"email": spanish.email}, HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/password_reset/", {"email": english.email}, HTTP_ACCEPT_LANGUAGE="es")

    by_recipient = {m.envelope_recipients[0]: m for m in mailbox.messages}
    spanish_mail, english_mail = by_recipient[spanish.email], by_recipient[english.email]
    assert spanish_mail["Subject"].startswith("Restablezca su contraseña")
    assert "Para elegir una contraseña nueva, abra este enlace:" in mailbox.body(spanish_mail)
    assert english_mail["Subject"].startswith("Reset your")
    assert "To choose a new password, open this link:" in mailbox.body(english_mail)


def test_notification_mail_in_the_recipients_language(mailbox, clinic, spanish, english):
    notify(event="notes.cosign_requested", recipients=[spanish, english], clinic=clinic)

    by_recipient = {m.envelope_recipients[0]: m for m in mailbox.messages}
    spanish_mail, english_mail = by_recipient[spanish.email], by_recipient[english.email]
    assert spanish_mail["Subject"] == f"Nota pendiente de su firma conjunta en {clinic.name}"
    assert "Tiene una notificación nueva" in mailbox.body(spanish_mail)
    assert english_mail["Subject"] == f"Note awaiting your co-signature at {clinic.name}"
    assert "You have a new notification" in mailbox.body(english_mail)


# --- the rule ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("chosen", "clinic_locale", "expected"),
    [
        ("", "en-US", "en-US"),  # the clinic's, with its date formats
        ("", "es", "es"),
        ("en", "en-US", "en-US"),  # the clinic's own language keeps the clinic's formats
        ("es", "en-US", "es"),
        ("en", "es", "en-GB"),  # English at a Spanish clinic: day-first dates still
        ("es", None, "es"),  # a platform superuser without a clinic
        ("", None, None),  # nobody says: Accept-Language decides
    ],
)
def test_which_language_a_person_reads(chosen, clinic_locale, expected):
    clinic = SimpleNamespace(locale_code=clinic_locale) if clinic_locale else None
    user = SimpleNamespace(language=chosen, clinic=clinic)

    assert language_for(user) == expected


def test_the_clinic_language_wins_over_the_browser_for_a_signed_in_user(api_as, english):
    answer = api_as(english).get(
        "/api/v1/patients/000000000000000000000000/", HTTP_ACCEPT_LANGUAGE="es"
    )

    assert answer.json()["detail"] == "Not found."


def test_appointment_reminder_in_the_patients_language(
    book, patient, provider, monday, tz, mailbox
):
    patient.user = UserFactory(
        clinic=patient.clinic, role=Role.PATIENT, language="es", email="paciente@example.org"
    )
    patient.email = "paciente@example.org"
    patient.save()
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))

    assert reminders.reminders_send(now=appointment.start - datetime.timedelta(hours=23)) == 1

    (message,) = mailbox.messages
    assert message["Subject"] == f"Recordatorio de cita: {patient.clinic.name}"
    assert "lunes" in mailbox.body(message)  # the weekday in Spanish too
    assert "Le recordamos su cita" in mailbox.body(message)
