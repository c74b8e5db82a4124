"""Results API: entry with server flags, bad input, lists and filters, corrections, review,
per-patient lists and trends, patient users, audit and query counts."""

import datetime
import re
import sys
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from core import roles
from core.roles import Role
from labs.models import LabResult, LabResultRevision
from patients.models import Patient
from tests.labs.factories import (
    GLUCOSE,
    HEMOGLOBIN,
    HIV,
    audit_mark,
    audit_rows_since,
    days_ago,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
)
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db
RESULTS = "/api/v1/labs/results/"


@pytest.fixture
def tests(clinic):
    return install_catalogue(clinic)


@pytest.fixture
def admin(staff):
    return staff[Role.ADMIN]


@pytest.fixture
def tech(staff):
    return staff[Role.LAB_TECH]


@pytest.fixture
def patient(clinic, admin, tests):
    return make_patient(clinic, actor=admin, sex="female", born=datetime.date(1980, 5, 17))


@pytest.fixture
def foreign(other_clinic, other_staff):
    install_catalogue(other_clinic)
    return make_patient(other_clinic, actor=other_staff[Role.ADMIN], first_name="Otto")


def body(patient, test, /, **overrides):
    data = {
        "patient": patient.pk,
        "test": test.pk,
        "value": "85",
        "collected_at": days_ago(1).isoformat(),
    }
    data.update(overrides)
    return data


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    data = response.json()
    assert isinstance(data["detail"], str) and data["detail"]
    if field is not None:
        assert field in data["errors"], data
    return data


# --- create --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "flag"),
    [
        (39, "critical_low"),
        ("40", "critical_low"),
        (69.99, "low"),
        (70, "normal"),
        ("99", "normal"),
        ("99.01", "high"),
        (500, "critical_high"),
    ],
)
def test_create_flags_on_the_server(api_as, tech, patient, tests, value, flag):
    response = api_as(tech).post(RESULTS, body(patient, tests[GLUCOSE], value=value), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["flag"] == flag
    assert data["reference_range"] == {"low": 70, "high": 99, "text": "70–99"}
    assert data["unit"] == "mg/dL"  # the test's unit when omitted
    assert data["status"] == "final"
    assert data["patient"]["id"] == patient.pk and isinstance(data["id"], str)
    assert data["test"]["loinc_code"] == GLUCOSE
    assert data["history"] == []
    assert data["is_critical"] == flag.startswith("critical")


def test_create_with_every_optional_field(api_as, tech, patient, tests, admin):
    order = make_order(patient, actor=admin, tests=[tests[GLUCOSE]])
    response = api_as(tech).post(
        RESULTS,
        body(
            patient,
            tests[GLUCOSE],
            unit="mg/dL",
            status="preliminary",
            order=order.pk,
            performing_lab="Central Lab",
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["order_id"], data["performing_lab"]) == (
        "preliminary",
        order.pk,
        "Central Lab",
    )
    assert data["entered_by"] == tech.name
    order.refresh_from_db()
    assert order.status == "ordered"  # a preliminary value does not make the order resulted


def test_create_uses_the_patients_sex_range(api_as, tech, clinic, admin, tests):
    man = make_patient(clinic, actor=admin, sex="male", first_name="Max")
    data = (
        api_as(tech).post(RESULTS, body(man, tests[HEMOGLOBIN], value=12.5), format="json").json()
    )
    assert data["flag"] == "low"
    assert data["reference_range"] == {"low": 13.5, "high": 17.5, "text": "13.5–17.5"}


@pytest.mark.parametrize(
    ("value", "flag", "shown"),
    [("negative", "normal", "Negative"), ("POS", "abnormal", "Positive")],
)
def test_create_positive_negative(api_as, tech, patient, tests, value, flag, shown):
    data = api_as(tech).post(RESULTS, body(patient, tests[HIV], value=value), format="json").json()
    assert (data["value"], data["flag"]) == (shown, flag)


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"test": ""}, 400, "test"),
        ({"patient": ["a"]}, 400, "patient"),
        ({"value": "high"}, 400, "value"),
        ({"value": True}, 400, "value"),
        ({"value": {"a": 1}}, 400, "value"),
        ({"value": None}, 400, "value"),
        ({"value": ""}, 400, "value"),
        ({"value": "1e999"}, 400, "value"),
        ({"value": "NaN"}, 400, "value"),
        ({"unit": "g/L"}, 400, "unit"),  # no factor known for glucose in g/L
        ({"collected_at": "tomorrow"}, 400, "collected_at"),
        ({"status": "corrected"}, 400, "status"),
        ({"status": "bogus"}, 400, "status"),
        ({"performing_lab": "x" * 201}, 400, "performing_lab"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(
    api_as, tech, patient, tests, overrides, status, field
):
    before = AuditEvent.objects.filter(action="create").count()
    response = api_as(tech).post(RESULTS, body(patient, tests[GLUCOSE], **overrides), format="json")
    data = assert_error(response, status, field)
    assert field in data["detail"] or data["errors"][field]
    assert not LabResult.objects.exists()
    assert AuditEvent.objects.filter(action="create").count() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"test": "nope"}, "test"),
        ({"test": 123}, "test"),
        ({"patient": "nope"}, "patient"),
        ({"order": "nope"}, "order"),
    ],
)
def test_unknown_ids_in_the_body_are_404_naming_the_field(
    api_as, tech, patient, tests, overrides, field
):
    response = api_as(tech).post(RESULTS, body(patient, tests[GLUCOSE], **overrides), format="json")
    assert assert_error(response, 404)["detail"].startswith(field)
    assert not LabResult.objects.exists()


def test_an_inactive_test_is_refused_with_a_message(api_as, admin_api, tech, patient, tests):
    """As on the HTML page: the service refuses it, so both doors answer the same."""
    admin_api.patch(f"/api/v1/labs/tests/{tests[GLUCOSE].pk}/", {"is_active": False}, format="json")
    response = api_as(tech).post(RESULTS, body(patient, tests[GLUCOSE]), format="json")
    assert "Glucose is inactive" in assert_error(response, 400)["detail"]
    assert not LabResult.objects.exists()


def test_unit_mismatch_message_names_the_right_unit(api_as, tech, patient, tests):
    response = api_as(tech).post(
        RESULTS, body(patient, tests[GLUCOSE], unit="mol/L"), format="json"
    )
    assert "mg/dL" in assert_error(response, 400, "unit")["errors"]["unit"][0]


def test_collected_in_the_future_is_400(api_as, tech, patient, tests):
    later = (timezone.now() + datetime.timedelta(hours=3)).isoformat()
    response = api_as(tech).post(
        RESULTS, body(patient, tests[GLUCOSE], collected_at=later), format="json"
    )
    assert_error(response, 400, "collected_at")
    assert not LabResult.objects.exists()


def test_a_text_value_with_a_null_character_is_400(api_as, tech, patient, admin):
    """As every text field of the forms refuses it (PostgreSQL would refuse to store it)."""
    from labs import services

    urine = services.labtest_create(actor=admin, name="Urine colour", value_type="text")

    response = api_as(tech).post(RESULTS, body(patient, urine, value="Str\u0000aw"), format="json")

    assert_error(response, 400, "value")
    assert not LabResult.objects.exists()


def test_another_clinics_patient_or_test_is_404(api_as, tech, patient, tests, foreign):
    """Out of reach is answered like an unknown id (the access call's 404), naming the field."""
    from labs.models import LabTest

    foreign_test = LabTest.objects.get(clinic=foreign.clinic, loinc_code=GLUCOSE)
    client = api_as(tech)
    response = client.post(RESULTS, body(foreign, tests[GLUCOSE]), format="json")
    assert assert_error(response, 404)["detail"].startswith("patient")
    response = client.post(RESULTS, body(patient, foreign_test), format="json")
    assert assert_error(response, 404)["detail"].startswith("test")
    assert not LabResult.objects.exists()


def test_an_order_of_another_patient_is_refused(api_as, tech, clinic, admin, patient, tests):
    someone = make_patient(clinic, actor=admin, first_name="Sam")
    order = make_order(someone, actor=admin, tests=[tests[GLUCOSE]])
    response = api_as(tech).post(
        RESULTS, body(patient, tests[GLUCOSE], order=order.pk), format="json"
    )
    assert_error(response, 400, "order")
    assert not LabResult.objects.exists()


@pytest.mark.parametrize("raw", ['{"patient": ', "[1, 2]", "\x00", "null"])
def test_malformed_json_is_400(api_as, tech, raw):
    response = api_as(tech).post(RESULTS, data=raw, content_type="application/json")
    assert_error(response, 400)


def test_create_is_audited_with_the_patient(api_as, tech, patient, tests):
    data = api_as(tech).post(RESULTS, body(patient, tests[GLUCOSE]), format="json").json()
    rows = AuditEvent.objects.filter(object_id=data["id"])
    assert [(r.action, r.patient_id) for r in rows] == [("create", patient.pk)]


@pytest.fixture
def role_checks(monkeypatch):
    """The permissions asked of the role table (core.roles.can), wherever it was imported."""
    import core.permissions  # noqa: F401 - imported by DRF on first use: bind `can` before

    asked, real = [], roles.can

    def can(user, permission):
        asked.append(permission)
        return real(user, permission)

    for module in list(sys.modules.values()):
        if getattr(module, "can", None) is real:
            monkeypatch.setattr(module, "can", can)
    return asked


MONGO_VERBS = {"aggregate": "SELECT", "insert_many": "INSERT", "update_many": "UPDATE"}


def statements(captured) -> Counter:
    """(verb, table) of each query, e.g. ("SELECT", "labs_labtest"), on SQL and on MongoDB."""
    found = Counter()
    for query in captured:
        text = query["sql"]
        mongo = re.match(r"db\.(\w+)\.(\w+)\(", text)
        if mongo:
            found[MONGO_VERBS.get(mongo[2], mongo[2]), mongo[1]] += 1
            continue
        table = re.search(r'(?:FROM|INTO|UPDATE) "?(\w+)"?', text)
        found[text.split()[0].upper(), table[1] if table else ""] += 1
    return found


@pytest.mark.parametrize("with_order", [False, True])
def test_entering_a_result_checks_each_rule_once_and_loads_each_record_once(
    api_as, tech, admin, patient, tests, role_checks, with_order
):
    """The request path asks the role table once per check it needs (the endpoint's own, before
    the body is read, and the service's, which commands share) and loads the patient, the test
    (with its ranges) and the order once each; the new result is written, never read back."""
    data = body(patient, tests[GLUCOSE])
    if with_order:
        data["order"] = make_order(patient, actor=admin, tests=[tests[GLUCOSE]]).pk
    client = api_as(tech)
    role_checks.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.post(RESULTS, data, format="json")

    assert response.status_code == 201, response.content
    assert role_checks == ["labs.result.enter", "labs.result.enter"]
    done = statements(captured)
    assert done["SELECT", "patients_patient"] == 1
    assert done["SELECT", "labs_labtest"] == 1 and done["SELECT", "labs_referencerange"] == 1
    assert done["INSERT", "labs_labresult"] == 1 and done["INSERT", "accounts_auditevent"] == 1
    if with_order:  # the order with its items, then its other results for its progress
        assert done["SELECT", "labs_laborder"] == 1 and done["SELECT", "labs_laborderitem"] == 1
        assert done["SELECT", "labs_labresult"] == 1 and done["UPDATE", "labs_laborder"] == 1
    else:
        assert done["SELECT", "labs_labresult"] == 0 and done["SELECT", "labs_laborder"] == 0


# --- list and filters ----------------------------------------------------------------------------
@pytest.fixture
def history(patient, tests, tech):
    """Four glucose values over a month and one hemoglobin, oldest first."""
    glucose, hemoglobin = tests[GLUCOSE], tests[HEMOGLOBIN]
    return [
        make_result(patient, glucose, "65", actor=tech, collected_at=days_ago(30)),
        make_result(patient, glucose, "85", actor=tech, collected_at=days_ago(20)),
        make_result(patient, hemoglobin, "13", actor=tech, collected_at=days_ago(10)),
        make_result(patient, glucose, "120", actor=tech, collected_at=days_ago(5)),
        make_result(
            patient, glucose, "510", actor=tech, collected_at=days_ago(1), status="preliminary"
        ),
    ]


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_is_newest_first_and_paginated(admin_api, history):
    data = admin_api.get(RESULTS, {"page_size": 2}).json()
    assert data["count"] == 5
    assert [r["id"] for r in data["results"]] == [history[4].pk, history[3].pk]
    assert "page=2" in data["next"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"flag": "low"}, [0]),
        ({"flag": "critical_high"}, [4]),
        ({"status": "preliminary"}, [4]),
        ({"status": "final"}, [3, 2, 1, 0]),
        ({"test": "glucose"}, []),  # ids, not names
        ({"collected_from": "DAY25", "collected_to": "DAY8"}, [2, 1]),
        ({"collected_to": "DAY20"}, [1, 0]),  # a date includes its whole day
        ({"collected_from": "DAY5T"}, [4, 3]),
    ],
)
def test_list_filters(admin_api, history, params, expected):
    params = {k: _day(v) for k, v in params.items()}
    assert ids(admin_api.get(RESULTS, params)) == [history[i].pk for i in expected]


def _day(value: str) -> str:
    if not value.startswith("DAY"):
        return value
    days = int(value[3:].rstrip("T"))
    moment = timezone.localtime(days_ago(days))
    return moment.isoformat() if value.endswith("T") else moment.date().isoformat()


def test_list_filter_by_test_and_patient(admin_api, history, tests, patient, clinic, admin):
    make_result(make_patient(clinic, actor=admin, first_name="Bo"), tests[GLUCOSE], "90")
    got = ids(admin_api.get(RESULTS, {"test": tests[HEMOGLOBIN].pk, "patient": patient.pk}))
    assert got == [history[2].pk]
    assert len(ids(admin_api.get(RESULTS, {"patient": patient.pk}))) == 5
    assert len(ids(admin_api.get(RESULTS))) == 6


@pytest.mark.parametrize(
    "params",
    [
        {"flag": "purple"},
        {"status": "deleted"},
        {"collected_from": "yesterday"},
        {"collected_to": "2024-13-45"},
        {"collected_from": "2024-02-30T10:00"},
        {"patient": "nope"},
    ],
)
def test_bad_filters_are_400(admin_api, history, params):
    assert_error(admin_api.get(RESULTS, params), 400, next(iter(params)))


def test_other_clinics_results_are_never_listed(api_as, other_staff, history, foreign):
    other = api_as(other_staff[Role.ADMIN])
    assert other.get(RESULTS).json()["count"] == 0
    assert_error(other.get(RESULTS, {"patient": history[0].patient_id}), 400, "patient")


def test_list_audits_each_patient_on_the_page_once(admin_api, admin, history, clinic, tests):
    bo = make_patient(clinic, actor=admin, first_name="Bo")
    make_result(bo, tests[GLUCOSE], "90", actor=admin)
    since = audit_mark()
    admin_api.get(RESULTS)
    rows = audit_rows_since(since).filter(action="view")
    assert sorted(r.patient_id for r in rows) == sorted([history[0].patient_id, bo.pk])


def _count_queries(client, path, expected_count):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": 100})
    assert response.json()["count"] == expected_count
    return len(queries)


def test_list_costs_the_same_queries_for_1_and_50_results(admin_api, admin, clinic, tests):
    first = make_patient(clinic, actor=admin, first_name="P0")
    make_result(first, tests[GLUCOSE], "80", actor=admin)
    one = _count_queries(admin_api, RESULTS, 1)
    one_patient = _count_queries(admin_api, f"/api/v1/patients/{first.pk}/labs/", 1)
    for n in range(1, 50):
        # 25 patients (each audited on the page), and some results corrected or reviewed
        owner = first if n % 2 else make_patient(clinic, actor=admin, first_name=f"P{n}")
        test = tests[GLUCOSE] if n % 3 else tests[HEMOGLOBIN]
        result = make_result(owner, test, str(60 + n % 15), actor=admin)
        if n % 5 == 0:
            from labs import services

            if result.needs_communication:
                services.critical_communication_record(
                    actor=admin, result=result, communicated_to="Dr A", method="phone"
                )
            services.result_review(actor=admin, result=result, comment="ok")
    fifty = _count_queries(admin_api, RESULTS, 50)
    assert one == fifty, (one, fifty)
    assert fifty <= 8
    many_for_one = _count_queries(admin_api, f"/api/v1/patients/{first.pk}/labs/", 26)
    assert one_patient == many_for_one


# --- detail, correction, review ------------------------------------------------------------------
def test_detail_is_audited_exactly_once(api_as, staff, history):
    result = history[1]
    since = audit_mark()
    response = api_as(staff[Role.NURSE]).get(f"{RESULTS}{result.pk}/")
    assert response.status_code == 200
    assert response.json()["value"] == 85
    rows = list(audit_rows_since(since))
    assert [(r.action, r.object_id, r.patient_id) for r in rows] == [
        ("view", result.pk, result.patient_id)
    ]


def test_detail_without_trailing_slash(admin_api, history):
    assert admin_api.get(f"{RESULTS}{history[0].pk}").status_code == 200


def test_correction_keeps_history(api_as, staff, history):
    result = history[1]  # 85, normal
    client = api_as(staff[Role.LAB_TECH])
    response = client.post(
        f"{RESULTS}{result.pk}/correct", {"value": 130, "reason": "Transcription"}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["value"], data["flag"], data["status"]) == (130, "high", "corrected")
    assert [(h["value"], h["flag"], h["status"], h["reason"]) for h in data["history"]] == [
        (85, "normal", "final", "Transcription")
    ]
    assert data["history"][0]["changed_by"] == staff[Role.LAB_TECH].name
    again = client.post(
        f"{RESULTS}{result.pk}/correct", {"value": "131", "reason": "Again"}, format="json"
    ).json()
    assert [h["value"] for h in again["history"]] == [130, 85]
    detail = client.get(f"{RESULTS}{result.pk}/").json()
    assert [h["value"] for h in detail["history"]] == [130, 85]
    rows = AuditEvent.objects.filter(object_id=result.pk, action="update")
    assert {r.patient_id for r in rows} == {result.patient_id} and rows.count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"value": "abc", "reason": "x"}, "value"),
        ({"value": "90"}, "reason"),
        ({"value": "90", "reason": ""}, "reason"),
        ({"value": "90", "reason": "x", "unit": "g/L"}, "unit"),
        ({"value": [1], "reason": "x"}, "value"),
    ],
)
def test_bad_correction_is_400_and_changes_nothing(admin_api, history, payload, field):
    result = history[1]
    assert_error(
        admin_api.post(f"{RESULTS}{result.pk}/correct", payload, format="json"), 400, field
    )
    result.refresh_from_db()
    assert result.value_numeric == 85 and not LabResultRevision.objects.exists()


def test_correcting_a_preliminary_result_makes_it_final(admin_api, history):
    preliminary = history[4]
    data = admin_api.post(
        f"{RESULTS}{preliminary.pk}/correct", {"value": 480, "reason": "Rerun"}, format="json"
    ).json()
    assert (data["status"], data["flag"]) == ("final", "high")


def test_review_sign_off(api_as, clinician, history):
    client = api_as(clinician)
    result = history[3]
    response = client.post(f"{RESULTS}{result.pk}/review", {"comment": " Repeat in 3 months "})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["reviewed_by"] == clinician.name
    assert data["review_comment"] == "Repeat in 3 months"
    assert data["reviewed_at"]
    assert_error(client.post(f"{RESULTS}{result.pk}/review", {}, format="json"), 400)
    assert_error(client.post(f"{RESULTS}{history[4].pk}/review", {}, format="json"), 400)


def test_review_with_empty_body(api_as, clinician, history):
    response = api_as(clinician).post(f"{RESULTS}{history[0].pk}/review")
    assert response.status_code == 200, response.content


def test_review_queue_puts_critical_first(api_as, clinician, history, tests, patient, tech):
    critical = make_result(patient, tests[GLUCOSE], "30", actor=tech, collected_at=days_ago(40))
    client = api_as(clinician)
    client.post(f"{RESULTS}{history[1].pk}/review", {}, format="json")
    got = ids(client.get(f"{RESULTS}review-queue"))
    # critical, then abnormal (high 120, low 65) newest first, then normal (hemoglobin 13)
    assert got[0] == critical.pk
    assert history[1].pk not in got and history[4].pk not in got  # reviewed; preliminary
    assert set(got[1:3]) == {history[3].pk, history[0].pk}
    assert got[3:] == [history[2].pk]


def test_review_queue_filters_as_the_review_page_does(
    api_as, clinician, admin, history, tests, patient, tech
):
    critical = make_result(patient, tests[GLUCOSE], "30", actor=tech, collected_at=days_ago(40))
    other = make_patient(patient.clinic, actor=admin, first_name="Zeno", last_name="Quist")
    order = make_order(other, actor=admin, tests=[tests[GLUCOSE]])
    admins_order = make_result(other, tests[GLUCOSE], "200", actor=tech, order=order)
    client = api_as(clinician)

    def queue(**params):
        return ids(client.get(f"{RESULTS}review-queue", params))

    assert queue(severity="critical") == [critical.pk]
    assert queue(severity="abnormal") == [admins_order.pk, history[3].pk, history[0].pk]
    assert queue(search="quist") == [admins_order.pk]
    assert admins_order.pk not in queue(mine="true")  # an order someone else placed
    assert set(queue(mine="true")) == set(queue(mine="false")) - {admins_order.pk}
    response = client.get(f"{RESULTS}review-queue", {"severity": "urgent"})
    assert response.status_code == 400 and "severity" in response.json()["errors"]


def test_review_queue_pages_show_each_result_once_when_a_panel_shares_its_time(
    api_as, clinician, tests, patient, tech
):
    """A panel's results share their collection time and their priority: each still appears on
    exactly one page (MongoDB keeps no order among ties across skips without the id)."""
    when = days_ago(3)
    made = {make_result(patient, tests[GLUCOSE], v, actor=tech, collected_at=when).pk for v in
            ("120", "125", "130", "135", "140", "145", "150")}  # fmt: skip
    client = api_as(clinician)
    seen = []
    for number in (1, 2, 3):
        seen += ids(client.get(f"{RESULTS}review-queue", {"page": number, "page_size": 3}))
    assert sorted(seen) == sorted(made)


# --- per patient ---------------------------------------------------------------------------------
def test_patient_labs_list_is_audited_once_with_filters(admin_api, history, patient):
    since = audit_mark()
    path = f"/api/v1/patients/{patient.pk}/labs/"
    assert len(ids(admin_api.get(path))) == 5
    assert ids(admin_api.get(path, {"flag": "high"})) == [history[3].pk]
    rows = audit_rows_since(since)
    assert [(r.action, r.patient_id) for r in rows] == [("view", patient.pk)] * 2


def test_trend_is_oldest_first_with_the_band(admin_api, history, patient, tests):
    path = f"/api/v1/patients/{patient.pk}/labs/trend/{tests[GLUCOSE].pk}/"
    data = admin_api.get(path).json()
    assert [p["value"] for p in data["points"]] == [65, 85, 120, 510]
    assert [p["flag"] for p in data["points"]] == ["low", "normal", "high", "critical_high"]
    assert data["reference_range"] == {"low": 70, "high": 99, "text": "70–99"}
    assert data["points"][0]["reference_range"]["text"] == "70–99"
    assert data["test"]["unit"] == "mg/dL" and data["patient_id"] == patient.pk


def test_trend_of_a_test_without_results_is_empty(admin_api, patient, tests):
    data = admin_api.get(f"/api/v1/patients/{patient.pk}/labs/trend/{tests['2160-0'].pk}").json()
    assert data["points"] == []
    assert data["reference_range"]["text"] == "0.59–1.04"  # creatinine, female


def test_trend_of_another_clinics_test_is_404(admin_api, patient, foreign):
    from labs.models import LabTest

    foreign_test = LabTest.objects.filter(clinic=foreign.clinic).first()
    path = f"/api/v1/patients/{patient.pk}/labs/trend/{foreign_test.pk}/"
    assert_error(admin_api.get(path), 404)


# --- patient users -------------------------------------------------------------------------------
@pytest.fixture
def me(patient):
    return portal_user(patient)


def test_patient_sees_only_own_final_and_corrected_results(
    api_as, me, history, clinic, admin, tests
):
    from labs import services

    other = make_patient(clinic, actor=admin, first_name="Nosy")
    theirs = make_result(other, tests[GLUCOSE], "88", actor=admin)
    services.result_correct(actor=admin, result=history[0], value="66", reason="rerun")
    client = api_as(me)
    visible = ids(client.get(RESULTS))
    assert visible == [history[3].pk, history[2].pk, history[1].pk, history[0].pk]
    assert history[4].pk not in visible  # preliminary
    assert ids(client.get(f"/api/v1/patients/{history[0].patient_id}/labs/")) == visible
    assert_error(client.get(f"{RESULTS}{history[4].pk}/"), 404)
    assert_error(client.get(f"{RESULTS}{history[4].pk}/fhir"), 404)
    assert_error(client.get(f"{RESULTS}{theirs.pk}/"), 404)
    assert_error(client.get(f"/api/v1/patients/{other.pk}/labs/"), 404)
    mine = client.get(f"{RESULTS}{history[0].pk}/").json()
    assert (mine["status"], mine["flag"], mine["reference_range"]["text"]) == (
        "corrected",
        "low",
        "70–99",
    )
    trend = client.get(f"/api/v1/patients/{me.patient_record.pk}/labs/trend/{tests[GLUCOSE].pk}/")
    assert [p["value"] for p in trend.json()["points"]] == [66, 85, 120]


def test_an_archived_record_closes_its_results_to_the_patient(api_as, me, history, admin_api):
    client = api_as(me)
    path = f"{RESULTS}{history[0].pk}/"
    assert client.get(path).status_code == 200
    Patient.objects.filter(pk=me.patient_record.pk).update(is_archived=True)
    assert_error(client.get(path), 404)
    assert ids(client.get(RESULTS)) == []
    assert admin_api.get(path).status_code == 200  # staff still read it


def test_patient_cannot_write(api_as, me, history, patient, tests):
    client = api_as(me)
    assert_error(client.post(RESULTS, body(patient, tests[GLUCOSE]), format="json"), 403)
    path = f"{RESULTS}{history[0].pk}/"
    assert_error(client.post(f"{path}correct", {"value": "1", "reason": "x"}, format="json"), 403)
    assert_error(client.post(f"{path}review", {}, format="json"), 403)
    assert_error(client.put(path, {}, format="json"), 405)
    assert_error(client.delete(path), 405)
    assert LabResult.objects.count() == 5
