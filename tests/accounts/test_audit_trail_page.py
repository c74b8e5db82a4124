"""The clinic admin's audit trail (/accounts/audit/): the clinic's rows only, newest first,
walked by cursor, filtered by action, staff member, dates and patient; reading it is a read of
the patients it names, audited like any list."""

import datetime
import html
import re
import zoneinfo

import pytest
from django.db import models
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from clinics import services as staff_services
from core.audit import audit
from core.lists import PER_PAGE
from core.roles import Role
from patients import selectors as patient_selectors
from patients import services as patient_services
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory

URL = "/accounts/audit/"
Action = AuditEvent.Action
NOW = timezone.now().replace(microsecond=0)


def event(actor, action=Action.LOGIN, *, hours_ago=0, obj=None, patient_id="", detail=""):
    """An audit row written `hours_ago` (set with a raw write: the model refuses any change)."""
    row = audit(actor=actor, action=action, obj=obj, patient_id=patient_id, detail=detail)
    when = NOW - datetime.timedelta(hours=hours_ago)
    models.QuerySet(AuditEvent).filter(pk=row.pk).update(created_at=when)
    return row


def shown(page_html: str) -> list[str]:
    """The detail column of each row the test wrote, top to bottom (signing in writes others)."""
    details = re.findall(r'<td class="small text-break">([^<]*)</td>', page_html)
    return [html.unescape(detail) for detail in details if detail]


def page(client, query: str = "") -> str:
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def web(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


# --- who sees what -------------------------------------------------------------------------------
def test_an_admin_sees_their_clinics_rows_newest_first_and_no_others(
    web, admin_user, clinician, other_admin
):
    event(clinician, detail="oldest", hours_ago=3)
    event(clinician, detail="newest", hours_ago=1)
    event(admin_user, detail="middle", hours_ago=2)
    event(other_admin, detail="other clinic's")
    platform = audit(actor=None, action=Action.LOGIN_FAILED, detail="platform row")
    assert platform.clinic_id is None

    rows = shown(page(web))

    assert rows[:3] == ["newest", "middle", "oldest"]
    assert "other clinic's" not in rows
    assert "platform row" not in rows


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.RECEPTIONIST, Role.NURSE, Role.LAB_TECH])
def test_other_staff_roles_are_refused(staff, role):
    client = Client()
    client.force_login(staff[role])
    assert client.get(URL).status_code == 403


def test_a_row_shows_when_who_what_and_the_patient_but_no_address(
    web, clinic, admin_user, clinician
):
    patient = PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    event(clinician, Action.UPDATE, obj=patient, patient_id=patient.pk, detail="phone changed")
    event(admin_user, Action.INVITE, obj=clinician, detail="invited")

    html = page(web)

    patient_link = f'<a href="/patients/{patient.pk}/">Ada Lovelace</a>'
    assert f'<td><a href="/patients/{patient.pk}/">Patient</a></td>' in html
    assert patient_link in html
    assert f'<a href="/clinic/staff/{clinician.pk}/">{clinician.name}</a>' in html  # whose
    assert clinician.name in html and "Clinician" in html and "Clinic admin" in html
    assert "Update" in html and "Invitation" in html
    assert "127.0.0.1" not in html


def test_times_are_shown_in_the_clinics_timezone(web, clinic, clinician):
    clinic.timezone = "Pacific/Auckland"
    clinic.save()
    event(clinician, detail="in Auckland")
    html = page(web)
    assert f"{NOW.astimezone(zoneinfo.ZoneInfo('Pacific/Auckland')):%H:%M}" in html
    assert f"{NOW.astimezone(datetime.UTC):%H:%M}" not in html


def test_an_empty_trail_says_so(web):
    html = page(web, "?action=mfa_reset")
    assert "No audit events match these filters." in html


# --- filters -------------------------------------------------------------------------------------
def test_the_action_filter(web, clinician):
    event(clinician, Action.LOGIN, detail="signed in")
    event(clinician, Action.LOGIN_FAILED, detail="wrong password")
    assert shown(page(web, "?action=login_failed")) == ["wrong password"]


def test_the_staff_member_filter(web, clinician, staff):
    event(clinician, detail="clinician's")
    event(staff[Role.NURSE], detail="nurse's")
    rows = shown(page(web, f"?who={clinician.pk}"))
    assert rows == ["clinician's"]


def test_the_staff_member_filter_offers_only_this_clinics_staff(web, other_admin, clinician):
    event(clinician, detail="clinician's")
    html = page(web, f"?who={other_admin.pk}")
    assert other_admin.name not in html  # not offered, and ignored when sent
    assert "clinician's" in shown(html)


def test_the_date_filter_takes_whole_days_in_the_clinics_timezone(web, clinician):
    event(clinician, detail="today")
    event(clinician, detail="three days ago", hours_ago=72)
    day = timezone.localdate(NOW - datetime.timedelta(hours=72))
    rows = shown(page(web, f"?since={day}&until={day}"))
    assert rows == ["three days ago"]
    assert "today" in shown(page(web, f"?since={timezone.localdate(NOW)}"))


def test_the_patient_filter_finds_a_patient_by_name_or_mrn(web, clinic, clinician):
    ada = PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    alan = PatientFactory(clinic=clinic, first_name="Alan", last_name="Turing")
    event(clinician, Action.VIEW, obj=ada, patient_id=ada.pk, detail="read Ada")
    event(clinician, Action.VIEW, obj=alan, patient_id=alan.pk, detail="read Alan")
    assert shown(page(web, "?patient=lovelace")) == ["read Ada"]
    assert shown(page(web, f"?patient={alan.mrn}")) == ["read Alan"]


def test_another_clinics_patient_finds_nothing(web, clinic, other_clinic, clinician, other_admin):
    theirs = PatientFactory(clinic=other_clinic, first_name="Grace", last_name="Hopper")
    event(other_admin, Action.VIEW, obj=theirs, patient_id=theirs.pk, detail="their read")
    html = page(web, "?patient=hopper")
    assert shown(html) == []
    assert "No audit events match these filters." in html
    assert "Grace Hopper" not in html


def test_a_patient_search_matching_too_many_is_refused_with_the_usual_words(
    web, clinic, monkeypatch
):
    monkeypatch.setattr(patient_selectors, "PATIENT_FILTER_LIMIT", 2)
    for n in range(3):
        PatientFactory(clinic=clinic, last_name=f"Smith{n}")
    html = page(web, "?patient=smith")
    assert "More than 2 patients match this search." in html


def test_another_apps_record_links_to_its_page_and_an_unknown_kind_does_not(web, clinician):
    for object_type, detail in (("labs.LabOrder", "an order"), ("labs.LabTest", "a test")):
        row = event(clinician, Action.UPDATE, detail=detail)
        models.QuerySet(AuditEvent).filter(pk=row.pk).update(
            object_type=object_type, object_id="6b14e839df90ff7cf26fe91c"
        )
    html = page(web)
    assert '<a href="/labs/orders/6b14e839df90ff7cf26fe91c/">Lab order</a>' in html
    assert "<td>Lab test</td>" in html  # the catalogue declares no page of one test


# --- paging --------------------------------------------------------------------------------------
def test_older_and_newer_walk_the_trail_by_cursor(web, clinician):
    for n in range(PER_PAGE + 2):
        event(clinician, detail=f"row {n}", hours_ago=n)
    first = page(web)
    older = re.search(r'href="\?after=(\w+)" rel="next"', first).group(1)
    second = page(web, f"?after={older}")
    assert shown(first) + shown(second) == [f"row {n}" for n in range(PER_PAGE + 2)]
    assert 'rel="next"' not in second
    newer = re.search(r'href="\?before=(\w+)" rel="prev"', second).group(1)
    assert shown(page(web, f"?before={newer}")) == shown(first)
    assert shown(page(web, "?after=made-up")) == shown(first)


def test_an_action_filter_finds_an_old_row_behind_many_others_on_its_first_page(web, clinician):
    event(clinician, Action.LOGIN_FAILED, detail="long ago", hours_ago=100)
    for n in range(PER_PAGE * 3):
        event(clinician, Action.LOGIN, detail=f"login {n}", hours_ago=n % 50)
    first = page(web, "?action=login_failed")
    assert shown(first) == ["long ago"]
    assert 'rel="next"' not in first


# --- cost and audit ------------------------------------------------------------------------------
def test_the_query_count_does_not_grow_with_the_rows(
    web, clinic, clinician, django_assert_max_num_queries
):
    def fill(count):
        for _ in range(count):
            patient = PatientFactory(clinic=clinic)
            event(clinician, Action.VIEW, obj=patient, patient_id=patient.pk)
            event(clinician, Action.INVITE, obj=clinician)

    fill(1)
    page(web)  # the session is stamped
    with django_assert_max_num_queries(11) as few:
        page(web)
    fill(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(web)


def test_reading_the_trail_is_audited_once_per_patient_shown(web, clinic, admin_user, clinician):
    ada = PatientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    event(clinician, Action.VIEW, obj=ada, patient_id=ada.pk)
    event(clinician, Action.UPDATE, obj=ada, patient_id=ada.pk)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    page(web)
    reads = AuditEvent.objects.exclude(pk__in=before).filter(actor=admin_user, action="view")
    assert [(r.patient_id, r.detail) for r in reads] == [(ada.pk, "audit trail")]


# --- details in words ----------------------------------------------------------------------------
def test_a_patients_changed_fields_are_named_as_the_pages_name_them(web, clinic, admin_user):
    patient = PatientFactory(clinic=clinic, first_name="Ada")
    patient_services.patient_update(
        actor=admin_user,
        patient=patient,
        first_name="Adah",
        date_of_birth=datetime.date(1990, 1, 2),
    )
    assert shown(page(web))[0] == "Date of birth, First name"


def test_a_colleagues_new_role_and_deactivation_are_named_by_their_labels(web, admin_user, staff):
    staff_services.staff_update(
        actor=admin_user, user=staff[Role.NURSE], role=Role.LAB_TECH, is_active=False
    )
    assert shown(page(web))[0] == "Active: No, Role: Lab technician"


def test_an_invitations_role_is_named_and_its_outcome_kept(web, admin_user, clinician):
    event(admin_user, Action.INVITE, obj=clinician, detail="role=lab_tech; resent; e-mail sent")
    assert shown(page(web))[0] == "Role: Lab technician; resent; e-mail sent"


def test_fields_after_a_prefix_are_named_and_the_prefix_kept(web, admin_user):
    event(admin_user, Action.UPDATE, obj=admin_user, detail="profile: name, phone")
    assert shown(page(web))[0] == "profile: Name, Phone"


def test_words_that_are_not_the_records_fields_are_shown_as_written(web, clinic, admin_user):
    patient = PatientFactory(clinic=clinic)
    event(admin_user, Action.UPDATE, obj=patient, detail="allergy status: active", hours_ago=1)
    event(admin_user, Action.UPDATE, obj=patient, detail="first_name, nickname", hours_ago=2)
    event(admin_user, Action.INVITE, detail="role=lab_tech; e-mail sent", hours_ago=3)  # no type
    assert shown(page(web))[:3] == [
        "allergy status: active",
        "first_name, nickname",
        "role=lab_tech; e-mail sent",
    ]


def test_details_are_in_the_readers_language(web, clinic, admin_user, clinician):
    admin_user.language = "es"
    admin_user.save()
    patient = PatientFactory(clinic=clinic)
    event(admin_user, Action.UPDATE, obj=patient, detail="date_of_birth", hours_ago=1)
    event(admin_user, Action.UPDATE, obj=clinician, detail="is_active=True, role=lab_tech")
    assert shown(page(web))[:2] == [
        "Activo: Sí, Rol: Técnico de laboratorio",
        "Fecha de nacimiento",
    ]


def test_a_services_own_words_are_in_the_readers_language_too(web, clinic, admin_user):
    """Details other than field names are written in English (gettext_noop) and read in the
    reader's language: a Spanish admin read "lab trend" and "audit trail"."""
    admin_user.language = "es"
    admin_user.save()
    patient = PatientFactory(clinic=clinic)
    event(admin_user, Action.VIEW, obj=patient, detail="lab trend", hours_ago=1)
    event(admin_user, Action.UPDATE, obj=admin_user, detail="profile: name", hours_ago=2)
    event(admin_user, Action.INVITE, detail="role=lab_tech; e-mail sent", hours_ago=3)  # no type
    event(admin_user, Action.VIEW, obj=patient, detail="a word of no catalogue", hours_ago=4)
    assert shown(page(web))[:4] == [
        "tendencia de laboratorio",
        "perfil: Nombre",
        "role=lab_tech; correo electrónico enviado",
        "a word of no catalogue",
    ]


# --- the staff member filter's options -----------------------------------------------------------
def test_colleagues_of_the_same_name_are_told_apart_and_former_ones_marked(web, clinic, clinician):
    UserFactory(clinic=clinic, role=Role.NURSE, name="Ana Silva", email="ana.s@example.org")
    UserFactory(clinic=clinic, role=Role.CLINICIAN, name="ana silva", email="dr.ana@example.org")
    UserFactory(clinic=clinic, role=Role.NURSE, name="Bea Ruiz", is_active=False)
    options = re.findall(r'<option value="\w+">([^<]*)</option>', page(web))
    assert "Ana Silva (ana.s@example.org)" in options
    assert "ana silva (dr.ana@example.org)" in options
    assert "Bea Ruiz (deactivated)" in options
    assert clinician.name in options  # a name of its own: as it is
