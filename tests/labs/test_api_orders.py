"""Orders API: create from tests and panels, list filters, collect, cancel, progress, audit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from core.roles import Role
from labs.models import LabOrder
from tests.labs.factories import (
    GLUCOSE,
    HEMOGLOBIN,
    audit_mark,
    audit_rows_since,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
    panel,
)

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/labs/orders/"


@pytest.fixture
def tests(clinic):
    return install_catalogue(clinic)


@pytest.fixture
def patient(clinic, staff, tests):
    return make_patient(clinic, actor=staff[Role.ADMIN])


@pytest.fixture
def doctor(api_as, clinician):
    return api_as(clinician)


def test_create_from_tests_and_panels(doctor, clinician, clinic, patient, tests):
    lipid = panel(clinic, "Lipid")
    response = doctor.post(
        ORDERS,
        {
            "patient": patient.pk,
            "tests": [tests[GLUCOSE].pk, tests[GLUCOSE].pk],
            "panels": [lipid.pk],
            "priority": "urgent",
            "notes": "Fasting",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["priority"], data["notes"]) == ("ordered", "urgent", "Fasting")
    assert data["ordered_by"] == clinician.name and data["patient"]["id"] == patient.pk
    codes = sorted(item["test"]["loinc_code"] for item in data["items"])
    assert codes == sorted(["2345-7", "2093-3", "2085-9", "13457-7", "2571-8"])
    assert {i["panel_id"] for i in data["items"] if i["test"]["loinc_code"] != GLUCOSE} == {
        lipid.pk
    }
    assert data["results"] == []
    rows = AuditEvent.objects.filter(object_id=data["id"])
    assert [(r.action, r.patient_id) for r in rows] == [("create", patient.pk)]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tests": []}, "tests"),
        ({"tests": "abc"}, "tests"),
        ({"patient": None}, "patient"),
        ({"priority": "whenever"}, "priority"),
    ],
)
def test_bad_order_is_400_and_writes_nothing(doctor, patient, tests, overrides, field):
    payload = {"patient": patient.pk, "tests": [tests[GLUCOSE].pk], **overrides}
    response = doctor.post(ORDERS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not LabOrder.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tests": ["nope"]}, "tests"),
        ({"panels": ["nope"]}, "panels"),
        ({"patient": "nope"}, "patient"),
    ],
)
def test_unknown_ids_in_the_body_are_404_naming_the_field(doctor, patient, tests, overrides, field):
    payload = {"patient": patient.pk, "tests": [tests[GLUCOSE].pk], **overrides}
    response = doctor.post(ORDERS, payload, format="json")
    assert response.status_code == 404, response.content
    assert response.json()["detail"].startswith(field)
    assert not LabOrder.objects.exists()


def test_another_clinics_patient_or_test_cannot_be_ordered(
    doctor, patient, tests, other_clinic, other_staff
):
    """Out of reach is answered like an unknown id: 404, naming the field."""
    foreign_tests = install_catalogue(other_clinic)
    foreign = make_patient(other_clinic, actor=other_staff[Role.ADMIN])
    payload = {"patient": foreign.pk, "tests": [tests[GLUCOSE].pk]}
    assert doctor.post(ORDERS, payload, format="json").status_code == 404
    payload = {"patient": patient.pk, "tests": [foreign_tests[GLUCOSE].pk]}
    assert doctor.post(ORDERS, payload, format="json").status_code == 404
    assert not LabOrder.objects.exists()


def test_an_inactive_test_is_refused_with_a_message_and_a_panel_skips_it(
    doctor, admin_api, clinic, patient, tests
):
    admin_api.patch(
        f"/api/v1/labs/tests/{tests['2085-9'].pk}/", {"is_active": False}, format="json"
    )
    refused = doctor.post(
        ORDERS, {"patient": patient.pk, "tests": [tests["2085-9"].pk]}, format="json"
    )
    assert refused.status_code == 400, refused.content
    assert "HDL cholesterol is inactive" in refused.json()["detail"]
    assert not LabOrder.objects.exists()
    lipid = panel(clinic, "Lipid")  # total, HDL, LDL, triglycerides
    placed = doctor.post(ORDERS, {"patient": patient.pk, "panels": [lipid.pk]}, format="json")
    assert placed.status_code == 201, placed.content
    assert "2085-9" not in [item["test"]["loinc_code"] for item in placed.json()["items"]]
    assert len(placed.json()["items"]) == 3


def test_list_filters_and_audit(doctor, clinician, clinic, staff, patient, tests):
    other = make_patient(clinic, actor=staff[Role.ADMIN], first_name="Bo")
    first = make_order(patient, actor=clinician, tests=[tests[GLUCOSE]])
    second = make_order(other, actor=clinician, tests=[tests[HEMOGLOBIN]])
    make_order(patient, actor=clinician, tests=[tests[HEMOGLOBIN]])
    since = audit_mark()
    data = doctor.get(ORDERS).json()
    assert data["count"] == 3
    audited = audit_rows_since(since).values_list("patient_id", flat=True)
    assert sorted(audited) == sorted([patient.pk, other.pk])
    assert [o["id"] for o in doctor.get(ORDERS, {"patient": other.pk}).json()["results"]] == [
        second.pk
    ]
    doctor.post(f"{ORDERS}{first.pk}/cancel", {"reason": "Duplicate"}, format="json")
    cancelled = doctor.get(ORDERS, {"status": "cancelled"}).json()["results"]
    assert [(o["id"], o["cancelled_reason"]) for o in cancelled] == [(first.pk, "Duplicate")]
    assert doctor.get(ORDERS, {"status": "lost"}).status_code == 400
    assert doctor.get(ORDERS, {"patient": "nope"}).status_code == 400


def test_list_query_count_is_constant(doctor, clinician, clinic, staff, patient, tests):
    make_order(patient, actor=clinician, tests=[tests[GLUCOSE]])
    with CaptureQueriesContext(connection) as one:
        doctor.get(ORDERS)
    for n in range(10):
        owner = make_patient(clinic, actor=staff[Role.ADMIN], first_name=f"N{n}")
        make_order(owner, actor=clinician, tests=[tests[GLUCOSE], tests[HEMOGLOBIN]])
    with CaptureQueriesContext(connection) as many:
        assert doctor.get(ORDERS).json()["count"] == 11
    assert len(one) == len(many)


def test_collect_result_review_moves_the_order_along(api_as, staff, patient, tests):
    doctor, tech = api_as(staff[Role.CLINICIAN]), api_as(staff[Role.LAB_TECH])
    order_id = doctor.post(
        ORDERS, {"patient": patient.pk, "tests": [tests[GLUCOSE].pk]}, format="json"
    ).json()["id"]
    data = tech.post(f"{ORDERS}{order_id}/collect", {}, format="json").json()
    assert data["status"] == "collected" and data["collected_at"]
    again = tech.post(f"{ORDERS}{order_id}/collect", {}, format="json")
    assert again.status_code == 400 and again.json()["detail"]
    result = tech.post(
        "/api/v1/labs/results/",
        {
            "patient": patient.pk,
            "test": tests[GLUCOSE].pk,
            "value": 101,
            "collected_at": data["collected_at"],
            "order": order_id,
        },
        format="json",
    ).json()
    detail = doctor.get(f"{ORDERS}{order_id}").json()
    assert detail["status"] == "resulted"
    assert [(r["id"], r["flag"]) for r in detail["results"]] == [(result["id"], "high")]
    refused = doctor.post(f"{ORDERS}{order_id}/cancel", {}, format="json")
    assert refused.status_code == 400
    doctor.post(f"/api/v1/labs/results/{result['id']}/review", {}, format="json")
    assert doctor.get(f"{ORDERS}{order_id}").json()["status"] == "reviewed"


def test_collect_in_the_future_is_400(api_as, staff, patient, tests):
    order = make_order(patient, actor=staff[Role.CLINICIAN], tests=[tests[GLUCOSE]])
    response = api_as(staff[Role.NURSE]).post(
        f"{ORDERS}{order.pk}/collect", {"collected_at": "2999-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400 and "collected_at" in response.json()["errors"]
    order.refresh_from_db()
    assert order.status == "ordered"


def test_detail_is_audited_once(doctor, clinician, staff, patient, tests):
    order = make_order(patient, actor=clinician, tests=[tests[GLUCOSE]])
    make_result(patient, tests[GLUCOSE], "90", actor=staff[Role.NURSE], order=order)
    since = audit_mark()
    assert doctor.get(f"{ORDERS}{order.pk}/").status_code == 200
    rows = audit_rows_since(since)
    assert [(r.action, r.object_id, r.patient_id) for r in rows] == [("view", order.pk, patient.pk)]


def test_malformed_json_is_400(doctor):
    response = doctor.post(ORDERS, data='{"patient"', content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"]
