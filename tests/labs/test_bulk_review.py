"""Sign-off in bulk: a whole order (or a patient's normal results) with one comment; abnormal and
critical results still need their own tick; the queue grouped by patient and order, counted
exactly."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from core.errors import Conflict
from core.roles import Role
from labs import selectors, services
from labs.models import LabOrder, LabResult
from tests.labs.factories import (
    GLUCOSE,
    POTASSIUM,
    communicate,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
)
from tests.patients.html_factories import page_text

pytestmark = pytest.mark.django_db
SODIUM, CHLORIDE, CALCIUM = "2951-2", "2075-0", "17861-6"


@pytest.fixture
def catalogue(clinic):
    return install_catalogue(clinic)


@pytest.fixture
def clinician(staff):
    return staff[Role.CLINICIAN]


@pytest.fixture
def tech(staff):
    return staff[Role.LAB_TECH]


@pytest.fixture
def patient(clinic, catalogue):
    return make_patient(clinic)


@pytest.fixture
def bmp(patient, catalogue, clinician, tech):
    """An order of five tests: three normal, one high, one critical."""
    values = {GLUCOSE: "150", SODIUM: "140", CHLORIDE: "100", CALCIUM: "9.5", POTASSIUM: "7.0"}
    order = make_order(patient, actor=clinician, tests=[catalogue[c] for c in values])
    results = {
        code: make_result(patient, catalogue[code], value, actor=tech, order=order)
        for code, value in values.items()
    }
    return order, results


def reviewed(results) -> set[str]:
    return {
        r.test.loinc_code
        for r in LabResult.objects.filter(pk__in=[r.pk for r in results.values()])
        if r.reviewed_at
    }


# --- service --------------------------------------------------------------------------------------
def test_an_order_is_signed_with_one_comment_and_abnormal_results_wait_for_their_tick(
    bmp, clinician
):
    order, results = bmp
    scope = selectors.review_scope(actor=clinician, order_id=order.pk)
    done = services.results_review_bulk(actor=clinician, results=scope, comment="Seen, fine")
    assert reviewed(results) == {SODIUM, CHLORIDE, CALCIUM}
    assert {r.test.loinc_code for r in done.left} == {GLUCOSE, POTASSIUM}
    assert {r.review_comment for r in LabResult.objects.filter(reviewed_at__isnull=False)} == {
        "Seen, fine"
    }
    assert AuditEvent.objects.filter(detail="reviewed (with others)").count() == 3
    order.refresh_from_db()
    assert order.status == LabOrder.Status.RESULTED  # two still waiting


def test_a_ticked_critical_needs_its_communication_first_and_nothing_is_signed(bmp, clinician):
    order, results = bmp
    scope = selectors.review_scope(actor=clinician, order_id=order.pk)
    ticked = [results[GLUCOSE].pk, results[POTASSIUM].pk]
    with pytest.raises(Conflict) as caught:
        services.results_review_bulk(actor=clinician, results=scope, ticked=ticked)
    assert caught.value.extra["results"] == [str(results[POTASSIUM].pk)]
    assert reviewed(results) == set()

    communicate(results[POTASSIUM])
    scope = selectors.review_scope(actor=clinician, order_id=order.pk)
    done = services.results_review_bulk(actor=clinician, results=scope, ticked=ticked)
    assert len(done.reviewed) == 5 and done.left == []
    order.refresh_from_db()
    assert order.status == LabOrder.Status.REVIEWED


def test_all_normal_results_of_a_patient_across_orders(patient, catalogue, clinician, tech):
    first = make_order(patient, actor=clinician, tests=[catalogue[SODIUM]])
    second = make_order(patient, actor=clinician, tests=[catalogue[GLUCOSE]])
    make_result(patient, catalogue[SODIUM], "140", actor=tech, order=first)
    make_result(patient, catalogue[GLUCOSE], "95", actor=tech, order=second)
    make_result(patient, catalogue[CHLORIDE], "100", actor=tech)  # outside result
    make_result(patient, catalogue[CALCIUM], "12", actor=tech)  # high
    scope = selectors.review_scope(actor=clinician, patient_id=patient.pk)
    done = services.results_review_bulk(actor=clinician, results=scope)
    assert len(done.reviewed) == 3 and [r.test.loinc_code for r in done.left] == [CALCIUM]


def test_a_tick_outside_the_scope_and_an_empty_sign_off_are_refused(bmp, patient, clinician):
    order, results = bmp
    scope = selectors.review_scope(actor=clinician, order_id=order.pk)
    with pytest.raises(ValidationError):
        services.results_review_bulk(actor=clinician, results=scope, ticked=["0" * 24])
    with pytest.raises(ValidationError, match="Nothing to sign off"):
        services.results_review_bulk(actor=clinician, results=[results[GLUCOSE]])


def test_a_nurse_may_not_sign_off(bmp, staff):
    from django.core.exceptions import PermissionDenied

    order, _results = bmp
    with pytest.raises(PermissionDenied):
        selectors.review_scope(actor=staff[Role.NURSE], order_id=order.pk)


# --- API ------------------------------------------------------------------------------------------
def test_api_bulk_review_of_an_order(api_as, bmp, clinician):
    order, results = bmp
    response = api_as(clinician).post(
        "/api/v1/labs/results/bulk-review",
        {"order": order.pk, "comment": "ok", "abnormal": [results[GLUCOSE].pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["reviewed"]) == 4
    assert [r["test"]["loinc_code"] for r in body["left"]] == [POTASSIUM]


def test_api_bulk_review_is_409_for_a_ticked_silent_critical(api_as, bmp, clinician):
    order, results = bmp
    response = api_as(clinician).post(
        "/api/v1/labs/results/bulk-review",
        {"order": order.pk, "abnormal": [results[POTASSIUM].pk]},
        format="json",
    )
    assert response.status_code == 409 and response.json()["results"]


def test_api_bulk_review_needs_one_scope(api_as, bmp, clinician, patient):
    order, _results = bmp
    client = api_as(clinician)
    both = {"order": order.pk, "patient": patient.pk}
    assert client.post("/api/v1/labs/results/bulk-review", both, format="json").status_code == 400
    assert client.post("/api/v1/labs/results/bulk-review", {}, format="json").status_code == 400


def test_api_bulk_review_of_another_clinics_order_is_404(api_as, bmp, other_staff):
    order, _results = bmp
    response = api_as(other_staff[Role.CLINICIAN]).post(
        "/api/v1/labs/results/bulk-review", {"order": order.pk}, format="json"
    )
    assert response.status_code == 404


# --- HTML -----------------------------------------------------------------------------------------
def test_the_queue_is_grouped_by_patient_and_order_with_an_exact_count(
    client, bmp, clinic, catalogue, clinician, tech
):
    other = make_patient(clinic, first_name="Bea", last_name="Nguyen")
    make_result(other, catalogue[GLUCOSE], "90", actor=tech)
    client.force_login(clinician)
    response = client.get("/labs/review/")
    text = page_text(response)
    assert "6 results waiting for review" in text and "2 orders or patients" in text
    groups = response.context["page_obj"].object_list
    assert [len(g.results) for g in groups] == [5, 1]  # the order with a critical value first
    assert "Sign off this order" in text and "Outside results" in text
    assert f'name="abnormal" value="{bmp[1][GLUCOSE].pk}"' in text
    assert f'value="{bmp[1][POTASSIUM].pk}"' not in text  # no tick before the communication
    assert f"/labs/results/{bmp[1][POTASSIUM].pk}/communication/" in text


def test_signing_an_order_from_the_queue(client, bmp, clinician):
    order, results = bmp
    client.force_login(clinician)
    response = client.post(
        "/labs/review/sign-off/",
        {
            "scope": "order",
            "order": order.pk,
            "patient": order.patient_id,
            "comment": "Discussed",
            "abnormal": [results[GLUCOSE].pk],
            "next": "/labs/review/",
        },
        follow=True,
    )
    text = page_text(response)
    assert "4 results signed off." in text
    assert "1 abnormal result still needs its own tick." in text
    assert reviewed(results) == {GLUCOSE, SODIUM, CHLORIDE, CALCIUM}
    assert "1 result waiting for review" in text


def test_the_queue_costs_the_same_for_many_groups(
    client, patient, clinic, catalogue, clinician, tech, django_assert_max_num_queries
):
    make_result(patient, catalogue[GLUCOSE], "90", actor=tech)
    client.force_login(clinician)
    client.get("/labs/review/")
    with django_assert_max_num_queries(60) as one:
        client.get("/labs/review/")
    for n in range(12):
        person = make_patient(clinic, first_name=f"P{n}")
        order = make_order(person, actor=clinician, tests=[catalogue[SODIUM]])
        make_result(person, catalogue[SODIUM], "140", actor=tech, order=order)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/labs/review/")


def test_a_long_queue_is_grouped_only_as_far_as_its_page_and_says_about(
    client, clinic, catalogue, clinician, tech, monkeypatch
):
    """Past GROUPED_EXACTLY_UP_TO results a page groups only the rows it needs (a backlog of
    20,000 was grouped whole on every view), in the order the whole queue would give, and its
    totals say "about"."""
    people = [make_patient(clinic, first_name=f"P{n}") for n in range(12)]
    for n, person in enumerate(people):
        make_result(person, catalogue[SODIUM], str(135 + n % 5), actor=tech)
    make_result(people[5], catalogue[POTASSIUM], "7.0", actor=tech)  # critical: P5's group first
    client.force_login(clinician)

    def groups(page):
        response = client.get(f"/labs/review/?page={page}")
        return [g.key for g in response.context["page_obj"].object_list], page_text(response)

    exact = [groups(1), groups(2)]
    assert "13 results waiting for review" in exact[0][1] and "12 orders or patients" in exact[0][1]
    monkeypatch.setattr(selectors, "GROUPED_EXACTLY_UP_TO", 3)
    walked = [groups(1), groups(2)]

    assert [keys for keys, _text in walked] == [keys for keys, _text in exact]
    assert walked[0][0][0].startswith(str(people[5].pk)) and len(walked[1][0]) == 2
    text = walked[0][1]
    assert "About 13 results waiting for review" in text and "about 12 orders or patients" in text
    assert "Showing 1–10 of about 12" in text
