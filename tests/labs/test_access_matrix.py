"""Who may use which labs page and endpoint: every row of ROWS × every role × own / other clinic.

The table is the rule, written once (copy it for a new app):
- a record outside the actor's reach (another clinic's, another patient's, or a catalogue row
  for a patient user) is 404, the same answer as an unknown id, before any role check;
- in reach, a role the table does not allow is 403, and nothing is written;
- a page or endpoint that loads no record checks its permission first (403), and an id in a
  request body that is out of reach is then a 404;
- HTML pages are staff pages: a patient user gets 403 on every one of them.
"""

import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from core.roles import Role
from labs import services
from labs.models import LabOrder, LabPanel, LabResult, LabTest, ReferenceRange
from tests.accounts.access_matrix import Row, missing_rows
from tests.conftest import STAFF
from tests.labs.factories import (
    GLUCOSE,
    POTASSIUM,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
)
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db

A, C, N, R, L, P = (
    Role.ADMIN,
    Role.CLINICIAN,
    Role.NURSE,
    Role.RECEPTIONIST,
    Role.LAB_TECH,
    Role.PATIENT,
)
ROLES = [*STAFF, P]
VIEW = {A, C, N, L}
READ = VIEW | {P}  # results: staff of the clinic, a patient their own
ORDER, COLLECT, ENTER, REVIEW = {A, C}, {A, C, N, L}, {A, N, L}, {A, C}
IMPORT, CATALOGUE = {A, L}, {A}
COMMUNICATE = {A, C, N, L}  # who records that a critical value was told
# Reach of the record a path names: rows about a patient (the patient user reaches their own),
# or rows of the clinic's catalogue (staff only; a patient user never reaches them).
PATIENT_ROWS, CATALOGUE_ROWS = "patient", "catalogue"
API, PATIENTS_API = "/api/v1/labs", "/api/v1/patients"

# method, path, body, roles allowed, reach of the record the path names. Ids come from the
# world below: {patient} {order} {result} {test} {range} {spare_range} {panel}; {when} is now.
# The order keeps each write possible (collect before cancel, edit a range before deleting it);
# an HTML action the service refuses (collecting a cancelled order) still redirects: "ok".
ROWS = [
    # API
    ("get", f"{API}/tests/", None, VIEW, None),
    ("post", f"{API}/tests/", {"name": "Zinc", "unit": "ug/dL"}, CATALOGUE, None),
    ("get", f"{API}/tests/{{test}}/", None, VIEW, CATALOGUE_ROWS),
    ("patch", f"{API}/tests/{{test}}/", {"critical_high": 600}, CATALOGUE, CATALOGUE_ROWS),
    ("get", f"{API}/tests/{{test}}/ranges/", None, VIEW, CATALOGUE_ROWS),
    (
        "post",
        f"{API}/tests/{{test}}/ranges/",
        {"sex": "male", "age_min": 18, "low": 6, "high": 9},  # a band the spare range leaves
        CATALOGUE,
        CATALOGUE_ROWS,
    ),
    ("patch", f"{API}/tests/{{test}}/ranges/{{range}}/", {"high": 100}, CATALOGUE, CATALOGUE_ROWS),
    ("delete", f"{API}/tests/{{test}}/ranges/{{spare_range}}/", None, CATALOGUE, CATALOGUE_ROWS),
    ("get", f"{API}/panels/", None, VIEW, None),
    ("get", f"{API}/panels/{{panel}}/", None, VIEW, CATALOGUE_ROWS),
    ("get", f"{API}/orders/", None, VIEW, None),
    ("post", f"{API}/orders/", {"patient": "{patient}", "tests": ["{test}"]}, ORDER, None),
    ("get", f"{API}/orders/{{order}}/", None, VIEW, PATIENT_ROWS),
    ("post", f"{API}/orders/{{order}}/collect", {}, COLLECT, PATIENT_ROWS),
    ("post", f"{API}/orders/{{order}}/cancel", {"reason": "Duplicate"}, ORDER, PATIENT_ROWS),
    ("get", f"{API}/orders/{{order}}/fhir", None, VIEW, PATIENT_ROWS),
    ("get", f"{API}/results/", None, READ, None),
    (
        "post",
        f"{API}/results/",
        {"patient": "{patient}", "test": "{test}", "value": 88, "collected_at": "{when}"},
        ENTER,
        None,
    ),
    ("get", f"{API}/results/review-queue", None, REVIEW, None),
    ("get", f"{API}/results/{{result}}/", None, READ, PATIENT_ROWS),
    (
        "post",
        f"{API}/results/{{result}}/correct",
        {"value": "91", "reason": "Typo"},
        ENTER,
        PATIENT_ROWS,
    ),
    ("post", f"{API}/results/{{result}}/review", {"comment": "Seen"}, REVIEW, PATIENT_ROWS),
    (
        "post",
        f"{API}/results/{{critical}}/critical-communication",
        {"communicated_to": "Dr A", "method": "phone"},
        COMMUNICATE,
        PATIENT_ROWS,
    ),
    ("post", f"{API}/results/bulk-review", {"patient": "{patient}"}, REVIEW, None),
    ("get", f"{API}/orderables?q=glu", None, ORDER, None),
    ("get", f"{API}/results/{{result}}/fhir", None, READ, PATIENT_ROWS),
    ("get", f"{PATIENTS_API}/{{patient}}/labs/", None, READ, PATIENT_ROWS),
    ("get", f"{PATIENTS_API}/{{patient}}/labs/trend/{{test}}/", None, READ, PATIENT_ROWS),
    # HTML pages
    ("get", "/labs/orders/", None, VIEW, None),
    ("get", "/labs/orders/new/?patient={patient}", None, ORDER, PATIENT_ROWS),
    ("post", "/labs/orders/new/?patient={patient}", {}, ORDER, PATIENT_ROWS),
    ("get", "/labs/orders/{order}/", None, VIEW, PATIENT_ROWS),
    ("get", "/labs/orders/{order}/results/", None, ENTER, PATIENT_ROWS),
    ("post", "/labs/orders/{order}/results/", {}, ENTER, PATIENT_ROWS),
    ("post", "/labs/orders/{order}/collect/", {}, COLLECT, PATIENT_ROWS),
    ("post", "/labs/orders/{order}/cancel/", {}, ORDER, PATIENT_ROWS),
    ("get", "/labs/patients/{patient}/results/new/", None, ENTER, PATIENT_ROWS),
    ("post", "/labs/patients/{patient}/results/new/", {}, ENTER, PATIENT_ROWS),
    ("get", "/labs/patients/{patient}/tests/{test}/", None, VIEW, PATIENT_ROWS),
    ("get", "/labs/results/{result}/", None, VIEW, PATIENT_ROWS),
    ("get", "/labs/results/{result}/correct/", None, ENTER, PATIENT_ROWS),
    ("post", "/labs/results/{result}/correct/", {}, ENTER, PATIENT_ROWS),
    ("post", "/labs/results/{result}/review/", {}, REVIEW, PATIENT_ROWS),
    ("get", "/labs/results/{critical}/communication/", None, COMMUNICATE, PATIENT_ROWS),
    ("post", "/labs/results/{critical}/communication/", {}, COMMUNICATE, PATIENT_ROWS),
    ("get", "/labs/review/", None, REVIEW, None),
    ("post", "/labs/review/sign-off/", {"scope": "patient", "patient": "{patient}"}, REVIEW, None),
    ("get", "/labs/tests/search/?q=glu", None, ORDER, None),
    ("get", "/labs/import/template.csv", None, IMPORT, None),
    ("get", "/labs/catalogue/", None, CATALOGUE, None),
    ("post", "/labs/catalogue-units/", {"unit_system": "conventional"}, CATALOGUE, None),
    ("get", "/labs/catalogue/{test}/", None, CATALOGUE, CATALOGUE_ROWS),
    ("post", "/labs/catalogue/{test}/", {}, CATALOGUE, CATALOGUE_ROWS),
    ("get", "/labs/catalogue/{test}/ranges/new/", None, CATALOGUE, CATALOGUE_ROWS),
    ("post", "/labs/catalogue/{test}/ranges/new/", {}, CATALOGUE, CATALOGUE_ROWS),
    ("get", "/labs/catalogue/{test}/ranges/{range}/", None, CATALOGUE, CATALOGUE_ROWS),
    ("post", "/labs/catalogue/{test}/ranges/{range}/", {}, CATALOGUE, CATALOGUE_ROWS),
    ("get", "/labs/catalogue/{test}/ranges/{range}/delete/", None, CATALOGUE, CATALOGUE_ROWS),
    ("post", "/labs/catalogue/{test}/ranges/{range}/delete/", {}, CATALOGUE, CATALOGUE_ROWS),
    ("get", "/labs/import/", None, IMPORT, None),
    ("post", "/labs/import/", {}, IMPORT, None),
]
OWN, OTHER = "own clinic", "other clinic"
PLACEHOLDER = re.compile(r"\{\w+\}")


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def names_a_record(path: str, body) -> bool:
    return bool(PLACEHOLDER.search(path) or PLACEHOLDER.search(str(body)))


def expected(row, role, where) -> str:
    """ "ok", 403 or 404: the rule of the module docstring, applied to one cell of the table."""
    _method, path, _body, allowed, reach = row
    if not is_api(path) and role == P:
        return 403  # staff pages
    if "{" in path and (where == OTHER or (role == P and reach == CATALOGUE_ROWS)):
        return 404  # out of reach, before any role check
    if role not in allowed:
        return 403
    return 404 if where == OTHER else "ok"  # OTHER here: an id in the body, out of reach


# --- the world: one patient of each clinic with an order and a final result ----------------------
def world(clinic, admin, name: str = "Wanda") -> dict:
    catalogue = install_catalogue(clinic)
    glucose = catalogue[GLUCOSE]
    patient = make_patient(clinic, actor=admin, first_name=name, last_name="World")
    order = make_order(patient, actor=admin, tests=[glucose])
    result = make_result(patient, glucose, "85", actor=admin)
    make_result(patient, glucose, "86", actor=admin)  # another for the sign-off in bulk
    critical = make_result(patient, catalogue[POTASSIUM], "7.2", actor=admin)
    # One band per world: a second world in the same clinic may not repeat a range's band.
    band = glucose.ranges.filter(sex="male").count()
    spare = services.range_create(
        actor=admin, test=glucose, sex="male", age_min=band, low=60, high=100
    )
    return {
        "patient": patient,
        "ids": {
            "patient": patient.pk,
            "order": order.pk,
            "result": result.pk,
            "critical": critical.pk,
            "test": glucose.pk,
            "range": glucose.ranges.exclude(pk=spare.pk).first().pk,
            "spare_range": spare.pk,
            "panel": LabPanel.objects.filter(clinic=clinic).first().pk,
        },
    }


@pytest.fixture
def here(clinic, staff):
    return world(clinic, staff[A])


@pytest.fixture
def there(other_clinic, other_staff):
    return world(other_clinic, other_staff[A])


def fill(template, ids):
    if isinstance(template, str):
        return template.format(when=timezone.now().isoformat(), **ids)
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    if isinstance(template, dict):
        return {k: fill(v, ids) for k, v in template.items()}
    return template


def clients_for(user, api_as):
    web = Client()
    web.force_login(user)
    return web, api_as(user)


def call(clients, method, path, body):
    web, api = clients
    if not is_api(path):
        return web.get(path) if method == "get" else web.post(path, body or {})
    if method == "get":
        return api.get(path)
    return getattr(api, method)(path, body or {}, format="json")


def lab_state():
    """What a refused request must leave as it was."""
    return (
        LabOrder.objects.count(),
        sorted(LabOrder.objects.values_list("status", flat=True)),
        LabResult.objects.count(),
        sorted(LabResult.objects.values_list("value_numeric", "reviewed_at")),
        ReferenceRange.objects.count(),
        sorted(LabTest.objects.values_list("pk", "name", "critical_high")),
    )


def check(response, want, where_row):
    status = response.status_code
    if want == "ok":
        assert status in (200, 201, 204, 302), (where_row, status, response.content[:300])
    else:
        assert status == want, (where_row, status, response.content[:300])
        if is_api(where_row[2]):
            assert response.json()["detail"], where_row


# Each test walks every row in one database (fewer set-ups, quick on MongoDB too).
@pytest.mark.parametrize("role", ROLES)
def test_own_clinic(api_as, staff, here, role):
    user = portal_user(here["patient"]) if role == P else staff[role]
    clients = clients_for(user, api_as)
    for row in ROWS:
        method, path, body, _allowed, _reach = row
        want = expected(row, role, OWN)
        before = lab_state() if want != "ok" else None
        response = call(clients, method, fill(path, here["ids"]), fill(body, here["ids"]))
        check(response, want, (role, method, path))
        if before is not None:
            assert lab_state() == before, (role, method, path)


@pytest.mark.parametrize("role", ROLES)
def test_other_clinic(api_as, staff, here, there, role):
    """Every row naming a record, with the other clinic's ids: nothing leaks, nothing changes."""
    user = portal_user(here["patient"]) if role == P else staff[role]
    clients = clients_for(user, api_as)
    before = lab_state()
    for row in ROWS:
        method, path, body, _allowed, _reach = row
        if not names_a_record(path, body):
            continue
        response = call(clients, method, fill(path, there["ids"]), fill(body, there["ids"]))
        check(response, expected(row, role, OTHER), (role, method, path))
    assert lab_state() == before


def test_patient_user_reaches_no_other_patient_of_their_clinic(api_as, clinic, staff, here):
    """Another patient of the same clinic is out of reach too: 404 on every API row naming one."""
    neighbour = world(clinic, staff[A], name="Nina")
    clients = clients_for(portal_user(here["patient"]), api_as)
    for method, path, body, _allowed, _reach in ROWS:
        if not is_api(path) or "{" not in path:
            continue
        response = call(clients, method, fill(path, neighbour["ids"]), fill(body, neighbour["ids"]))
        assert response.status_code == 404, (method, path, response.content[:300])


# --- beyond the roles -----------------------------------------------------------------------------
def test_anonymous_is_sent_to_log_in_or_401(client, api_client, here):
    for method, path, body, _allowed, _reach in ROWS:
        url, data = fill(path, here["ids"]), fill(body, here["ids"])
        if is_api(path):
            response = call((None, api_client), method, url, data)
            assert response.status_code == 401, (method, path)
        else:
            response = call((client, None), method, url, data)
            assert response.status_code == 302 and "/login" in response.url, (method, path)


@pytest.mark.parametrize("bad", ["nope", "x" * 80, "65f0c0ffee0000000000beef", "%00"])
def test_malformed_or_unknown_ids_are_404(api_as, admin_user, here, bad):
    clients = clients_for(admin_user, api_as)
    for method, path, body, _allowed, _reach in ROWS:
        for key in here["ids"]:
            if "{" + key + "}" not in path:
                continue
            url = fill(path, {**here["ids"], key: bad})
            response = call(clients, method, url, fill(body, here["ids"]))
            assert response.status_code == 404, (url, response.status_code)
            if is_api(path):
                assert response.json()["detail"]


def test_unknown_api_paths_are_json_404(admin_api):
    response = admin_api.get(f"{API}/nothing-here")
    assert response.status_code == 404 and response.json()["detail"]


def test_no_patient_given_is_404(client, staff, here):
    client.force_login(staff[C])
    assert client.get("/labs/orders/new/").status_code == 404


def test_refusals_leave_no_read_in_the_audit_trail(api_as, staff, here):
    """A refused request is never recorded as a read (only, where audited, as a refusal)."""
    reads = AuditEvent.objects.filter(patient_id=here["patient"].pk).exclude(action="refused")
    before = reads.count()
    client = api_as(staff[R])
    assert client.get(f"{PATIENTS_API}/{here['patient'].pk}/labs/").status_code == 403
    assert client.get(f"{API}/results/{here['ids']['result']}/").status_code == 403
    assert reads.count() == before


def test_receptionist_sees_no_labs_nav_or_widget(client, staff):
    client.force_login(staff[R])
    page = client.get("/").content.decode()
    assert "/labs/" not in page and "Results to review" not in page


def test_every_labs_page_and_endpoint_is_in_the_table():
    table = [Row(method, PLACEHOLDER.sub("0" * 24, path), 200) for method, path, *_rest in ROWS]
    assert missing_rows(table, "labs") == []
