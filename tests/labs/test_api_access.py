"""Who may call which labs endpoint: the role table (403), tenancy (404), patient users."""

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from labs.models import LabOrder, LabPanel, LabResult, LabTest, ReferenceRange
from tests.conftest import STAFF
from tests.labs.factories import GLUCOSE, install_catalogue, make_order, make_patient, make_result
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db

VIEW = {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.LAB_TECH}
READERS = VIEW | {Role.PATIENT}
CATALOGUE = {Role.ADMIN}
ORDER = {Role.ADMIN, Role.CLINICIAN}
COLLECT = {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.LAB_TECH}
ENTER = {Role.ADMIN, Role.NURSE, Role.LAB_TECH}
REVIEW = {Role.ADMIN, Role.CLINICIAN}
L = "/api/v1/labs"

# method, path (ids filled in from the world), body, roles allowed
ENDPOINTS = [
    ("get", f"{L}/tests/", None, VIEW),
    ("post", f"{L}/tests/", {"name": "Zinc", "unit": "ug/dL"}, CATALOGUE),
    ("get", f"{L}/tests/{{test}}/", None, VIEW),
    ("patch", f"{L}/tests/{{test}}/", {"critical_high": 600}, CATALOGUE),
    ("get", f"{L}/tests/{{test}}/ranges/", None, VIEW),
    ("post", f"{L}/tests/{{test}}/ranges/", {"sex": "male", "low": 60, "high": 100}, CATALOGUE),
    ("patch", f"{L}/tests/{{test}}/ranges/{{range}}/", {"high": 100}, CATALOGUE),
    ("delete", f"{L}/tests/{{test}}/ranges/{{range}}/", None, CATALOGUE),
    ("get", f"{L}/panels/", None, VIEW),
    ("get", f"{L}/panels/{{panel}}/", None, VIEW),
    ("get", f"{L}/orders/", None, VIEW),
    ("post", f"{L}/orders/", {"patient": "{patient}", "tests": ["{test}"]}, ORDER),
    ("get", f"{L}/orders/{{order}}/", None, VIEW),
    ("post", f"{L}/orders/{{order}}/collect", {}, COLLECT),
    ("post", f"{L}/orders/{{order}}/cancel", {"reason": "Duplicate"}, ORDER),
    ("get", f"{L}/orders/{{order}}/fhir", None, VIEW),
    ("get", f"{L}/results/", None, READERS),
    (
        "post",
        f"{L}/results/",
        {"patient": "{patient}", "test": "{test}", "value": 88, "collected_at": "{when}"},
        ENTER,
    ),
    ("get", f"{L}/results/review-queue", None, REVIEW),
    ("get", f"{L}/results/{{result}}/", None, READERS),
    ("post", f"{L}/results/{{result}}/correct", {"value": "91", "reason": "Typo"}, ENTER),
    ("post", f"{L}/results/{{result}}/review", {"comment": "Seen"}, REVIEW),
    ("get", f"{L}/results/{{result}}/fhir", None, READERS),
    ("get", "/api/v1/patients/{patient}/labs/", None, READERS),
    ("get", "/api/v1/patients/{patient}/labs/trend/{test}/", None, READERS),
]
WRITES = {"post", "patch", "delete"}
ROLES = [*STAFF, Role.PATIENT]


def world(clinic, admin):
    """A patient with an order and a result in `clinic`; ids to fill paths with."""
    catalogue = install_catalogue(clinic)
    glucose = catalogue[GLUCOSE]
    patient = make_patient(clinic, actor=admin, first_name="Wanda", last_name="World")
    order = make_order(patient, actor=admin, tests=[glucose])
    result = make_result(patient, glucose, "85", actor=admin)
    return {
        "patient": patient,
        "ids": {
            "test": glucose.pk,
            "range": glucose.ranges.first().pk,
            "panel": LabPanel.objects.filter(clinic=clinic).first().pk,
            "order": order.pk,
            "result": result.pk,
            "patient": patient.pk,
        },
    }


def fill(template, ids):
    if isinstance(template, str):
        from django.utils import timezone

        return template.format(when=timezone.now().isoformat(), **ids)
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    if isinstance(template, dict):
        return {k: fill(v, ids) for k, v in template.items()}
    return template


def call(client, method, path, body):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body or {}, format="json")


@pytest.fixture
def here(clinic, staff):
    return world(clinic, staff[Role.ADMIN])


@pytest.fixture
def there(other_clinic, other_staff):
    return world(other_clinic, other_staff[Role.ADMIN])


def user_for(role, staff, here):
    if role == Role.PATIENT:
        return portal_user(here["patient"])
    return staff[role]


# Each test walks every endpoint in one database (the order of ENDPOINTS keeps each write
# possible: collect before cancel, patch a range before deleting it), which keeps the suite
# quick on the MongoDB backend too.
@pytest.mark.parametrize("role", ROLES)
def test_role_table(api_as, staff, here, role):
    client = api_as(user_for(role, staff, here))
    for method, path, body, allowed in ENDPOINTS:
        response = call(client, method, fill(path, here["ids"]), fill(body, here["ids"]))
        where = (role, method, path, response.content[:300])
        if role in allowed:
            assert response.status_code in (200, 201, 204), where
        else:
            assert response.status_code == 403, where
            assert response.json()["detail"], where


@pytest.mark.parametrize("role", STAFF)
def test_other_clinics_records_are_404(api_as, staff, here, there, role):
    before = (LabResult.objects.count(), LabOrder.objects.count(), ReferenceRange.objects.count())
    tests_before = set(LabTest.objects.values_list("pk", "critical_high"))
    client = api_as(staff[role])
    for method, path, body, _allowed in ENDPOINTS:
        if "{" not in path:
            continue
        response = call(client, method, fill(path, there["ids"]), fill(body, there["ids"]))
        expected = 403 if role == Role.RECEPTIONIST else 404
        assert response.status_code == expected, (role, method, path, response.content[:300])
        assert response.json()["detail"]
    assert before == (
        LabResult.objects.count(),
        LabOrder.objects.count(),
        ReferenceRange.objects.count(),
    )
    assert set(LabTest.objects.values_list("pk", "critical_high")) == tests_before


def test_patient_user_gets_404_for_another_patients_records(api_as, clinic, staff, here):
    other = world(clinic, staff[Role.ADMIN])  # the same clinic, another patient
    client = api_as(portal_user(here["patient"]))
    for method, path, body, _allowed in ENDPOINTS:
        if "{" not in path:
            continue
        response = call(client, method, fill(path, other["ids"]), fill(body, other["ids"]))
        # Results and patients out of reach are 404 before any role check; the rest is staff's.
        out_of_reach = "/results/{result}" in path or "/patients/{patient}" in path
        expected = 404 if out_of_reach else 403
        assert response.status_code == expected, (method, path, response.content[:300])


def test_anonymous_is_401(api_client, here):
    for method, path, body, _allowed in ENDPOINTS:
        response = call(api_client, method, fill(path, here["ids"]), fill(body, here["ids"]))
        assert response.status_code == 401, (method, path)


@pytest.mark.parametrize(
    "path",
    [
        f"{L}/tests/nope/",
        f"{L}/tests/{'x' * 100}/",
        f"{L}/panels/65f000000000000000000000/",
        f"{L}/orders/123/",
        f"{L}/orders/%00/",
        f"{L}/results/-1/",
        f"{L}/results/abc/fhir",
        f"{L}/orders/abc/fhir",
        "/api/v1/patients/nope/labs/",
        "/api/v1/patients/nope/labs/trend/nope/",
        f"{L}/nothing-here",
    ],
)
def test_unknown_and_malformed_ids_are_json_404(admin_api, here, path):
    response = admin_api.get(path)
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        f"{L}/orders/nope/collect",
        f"{L}/orders/%00/cancel",
        f"{L}/results/{'9' * 65}/correct",
        f"{L}/results/nope/review",
    ],
)
def test_writes_to_unknown_ids_are_json_404(admin_api, here, path):
    response = admin_api.post(path, {"value": "1", "reason": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_receptionist_is_refused_without_an_audit_row(api_as, staff, here):
    before = AuditEvent.objects.filter(patient_id=here["patient"].pk).count()
    client = api_as(staff[Role.RECEPTIONIST])
    assert client.get(f"/api/v1/patients/{here['patient'].pk}/labs/").status_code == 403
    assert client.get(f"{L}/results/{here['ids']['result']}/").status_code == 403
    assert AuditEvent.objects.filter(patient_id=here["patient"].pk).count() == before
