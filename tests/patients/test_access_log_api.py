"""`GET /api/v1/patients/{id}/access-log`: who read or changed a record.

Clinic admins and the patient themself may read it; other roles 403; other clinics 404.
Reading it is itself one audited view.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from core.roles import Role
from patients import services
from patients.models import AllergyStatus, Patient
from tests.patients.factories import (
    AllergyFactory,
    ConditionFactory,
    MedicationFactory,
    PatientFactory,
    portal_user,
)

API = "/api/v1/patients"
FIELDS = {
    "id", "who", "role", "action", "action_label", "time", "detail", "detail_label", "ip_address",
}  # fmt: skip


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")


def log_url(patient):
    return f"{API}/{patient.pk}/access-log"


def test_admin_sees_who_did_what(api_as, staff, admin_user, patient):
    nurse, receptionist = staff[Role.NURSE], staff[Role.RECEPTIONIST]
    api_as(nurse).get(f"{API}/{patient.pk}/")
    api_as(nurse).get(f"{API}/{patient.pk}/allergies/")
    api_as(receptionist).patch(f"{API}/{patient.pk}/", {"phone": "+44 1234 567890"})

    response = api_as(admin_user).get(log_url(patient))

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 4  # three accesses, and this read of the log
    rows = data["results"]
    assert all(set(row) == FIELDS for row in rows)
    # Newest first: the admin reading the log, then the receptionist's edit, then the nurse.
    assert [(r["who"], r["role"], r["action"]) for r in rows] == [
        (admin_user.name, "admin", "view"),
        (receptionist.name, "receptionist", "update"),
        (nurse.name, "nurse", "view"),
        (nurse.name, "nurse", "view"),
    ]
    assert rows[0]["detail"] == "access log"
    assert rows[2]["detail"] == "allergies"
    assert rows[1]["action_label"] == "update"
    assert rows[1]["ip_address"] == "127.0.0.1"


def test_an_admin_reads_the_detail_in_their_language(api_as, staff, admin_user, patient):
    """The stored detail is English (and field names); `detail_label` is what the patient
    page's access log shows the reader: field labels, and the services' words translated."""
    admin_user.language = "es"
    admin_user.save()
    api_as(staff[Role.NURSE]).get(f"{API}/{patient.pk}/allergies/")
    api_as(staff[Role.RECEPTIONIST]).patch(f"{API}/{patient.pk}/", {"phone": "+44 1234 567890"})

    rows = api_as(admin_user).get(log_url(patient)).json()["results"]

    assert [(row["detail"], row["detail_label"]) for row in rows] == [
        ("access log", "registro de accesos"),
        ("phone", "Teléfono"),
        ("allergies", "alergias"),
    ]


def test_archiving_and_the_allergy_status_read_in_words(api_as, staff, admin_user, patient):
    """Stored as codes and English words; read as the pages word them, in Spanish here."""
    admin_user.language = "es"
    admin_user.save()
    clinician = staff[Role.CLINICIAN]
    services.allergy_status_set(
        actor=clinician, patient=patient, status=AllergyStatus.NO_KNOWN_ALLERGIES
    )
    services.patient_set_archived(actor=admin_user, patient=patient, archived=True)

    rows = api_as(admin_user).get(log_url(patient)).json()["results"]

    shown = {row["detail"]: row["detail_label"] for row in rows}
    assert shown["archived"] == "archivado"
    assert shown["allergy_status=no_known_allergies"].startswith("Estado de alergias")
    assert "_" not in shown["allergy_status=no_known_allergies"]


def test_a_search_and_a_reason_read_in_the_readers_language_as_typed(
    client, api_as, staff, admin_user, patient
):
    """The service's words translated, what the user typed as they typed it."""
    admin_user.language = "es"
    admin_user.save()
    nurse = staff[Role.NURSE]
    client.force_login(nurse)
    assert client.get("/patients/search/", {"q": "Love"}).status_code == 200
    assert api_as(nurse).get(f"{API}/", {"search": "Lovelace"}).status_code == 200
    services.patient_set_archived(
        actor=admin_user, patient=patient, archived=True, reason="Moved abroad: no forwarding"
    )

    rows = api_as(admin_user).get(log_url(patient)).json()["results"]

    shown = {row["detail"]: row["detail_label"] for row in rows}
    assert shown["header search: Love"] == "búsqueda en la cabecera: Love"
    assert shown["patient list; search: Lovelace"] == "lista de pacientes; búsqueda: Lovelace"
    assert shown["archived: Moved abroad: no forwarding"] == (
        "archivado: Moved abroad: no forwarding"
    )


def test_typed_words_that_are_field_names_read_as_typed(client, api_as, staff, admin_user, patient):
    """A reason "email" or a search "phone" is what the user typed, not the E-mail or Phone
    field; a field list after "profile: " or alone still reads by its labels."""
    renamed = {"email": "a@example.org", "last_name": "Phone"}
    receptionist = api_as(staff[Role.RECEPTIONIST])
    assert receptionist.patch(f"{API}/{patient.pk}/", renamed).status_code == 200
    client.force_login(staff[Role.NURSE])
    assert client.get("/patients/search/", {"q": "phone"}).status_code == 200
    services.patient_set_archived(actor=admin_user, patient=patient, archived=True, reason="email")
    services.patient_set_archived(actor=admin_user, patient=patient, archived=False)
    services.patient_set_archived(
        actor=admin_user, patient=patient, archived=True, reason="moved; email"
    )

    rows = api_as(admin_user).get(log_url(patient)).json()["results"]

    shown = {row["detail"]: row["detail_label"] for row in rows}
    assert shown["archived: email"] == "archived: email"
    assert shown["archived: moved; email"] == "archived: moved; email"
    assert shown["header search: phone"] == "header search: phone"
    assert shown["email, last_name"] == "E-mail, Last name"


def test_patient_sees_who_read_their_record(api_as, clinician, patient):
    me = portal_user(patient)
    api_as(clinician).get(f"{API}/{patient.pk}/fhir")

    response = api_as(me).get(log_url(patient))

    assert response.status_code == 200
    rows = response.json()["results"]
    staff_words = {"ip_address", "detail", "detail_label"}
    assert all(set(row) == FIELDS - staff_words for row in rows)
    assert [(row["who"], row["role"], row["action"]) for row in rows] == [
        (clinician.name, "clinician", "export")
    ]  # not their own reads: an app's every opening wrote some, and they hid the staff


def test_a_patient_may_ask_for_their_own_reads_too(api_as, clinician, admin_user, patient):
    me = portal_user(patient)
    api_as(me).get(f"{API}/{patient.pk}/")
    api_as(clinician).get(f"{API}/{patient.pk}/")

    own = api_as(me).get(log_url(patient), {"own": "true"}).json()["results"]
    admins = api_as(admin_user).get(log_url(patient)).json()["results"]

    assert [row["role"] for row in own] == ["patient", "clinician", "patient"]
    assert [row["role"] for row in admins] == ["admin", "patient", "clinician", "patient"]
    assert api_as(me).get(log_url(patient), {"own": "yes"}).status_code == 400


def test_log_shows_only_this_patients_events(admin_api, clinic, patient):
    other = PatientFactory(clinic=clinic)
    admin_api.get(f"{API}/{other.pk}/")
    admin_api.get(f"{API}/", {"search": other.mrn})  # a list page showing only the other
    rows = admin_api.get(log_url(patient)).json()["results"]
    assert len(rows) == 1 and rows[0]["detail"] == "access log"


def test_a_list_page_showing_the_patient_is_in_their_log(api_as, clinician, admin_api, patient):
    api_as(clinician).get(f"{API}/")
    rows = admin_api.get(log_url(patient)).json()["results"]
    assert [(r["who"], r["action"], r["detail"]) for r in rows[1:]] == [
        (clinician.name, "view", "patient list")
    ]


def test_reading_the_log_writes_exactly_one_row(api_as, admin_user, patient):
    before = AuditEvent.objects.count()
    api_as(admin_user).get(log_url(patient))
    assert AuditEvent.objects.count() == before + 1
    row = AuditEvent.objects.get(patient_id=patient.pk)
    assert (row.action, row.actor, row.detail) == ("view", admin_user, "access log")


def test_patient_cannot_read_another_patients_log(api_as, clinic, patient):
    me = portal_user(patient)
    neighbour = PatientFactory(clinic=clinic)
    assert api_as(me).get(log_url(neighbour)).status_code == 404


@pytest.mark.django_db
def test_anonymous_is_401(api_client, clinic):
    patient = PatientFactory(clinic=clinic)
    assert api_client.get(log_url(patient)).status_code == 401


def test_paginated_and_constant_queries(api_as, staff, admin_api, patient):
    with CaptureQueriesContext(connection) as one:
        assert admin_api.get(log_url(patient), {"page_size": 100}).json()["count"] == 1
    for n in range(49):
        role = [Role.NURSE, Role.CLINICIAN, Role.RECEPTIONIST][n % 3]
        api_as(staff[role]).get(f"{API}/{patient.pk}/")
    with CaptureQueriesContext(connection) as many:
        assert admin_api.get(log_url(patient), {"page_size": 100}).json()["count"] == 51
    assert len(one) == len(many), [q["sql"] for q in many.captured_queries]
    page = admin_api.get(log_url(patient), {"page_size": 20}).json()
    assert len(page["results"]) == 20 and page["next"]


# --- the Django admin: opening a record is an audited view too ---------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/patients/patient/",
        "/admin/patients/patient/?q=lovelace&is_archived__exact=0",
        "/admin/patients/patient/?sex__exact=female",
        "/admin/patients/allergy/",
        "/admin/patients/condition/?q=E11",
        "/admin/patients/medication/",
    ],
)
def test_admin_pages_load(superuser_web, patient, url):
    AllergyFactory(patient=patient)
    ConditionFactory(patient=patient)
    MedicationFactory(patient=patient)
    assert superuser_web.get(url).status_code == 200


def test_admin_change_page_writes_one_view_row(superuser_web, patient):
    AllergyFactory(patient=patient, substance="Peanuts")
    before = AuditEvent.objects.count()

    response = superuser_web.get(f"/admin/patients/patient/{patient.pk}/change/")

    assert response.status_code == 200
    assert b"Peanuts" in response.content  # the clinical inlines
    assert AuditEvent.objects.count() == before + 1
    row = AuditEvent.objects.get(patient_id=patient.pk)
    assert (row.action, row.actor, row.clinic_id) == ("view", superuser_web.user, patient.clinic_id)


def test_admin_unknown_patient_writes_nothing(superuser_web):
    before = AuditEvent.objects.count()
    superuser_web.get("/admin/patients/patient/nope/change/")
    assert AuditEvent.objects.count() == before


def test_admin_cannot_add_change_or_delete_a_patient(superuser_web, clinic, patient):
    """Clinical records are written in the clinic's pages and API only: the admin reads them."""
    before = list(AuditEvent.objects.values_list("pk", flat=True))
    add = superuser_web.post(
        "/admin/patients/patient/add/",
        {"clinic": clinic.pk, "first_name": "Mary", "last_name": "Somerville", "sex": "female"},
    )
    change = superuser_web.post(
        f"/admin/patients/patient/{patient.pk}/change/", {"last_name": "Rewritten"}
    )
    delete = superuser_web.post(f"/admin/patients/patient/{patient.pk}/delete/", {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert not Patient.objects.filter(last_name="Somerville").exists()
    patient.refresh_from_db()
    assert patient.last_name != "Rewritten"
    written = AuditEvent.objects.exclude(pk__in=before).values_list("action", flat=True)
    assert set(written) == {"refused"}  # three refusals, no create, update or delete
