"""Patients API: list/search/filter/sort, create (with duplicate warning), retrieve, PATCH,
archive (DELETE) and restore; tenancy (404), roles (403), audit rows and query counts."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from core.roles import Role
from patients.models import Patient
from tests.patients.factories import AllergyFactory, PatientFactory, portal_user

API = "/api/v1/patients"
PATIENT_FIELDS = {
    "id",
    "mrn",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "phone",
    "allergy_status",
    "email",
    "address",
    "emergency_contact",
    "preferred_language",
    "staff_notes",
    "is_archived",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "has_portal_account",
    "portal_account_status",
}
WRITERS = [Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST]
ALL_STAFF = [*WRITERS, Role.LAB_TECH]


def body(**overrides):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "date_of_birth": "1986-12-09",
        "sex": "female",
        "phone": "+44 20 7946 0000",
        "email": "Grace.Hopper@Example.org",
        "address": "1 Harbour Street\nPortsmouth",
        "emergency_contact": {
            "name": "Vincent Hopper",
            "relationship": "Spouse",
            "phone": "07700 900123",
        },
        "preferred_language": "English",
        "staff_notes": "Prefers morning appointments.",
    }
    data.update(overrides)
    return data


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert isinstance(data["detail"], str) and data["detail"]
    if field is not None:
        assert field in data["errors"], data
    return data


def audit_rows(**filters):
    return AuditEvent.objects.filter(**filters)


@pytest.fixture
def patient(clinic):
    return PatientFactory(
        clinic=clinic,
        first_name="Ada",
        last_name="Lovelace",
        preferred_name="Addie",
        date_of_birth=datetime.date(1990, 12, 10),
        phone="020 7946 0999",
        email="ada@example.org",
        staff_notes="Sensitive note",
    )


@pytest.fixture
def foreign(other_clinic):
    return PatientFactory(clinic=other_clinic, first_name="Otto", last_name="Other")


# --- list ----------------------------------------------------------------------------------------
def test_list_is_paginated_and_scoped_to_the_clinic(admin_api, patient, foreign):
    response = admin_api.get(f"{API}/")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"count", "count_estimated", "next", "previous", "results"}
    assert (data["count"], data["count_estimated"]) == (1, False)
    row = data["results"][0]
    assert set(row) == PATIENT_FIELDS
    assert row["id"] == patient.pk and isinstance(row["id"], str)
    assert row["mrn"] == patient.mrn
    assert row["date_of_birth"] == "1990-12-10"
    assert row["emergency_contact"] == {"name": "", "relationship": "", "phone": ""}


def test_list_without_trailing_slash_is_not_an_html_page(admin_api, patient):
    # /api/v1/patients (no slash) is outside the patients include: a JSON 404, never HTML.
    response = admin_api.get(API)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "query,expected",
    [
        ("ada", {"Ada"}),
        ("LOVE", {"Ada"}),
        ("addie", {"Ada"}),
        ("ada love", {"Ada"}),
        ("1990-12-10", {"Ada"}),
        ("10/12/1990", {"Ada"}),
        ("ada@example", {"Ada"}),
        ("020 7946 0999", {"Ada"}),
        ("00000001", {"Ada"}),
        ("babbage", {"Charles"}),
        ("otto", set()),
        ("zzz", set()),
    ],
)
def test_search(admin_api, clinic, patient, foreign, query, expected):
    PatientFactory(clinic=clinic, first_name="Charles", last_name="Babbage")
    response = admin_api.get(f"{API}/", {"search": query})
    assert response.status_code == 200
    assert {row["first_name"] for row in response.json()["results"]} == expected


def test_status_filter(admin_api, clinic, patient):
    archived = PatientFactory(clinic=clinic, is_archived=True)

    def ids(**params):
        return {row["id"] for row in admin_api.get(f"{API}/", params).json()["results"]}

    assert ids() == {patient.pk}
    assert ids(status="active") == {patient.pk}
    assert ids(status="archived") == {archived.pk}
    assert ids(status="all") == {patient.pk, archived.pk}


@pytest.mark.parametrize(
    "ordering,expected",
    [
        ("name", ["Adams", "Baker", "Clark"]),
        ("-name", ["Clark", "Baker", "Adams"]),
        ("dob", ["Clark", "Adams", "Baker"]),
        ("-dob", ["Baker", "Adams", "Clark"]),
        ("mrn", ["Baker", "Clark", "Adams"]),
        ("-mrn", ["Adams", "Clark", "Baker"]),
        ("created", ["Baker", "Clark", "Adams"]),
        ("-created", ["Adams", "Clark", "Baker"]),
    ],
)
def test_ordering(admin_api, clinic, ordering, expected):
    PatientFactory(clinic=clinic, last_name="Baker", date_of_birth=datetime.date(2000, 1, 1))
    PatientFactory(clinic=clinic, last_name="Clark", date_of_birth=datetime.date(1950, 1, 1))
    PatientFactory(clinic=clinic, last_name="Adams", date_of_birth=datetime.date(1975, 1, 1))

    rows = admin_api.get(f"{API}/", {"ordering": ordering}).json()["results"]
    assert [row["last_name"] for row in rows] == expected


@pytest.mark.parametrize("param,value", [("status", "deleted"), ("ordering", "email")])
def test_unknown_filter_values_are_400(admin_api, patient, param, value):
    assert_error(admin_api.get(f"{API}/", {param: value}), 400, param)


def test_list_pagination(admin_api, clinic):
    PatientFactory.create_batch(30, clinic=clinic)
    first = admin_api.get(f"{API}/", {"page_size": 20}).json()
    second = admin_api.get(first["next"]).json()
    assert first["count"] == 30
    assert len(first["results"]) == 20 and len(second["results"]) == 10
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_list_writes_one_view_row_per_patient_shown(admin_api, admin_user, clinic, patient):
    second = PatientFactory(clinic=clinic, first_name="Adam", last_name="Smith")
    not_on_page = PatientFactory(clinic=clinic, first_name="Adele", last_name="Young")
    before = AuditEvent.objects.count()

    admin_api.get(f"{API}/", {"search": "ada", "page_size": 2})

    assert AuditEvent.objects.count() == before + 2
    for shown in (patient, second):
        row = audit_rows(patient_id=shown.pk).get()
        assert row.action == "view" and row.actor == admin_user
        assert row.detail == "patient list; search: ada"
        assert row.clinic_id == admin_user.clinic_id
    assert not audit_rows(patient_id=not_on_page.pk).exists()


@pytest.mark.parametrize("role", ALL_STAFF)
def test_every_staff_role_may_list(api_as, staff, patient, role):
    assert api_as(staff[role]).get(f"{API}/").json()["count"] == 1


@pytest.mark.django_db
def test_anonymous_is_401(api_client):
    assert_error(api_client.get(f"{API}/"), 401)
    assert_error(api_client.post(f"{API}/", body(), format="json"), 401)


def test_list_costs_the_same_queries_for_1_and_50_patients(admin_api, clinic, staff, patient):
    portal_user(patient)
    with CaptureQueriesContext(connection) as one:
        assert admin_api.get(f"{API}/", {"page_size": 100}).json()["count"] == 1
    for n in range(49):
        created = PatientFactory(clinic=clinic, created_by=staff[Role.NURSE])
        if n % 3 == 0:
            portal_user(created)
    with CaptureQueriesContext(connection) as fifty:
        assert admin_api.get(f"{API}/", {"page_size": 100}).json()["count"] == 50
    assert len(one) == len(fifty), [q["sql"] for q in fifty.captured_queries]
    assert len(fifty) <= 6


# --- create --------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", WRITERS)
def test_create(api_as, staff, role):
    actor = staff[role]
    response = api_as(actor).post(f"{API}/", body(), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == PATIENT_FIELDS
    patient = Patient.objects.get(pk=data["id"])
    assert patient.clinic == actor.clinic
    assert data["mrn"] == patient.mrn and re.fullmatch(r"\d{8}", data["mrn"])
    assert data["email"] == "grace.hopper@example.org"
    assert data["emergency_contact"] == {
        "name": "Vincent Hopper",
        "relationship": "Spouse",
        "phone": "07700 900123",  # a drama-reserved range: not a valid number, kept as sent
    }
    assert patient.emergency_contact_relationship == "Spouse"
    assert data["created_by"] == data["updated_by"] == actor.name
    assert data["is_archived"] is False
    assert data["has_portal_account"] is False and data["portal_account_status"] == "none"
    assert patient.last_name_key == "hopper"
    rows = audit_rows(patient_id=patient.pk)
    assert [r.action for r in rows] == ["create"]


def test_create_minimal_and_mrns_increase(admin_api):
    first = admin_api.post(
        f"{API}/",
        {"first_name": "A", "last_name": "B", "date_of_birth": "2001-01-01"},
        format="json",
    ).json()
    second = admin_api.post(
        f"{API}/",
        {"first_name": "C", "last_name": "D", "date_of_birth": "2001-01-01"},
        format="json",
    ).json()
    assert first["sex"] == "unknown"
    assert int(second["mrn"]) == int(first["mrn"]) + 1


def test_mrn_and_read_only_fields_are_ignored(admin_api):
    response = admin_api.post(
        f"{API}/", body(mrn="99999999", id="x" * 24, is_archived=True), format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["mrn"] != "99999999" and data["id"] != "x" * 24 and data["is_archived"] is False


def test_duplicate_is_409_until_confirmed(admin_api, patient):
    duplicate = body(first_name=" ada ", last_name="LOVELACE", date_of_birth="1990-12-10")
    count = Patient.objects.count()

    response = admin_api.post(f"{API}/", duplicate, format="json")

    assert response.status_code == 409
    data = response.json()
    assert data["detail"]
    assert data["duplicates"] == [
        {
            "id": patient.pk,
            "mrn": patient.mrn,
            "name": "Ada Lovelace",
            "date_of_birth": "1990-12-10",
        }
    ]
    assert Patient.objects.count() == count

    confirmed = admin_api.post(f"{API}/", {**duplicate, "confirm_duplicate": True}, format="json")
    assert confirmed.status_code == 201
    assert Patient.objects.count() == count + 1


def test_a_rename_like_another_patient_is_409_until_confirmed(admin_api, patient, clinic):
    other = Patient.objects.create(
        clinic=clinic,
        mrn="00000777",
        first_name="Ada",
        last_name="Byron",
        date_of_birth=patient.date_of_birth,
    )

    response = admin_api.patch(f"{API}/{other.pk}/", {"last_name": "Lovelace"}, format="json")

    assert response.status_code == 409
    assert [row["id"] for row in response.json()["duplicates"]] == [patient.pk]
    assert Patient.objects.get(pk=other.pk).last_name == "Byron"

    confirmed = admin_api.patch(
        f"{API}/{other.pk}/", {"last_name": "Lovelace", "confirm_duplicate": True}, format="json"
    )
    assert confirmed.status_code == 200
    assert Patient.objects.get(pk=other.pk).last_name == "Lovelace"


def test_same_name_other_clinic_is_no_duplicate(api_as, other_admin, patient):
    response = api_as(other_admin).post(
        f"{API}/",
        body(first_name="Ada", last_name="Lovelace", date_of_birth="1990-12-10"),
        format="json",
    )
    assert response.status_code == 201


def future_date():
    """A date after today in every timezone (the clinic's today may be UTC's tomorrow)."""
    return (timezone.localdate() + datetime.timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    "field,value",
    [
        ("date_of_birth", "1990-02-30"),
        ("date_of_birth", "12/10/1990x"),
        ("date_of_birth", "not a date"),
        ("date_of_birth", 19901210),
        ("date_of_birth", None),
        ("date_of_birth", "1850-01-01"),
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("sex", "robot"),
        ("sex", 1),
        ("first_name", ""),
        ("first_name", None),
        ("first_name", ["Ada"]),
        ("first_name", {"x": 1}),
        ("last_name", "x" * 101),
        ("emergency_contact", "Vincent"),
        ("emergency_contact", None),
        ("emergency_contact", {"phone": "x" * 41}),
        ("confirm_duplicate", "maybe"),
    ],
)
def test_create_validation_is_400_with_the_field(admin_api, field, value):
    count = Patient.objects.count()
    response = admin_api.post(f"{API}/", body(**{field: value}), format="json")
    data = assert_error(response, 400, field)
    assert data["errors"][field]
    assert Patient.objects.count() == count


def test_future_date_of_birth_is_400(admin_api):
    data = assert_error(
        admin_api.post(f"{API}/", body(date_of_birth=future_date()), format="json"),
        400,
        "date_of_birth",
    )
    assert "future" in data["detail"]


@pytest.mark.parametrize("field", ["first_name", "last_name", "date_of_birth"])
def test_required_fields(admin_api, field):
    data = body()
    del data[field]
    assert_error(admin_api.post(f"{API}/", data, format="json"), 400, field)


@pytest.mark.parametrize("raw", ['{"first_name": ', "[1, 2]", "nul", '"text"'])
def test_malformed_json_is_400(admin_api, raw):
    response = admin_api.post(f"{API}/", data=raw, content_type="application/json")
    assert_error(response, 400)


@pytest.mark.parametrize("role", [Role.LAB_TECH])
def test_lab_tech_cannot_create(api_as, staff, role):
    assert_error(api_as(staff[role]).post(f"{API}/", body(), format="json"), 403)
    assert not Patient.objects.exists()


def test_lab_tech_is_403_before_validation(api_as, staff):
    assert_error(api_as(staff[Role.LAB_TECH]).post(f"{API}/", {}, format="json"), 403)


# --- retrieve ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_STAFF)
def test_retrieve(api_as, staff, patient, role):
    response = api_as(staff[role]).get(f"{API}/{patient.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == PATIENT_FIELDS
    assert data["staff_notes"] == "Sensitive note"
    assert data["preferred_name"] == "Addie"
    assert re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$", data["created_at"]
    )


def test_retrieve_works_without_trailing_slash(admin_api, patient):
    assert admin_api.get(f"{API}/{patient.pk}").status_code == 200


def test_retrieve_writes_exactly_one_view_row(admin_api, admin_user, patient):
    before = AuditEvent.objects.count()
    admin_api.get(f"{API}/{patient.pk}/")
    assert AuditEvent.objects.count() == before + 1
    row = audit_rows(patient_id=patient.pk).get()
    assert (row.action, row.actor, row.clinic_id) == ("view", admin_user, patient.clinic_id)


def test_retrieve_archived_record_for_staff(admin_api, clinic):
    archived = PatientFactory(clinic=clinic, is_archived=True)
    assert admin_api.get(f"{API}/{archived.pk}/").json()["is_archived"] is True


@pytest.mark.parametrize(
    "pk",
    ["0", "123", "x" * 24, "a" * 65, "%20", "not-an-id", "507f1f77bcf86cd799439011", "1.5"],
)
def test_unknown_or_malformed_ids_are_404(admin_api, patient, pk):
    assert_error(admin_api.get(f"{API}/{pk}/"), 404)
    assert_error(admin_api.patch(f"{API}/{pk}/", {"first_name": "X"}, format="json"), 404)
    assert_error(admin_api.delete(f"{API}/{pk}/"), 404)


def test_detail_query_count_is_small(admin_api, patient, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        admin_api.get(f"{API}/{patient.pk}/")


# --- update --------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", WRITERS)
def test_patch(api_as, staff, patient, role):
    actor = staff[role]
    response = api_as(actor).patch(
        f"{API}/{patient.pk}/",
        {"phone": "+1 212 555 0142", "emergency_contact": {"name": "Byron"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["phone"] == "+12125550142"  # E.164
    assert data["emergency_contact"]["name"] == "Byron"
    assert data["first_name"] == "Ada"  # untouched
    assert data["updated_by"] == actor.name
    patient.refresh_from_db()
    assert patient.phone_key == "2125550142"  # the national number, searched in any format
    row = audit_rows(patient_id=patient.pk).get()
    assert row.action == "update"
    assert "phone" in row.detail and "emergency_contact_name" in row.detail


def test_patch_renames_and_updates_search_keys(admin_api, patient):
    admin_api.patch(f"{API}/{patient.pk}/", {"last_name": "Byron"}, format="json")
    assert admin_api.get(f"{API}/", {"search": "byron"}).json()["count"] == 1


@pytest.mark.parametrize(
    "field,value",
    [
        ("date_of_birth", "2999-01-01"),
        ("date_of_birth", "31/31/2000"),
        ("email", "nope"),
        ("sex", "F"),
        ("first_name", ""),
        ("first_name", ["x"]),
        ("staff_notes", "Call before 1\u202e0 am"),  # a text-direction override
    ],
)
def test_patch_validation(admin_api, patient, field, value):
    assert_error(admin_api.patch(f"{API}/{patient.pk}/", {field: value}, format="json"), 400, field)
    patient.refresh_from_db()
    assert patient.first_name == "Ada" and patient.email == "ada@example.org"


def test_patch_ignores_read_only_fields(admin_api, patient):
    response = admin_api.patch(
        f"{API}/{patient.pk}/", {"mrn": "1", "is_archived": True, "id": "zzz"}, format="json"
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.mrn != "1" and not patient.is_archived


def test_lab_tech_cannot_patch(api_as, staff, patient):
    assert_error(
        api_as(staff[Role.LAB_TECH]).patch(f"{API}/{patient.pk}/", {"first_name": "Z"}), 403
    )
    patient.refresh_from_db()
    assert patient.first_name == "Ada"


def test_put_is_405(admin_api, patient):
    assert_error(admin_api.put(f"{API}/{patient.pk}/", body(), format="json"), 405)


# --- archive and restore -------------------------------------------------------------------------
@pytest.mark.parametrize("role", WRITERS)
def test_archive_and_restore(api_as, staff, patient, role):
    client = api_as(staff[role])
    before = patient.updated_at

    archived = client.delete(f"{API}/{patient.pk}/")

    assert archived.status_code == 200
    assert archived.json()["is_archived"] is True
    assert archived.json()["updated_by"] == staff[role].name
    patient.refresh_from_db()
    assert patient.is_archived and patient.updated_at >= before
    assert Patient.objects.filter(pk=patient.pk).exists()  # archived, not deleted
    assert client.get(f"{API}/").json()["count"] == 0
    assert client.get(f"{API}/", {"status": "archived"}).json()["count"] == 1

    restored = client.post(f"{API}/{patient.pk}/restore", {"reason": "archived by mistake"})

    assert restored.status_code == 200
    assert restored.json()["is_archived"] is False
    assert client.get(f"{API}/").json()["count"] == 1
    details = list(
        audit_rows(patient_id=patient.pk, action="update")
        .order_by("created_at", "id")
        .values_list("detail", flat=True)
    )
    assert details == ["archived", "restored: archived by mistake"]


def test_restore_with_empty_body(admin_api, clinic):
    archived = PatientFactory(clinic=clinic, is_archived=True)
    response = admin_api.post(f"{API}/{archived.pk}/restore/", {}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"] is False


def test_lab_tech_cannot_archive_or_restore(api_as, staff, patient):
    client = api_as(staff[Role.LAB_TECH])
    assert_error(client.delete(f"{API}/{patient.pk}/"), 403)
    assert_error(client.post(f"{API}/{patient.pk}/restore", {}, format="json"), 403)
    patient.refresh_from_db()
    assert not patient.is_archived


# --- tenancy (the 404 of every endpoint for every role is in test_access_matrix.py) ---------------
def test_other_clinic_search_finds_nothing(admin_api, foreign):
    assert admin_api.get(f"{API}/", {"search": "otto", "status": "all"}).json()["count"] == 0


# --- patient users -------------------------------------------------------------------------------
@pytest.fixture
def me(patient):
    return portal_user(patient)


def test_patient_user_lists_only_themself(api_as, clinic, patient, me):
    PatientFactory(clinic=clinic, first_name="Someone", last_name="Else")
    data = api_as(me).get(f"{API}/", {"status": "all"}).json()
    assert [row["id"] for row in data["results"]] == [patient.pk]
    assert "staff_notes" not in data["results"][0]


def test_staff_notes_follow_each_reader_in_turn(api_as, clinician, patient, me):
    """The serializer's fields are built once per process (core.api.ModelSerializer); what one
    reader may not see is still decided for every request, whoever asked before."""
    for reader, sees_notes in ((clinician, True), (me, False), (clinician, True), (me, False)):
        row = api_as(reader).get(f"{API}/", {"status": "all"}).json()["results"][0]
        record = api_as(reader).get(f"{API}/{patient.pk}/").json()
        assert ("staff_notes" in row, "staff_notes" in record) == (sees_notes, sees_notes)
    assert record["id"] == patient.pk and set(record) == PATIENT_FIELDS - {"staff_notes"}


def test_patient_user_reads_own_record_without_staff_notes(api_as, patient, me):
    response = api_as(me).get(f"{API}/{patient.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert "staff_notes" not in data
    assert set(data) == PATIENT_FIELDS - {"staff_notes"}
    assert data["has_portal_account"] is True and data["portal_account_status"] == "active"
    assert "Sensitive note" not in response.content.decode()


def test_patient_user_gets_404_for_other_patients(api_as, clinic, me, foreign):
    neighbour = PatientFactory(clinic=clinic)
    assert_error(api_as(me).get(f"{API}/{neighbour.pk}/"), 404)
    assert_error(api_as(me).get(f"{API}/{foreign.pk}/"), 404)


@pytest.mark.parametrize(
    "method,path,data",
    [
        ("post", "", body()),
        ("patch", "{}/", {"phone": "+44 1234 567890"}),
        ("delete", "{}/", None),
        ("post", "{}/invite", {}),
    ],
)
def test_patient_user_cannot_write(api_as, patient, me, method, path, data):
    response = getattr(api_as(me), method)(f"{API}/{path.format(patient.pk)}", data, format="json")
    assert_error(response, 403)
    patient.refresh_from_db()
    assert patient.phone == "+442079460999" and not patient.is_archived


def test_archived_patient_user_sees_nothing(api_as, patient, me):
    Patient.objects.filter(pk=patient.pk).update(is_archived=True)
    assert api_as(me).get(f"{API}/").json()["count"] == 0
    assert_error(api_as(me).get(f"{API}/{patient.pk}/"), 404)


def test_archived_record_closes_its_clinical_records_to_the_patient(api_as, staff, patient, me):
    allergy = AllergyFactory(patient=patient)
    path = f"{API}/{patient.pk}/allergies/{allergy.pk}"
    assert api_as(me).get(path).status_code == 200
    Patient.objects.filter(pk=patient.pk).update(is_archived=True)
    assert_error(api_as(me).get(path), 404)
    assert api_as(staff[Role.CLINICIAN]).get(path).status_code == 200  # staff still read it
