"""Shared data for the lab pages' tests (imported by the other test_html_* modules), and the
patient page's labs panel: flags as colour plus text, links to trends, cheap and unaudited."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from core.roles import Role
from labs import services
from labs.models import LabTest
from tests.patients.factories import PatientFactory
from tests.patients.html_factories import page_text

GLUCOSE, POTASSIUM, HBA1C, HCG = "2345-7", "2823-3", "4548-4", "2106-3"


@pytest.fixture
def catalogue(clinic):
    services.catalogue_install(clinic=clinic)
    return {t.loinc_code: t for t in LabTest.objects.filter(clinic=clinic)}


@pytest.fixture
def other_catalogue(other_clinic):
    services.catalogue_install(clinic=other_clinic)
    return {t.loinc_code: t for t in LabTest.objects.filter(clinic=other_clinic)}


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Ana", last_name="Lopez", sex="female")


@pytest.fixture
def other_patient(other_clinic):
    return PatientFactory(clinic=other_clinic, first_name="Bob", last_name="Other", sex="male")


@pytest.fixture
def lab_tech(staff):
    return staff[Role.LAB_TECH]


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def ago(days=0, hours=0):
    return timezone.now() - datetime.timedelta(days=days, hours=hours)


def add_result(actor, patient, test, value, when=None, **fields):
    return services.result_create(
        actor=actor, patient=patient, test=test, value=value, collected_at=when or ago(1), **fields
    )


def panel_html(response) -> str:
    page = response.content.decode()
    match = re.search(r'<section[^>]*id="panel-labs".*?</section>', page, re.S)
    return match[0] if match else ""


# --- the patient page's panel ---------------------------------------------------------------
def test_panel_shows_latest_results_with_text_flags_and_trend_links(
    login, admin_user, lab_tech, patient, catalogue
):
    glucose, potassium = catalogue[GLUCOSE], catalogue[POTASSIUM]
    add_result(lab_tech, patient, glucose, "90", ago(10))
    add_result(lab_tech, patient, glucose, "130", ago(2))  # newest: high
    add_result(lab_tech, patient, potassium, "6.5", ago(1))  # critical high
    response = login(admin_user).get(f"/patients/{patient.pk}/")
    panel = panel_html(response)

    assert response.status_code == 200 and panel
    assert "130 mg/dL" in panel and "90 mg/dL" not in panel  # latest only
    assert re.search(r"hp-flag-high[^>]*>H<", panel)  # text marker, not colour alone
    assert re.search(r"hp-flag-critical_high[^>]*>⚠ HH<", panel)
    assert "table-danger" in panel and "Critical" in panel
    assert f"/labs/patients/{patient.pk}/tests/{glucose.pk}/" in panel
    assert "Order tests" in panel  # admins may order


def test_panel_query_count_is_constant_and_it_writes_no_audit_row(
    login, admin_user, lab_tech, patient, catalogue, django_assert_max_num_queries
):
    tests = list(catalogue.values())
    add_result(lab_tech, patient, tests[0], "1" if tests[0].value_type == "numeric" else "x")
    client = login(admin_user)
    client.get(f"/patients/{patient.pk}/")  # warm caches (session, clinic)
    with django_assert_max_num_queries(40) as one:
        client.get(f"/patients/{patient.pk}/")
    numeric = [t for t in tests if t.value_type == "numeric"]
    for index in range(49):
        add_result(lab_tech, patient, numeric[index % len(numeric)], "5", ago(index % 7 + 1))
    before = AuditEvent.objects.filter(patient_id=patient.pk, action="view").count()
    with django_assert_max_num_queries(len(one.captured_queries)) as many:
        response = client.get(f"/patients/{patient.pk}/")
    after = AuditEvent.objects.filter(patient_id=patient.pk, action="view").count()

    assert response.status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)
    assert after - before == 1  # the page's own view row only


def test_panel_lists_open_orders_with_their_tests_at_a_constant_cost(
    login, clinician, patient, catalogue, django_assert_max_num_queries
):
    glucose, potassium, hba1c = catalogue[GLUCOSE], catalogue[POTASSIUM], catalogue[HBA1C]
    stat = services.order_create(
        actor=clinician, patient=patient, tests=[glucose, potassium], priority="stat"
    )
    cancelled = services.order_create(actor=clinician, patient=patient, tests=[hba1c])
    services.order_cancel(actor=clinician, order=cancelled, reason="duplicate")
    client = login(clinician)
    client.get(f"/patients/{patient.pk}/")  # warm caches (session, clinic)
    with django_assert_max_num_queries(40) as one:
        panel = panel_html(client.get(f"/patients/{patient.pk}/"))
    text = html.unescape(panel)

    def listed(panel):
        return set(re.findall(r'href="/labs/orders/(\w+)/"', panel))

    assert "Open orders" in text and listed(panel) == {stat.pk}  # not the cancelled one
    assert glucose.name in text and potassium.name in text
    assert "STAT" in text and "Ordered" in text
    more = [
        services.order_create(actor=clinician, patient=patient, tests=[hba1c], priority="urgent")
        for _ in range(3)
    ]
    with django_assert_max_num_queries(len(one.captured_queries)):
        panel = panel_html(client.get(f"/patients/{patient.pk}/"))
    assert listed(panel) == {stat.pk, *(order.pk for order in more)} and "Urgent" in panel


def test_panel_hidden_from_receptionists(login, staff, patient, catalogue, lab_tech):
    add_result(lab_tech, patient, catalogue[GLUCOSE], "90")
    response = login(staff[Role.RECEPTIONIST]).get(f"/patients/{patient.pk}/")

    assert response.status_code == 200
    assert not panel_html(response)
    assert "/labs/" not in response.content.decode()  # no nav link either


def test_panel_empty_state_and_nav_link(login, staff, patient, catalogue):
    response = login(staff[Role.NURSE]).get(f"/patients/{patient.pk}/")
    text = page_text(response)

    assert "No lab results yet." in text
    assert 'href="/labs/orders/"' in response.content.decode()  # nurses: the orders page
    assert "Order tests" not in panel_html(response)  # nurses do not order
    assert "Enter an outside result" in panel_html(response)
