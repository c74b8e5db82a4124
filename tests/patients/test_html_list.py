"""The patient list: search by every kind, filters, sorting, paging, empty states, the audit
(one 'view' row per patient shown), query counts."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from core.roles import Role
from patients.models import Patient
from tests.patients.factories import PatientFactory
from tests.patients.html_factories import list_rows, page_text

LIST = "/patients/"


@pytest.fixture
def web(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def people(clinic):
    """A few patients with distinct names, phones, e-mails and birthdays."""
    return {
        "joanna": PatientFactory(
            clinic=clinic,
            first_name="Joanna",
            last_name="Smith",
            preferred_name="Jo",
            date_of_birth=datetime.date(1984, 3, 9),
            phone="+44 20 7946 0018",
            email="joanna.smith@example.org",
        ),
        "jose": PatientFactory(
            clinic=clinic,
            first_name="José",
            last_name="Álvarez-Núñez",
            date_of_birth=datetime.date(1990, 11, 2),
            phone="07700 900123",
            email="jose@example.com",
        ),
        "brian": PatientFactory(
            clinic=clinic,
            first_name="Brian",
            last_name="O'Neill",
            date_of_birth=datetime.date(1955, 7, 30),
            phone="",
            email="",
        ),
    }


def mrns(*patients) -> list[str]:
    return [patient.mrn for patient in patients]


def test_list_shows_the_clinics_patients_with_their_mrn(web, people, other_clinic):
    stranger = PatientFactory(clinic=other_clinic, first_name="Hidden", last_name="Stranger")

    response = web.get(LIST)

    assert response.status_code == 200
    assert sorted(list_rows(response)) == sorted(mrns(*people.values()))
    page = page_text(response)
    assert "Stranger" not in page
    assert f"/patients/{stranger.pk}/" not in page
    for patient in people.values():
        assert f'href="/patients/{patient.pk}/"' in page
        assert patient.mrn in page


@pytest.mark.parametrize(
    "query,expected",
    [
        ("smith", ["joanna"]),  # last name
        ("JOA", ["joanna"]),  # start of the first name, any case
        ("jo", ["joanna", "jose"]),  # preferred name "Jo" and "José"
        ("jose", ["jose"]),  # accents ignored
        ("alvarez", ["jose"]),  # accents ignored in last names too
        ("jo smi", ["joanna"]),  # every word must match a name part
        ("o'neill", ["brian"]),
        ("mith", []),  # names match from the start of a part only
        ("joanna.smith@example.org", ["joanna"]),  # e-mail
        ("JOSE@", ["jose"]),  # start of an e-mail, any case
        ("+44 20 7946 0018", ["joanna"]),  # phone as written
        ("0770090", ["jose"]),  # start of a phone, digits only
        ("1984-03-09", ["joanna"]),  # date of birth, ISO
        ("02/11/1990", ["jose"]),  # date of birth, day first
    ],
)
def test_search(web, people, query, expected):
    response = web.get(LIST, {"q": query})

    assert response.status_code == 200
    assert sorted(list_rows(response)) == sorted(mrns(*(people[key] for key in expected)))


def test_search_by_mrn(web, people):
    patient = people["brian"]

    response = web.get(LIST, {"q": patient.mrn})

    assert list_rows(response) == [patient.mrn]
    # the start of an MRN matches too
    assert sorted(list_rows(web.get(LIST, {"q": patient.mrn[:-1]}))) == sorted(
        mrns(*people.values())
    )


def test_no_match_says_so_and_keeps_the_query(web, people):
    response = web.get(LIST, {"q": "zzyzx"})

    page = page_text(response)
    assert "No patient matches “zzyzx”." in page
    assert 'value="zzyzx"' in page
    assert list_rows(response) == []


def test_empty_clinic_invites_to_add_the_first(web, clinic):
    page = page_text(web.get(LIST))

    assert "No patients yet —" in page
    assert 'href="/patients/new/">add the first' in page


def test_archived_filter(web, people):
    archived = people["brian"]
    archived.is_archived = True
    archived.save()

    active = web.get(LIST)
    only_archived = web.get(LIST, {"status": "archived"})
    everyone = web.get(LIST, {"status": "all"})

    assert archived.mrn not in list_rows(active)
    assert list_rows(only_archived) == [archived.mrn]
    assert "Archived" in page_text(only_archived)
    assert sorted(list_rows(everyone)) == sorted(mrns(*people.values()))


def test_no_archived_patients_empty_state(web, people):
    assert "No archived patients." in page_text(web.get(LIST, {"status": "archived"}))


@pytest.mark.parametrize(
    "sort,order",
    [
        ("name", ["jose", "brian", "joanna"]),  # Álvarez, O'Neill, Smith
        ("-name", ["joanna", "brian", "jose"]),
        ("dob", ["brian", "joanna", "jose"]),
        ("-dob", ["jose", "joanna", "brian"]),
        ("mrn", ["joanna", "jose", "brian"]),
        ("-mrn", ["brian", "jose", "joanna"]),
        ("created", ["joanna", "jose", "brian"]),
        ("-created", ["brian", "jose", "joanna"]),
    ],
)
def test_sort(web, people, sort, order):
    response = web.get(LIST, {"sort": sort})

    assert list_rows(response) == mrns(*(people[key] for key in order))


def test_malformed_filters_are_ignored(web, people):
    response = web.get(LIST, {"sort": "password", "status": "deleted", "page": "x"})

    assert response.status_code == 200
    assert len(list_rows(response)) == 3


def test_pagination_keeps_the_search_and_sort(web, clinic):
    PatientFactory.create_batch(30, clinic=clinic, last_name="Taylor")
    PatientFactory(clinic=clinic, last_name="Other")

    first = web.get(LIST, {"q": "tay", "sort": "-mrn"})
    second = web.get(LIST, {"q": "tay", "sort": "-mrn", "page": 2})

    assert len(list_rows(first)) == 25
    assert len(list_rows(second)) == 5
    page = page_text(first)
    assert "Showing 1–25 of 30" in page
    assert "?q=tay&amp;sort=-mrn&amp;page=2" in first.content.decode()
    assert list_rows(first) + list_rows(second) == sorted(
        list_rows(first) + list_rows(second), reverse=True
    )


def test_each_patient_shown_is_audited_as_read_once(web, admin_user, clinic):
    shown = PatientFactory.create_batch(25, clinic=clinic, last_name="Taylor")
    beyond_the_page = PatientFactory(clinic=clinic, last_name="Young")

    web.get(LIST, {"q": "", "sort": "name"})

    rows = AuditEvent.objects.filter(action="view", actor=admin_user)
    assert sorted(rows.values_list("patient_id", flat=True)) == sorted(p.pk for p in shown)
    assert not AuditEvent.objects.filter(patient_id=beyond_the_page.pk).exists()
    assert {row.detail for row in rows} == {"patient list"}


def test_a_search_is_named_in_the_audit_rows_and_an_empty_page_writes_none(web, people):
    web.get(LIST, {"q": "smith"})
    web.get(LIST, {"q": "nobody-by-that-name"})

    row = AuditEvent.objects.get(action="view")
    assert (row.patient_id, row.detail) == (people["joanna"].pk, "patient list; search: smith")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST])
def test_new_patient_button_for_roles_that_may_create(client, staff, role):
    client.force_login(staff[role])

    assert 'href="/patients/new/">New patient' in page_text(client.get(LIST))


def test_no_new_patient_button_for_lab_technicians(client, staff, people):
    client.force_login(staff[Role.LAB_TECH])

    response = client.get(LIST)

    assert response.status_code == 200
    assert "New patient" not in page_text(response)
    assert len(list_rows(response)) == 3


def test_navigation_links_to_the_list(web):
    home = page_text(web.get("/"))

    assert 'href="/patients/"' in home


def test_list_costs_the_same_queries_for_1_or_50_patients_but_the_count(web, clinic):
    PatientFactory(clinic=clinic)
    with CaptureQueriesContext(connection) as one:
        assert len(list_rows(web.get(LIST))) == 1
    PatientFactory.create_batch(49, clinic=clinic)
    with CaptureQueriesContext(connection) as fifty:
        assert len(list_rows(web.get(LIST, {"status": "all", "sort": "-created"}))) == 25

    # One query more: the count (a list its first page holds is counted by it).
    assert len(fifty) == len(one) + 1


def test_search_costs_the_same_queries_for_1_or_50_matches_but_the_count(web, clinic):
    PatientFactory(clinic=clinic, last_name="Evans")
    with CaptureQueriesContext(connection) as one:
        assert len(list_rows(web.get(LIST, {"q": "evans"}))) == 1
    PatientFactory.create_batch(49, clinic=clinic, last_name="Evans")
    with CaptureQueriesContext(connection) as fifty:
        assert len(list_rows(web.get(LIST, {"q": "evans", "page": 2}))) == 25

    # One query more: the count (a list its first page holds is counted by it).
    assert len(fifty) == len(one) + 1


def test_the_sex_column_is_in_the_readers_language_and_keeps_an_unknown_stored_value(
    client, clinic, admin_user
):
    PatientFactory(clinic=clinic, last_name="Garcia", sex="female")
    odd = PatientFactory(clinic=clinic, last_name="Odd")
    Patient.objects.filter(pk=odd.pk).update(sex="x-legacy")  # an old import's value
    client.force_login(admin_user)
    for language, female in [("en", "Female"), ("es", "Mujer")]:  # labels are not frozen
        admin_user.language = language
        admin_user.save(update_fields=["language"])
        page = client.get(LIST + "?sort=name").content.decode()
        cells = re.findall(r"<td>([^<]*)</td>", page)
        assert female in cells and "x-legacy" in cells
    assert "Female" not in cells  # the Spanish page
