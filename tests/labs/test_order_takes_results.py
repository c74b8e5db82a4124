"""What an order takes: one result for each of its own tests, none once cancelled. The one rule
(labs.services.build_result) holds for the API, the per-order grid and several rows at once."""

import pytest

from accounts.models import AuditEvent
from core.errors import Conflict
from core.roles import Role
from labs import fhir, selectors, services
from labs.models import LabResult
from tests.labs.factories import (
    GLUCOSE,
    days_ago,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
    panel,
)
from tests.labs.test_html_base import login
from tests.labs.test_html_workflow import local, row_data
from tests.patients.html_factories import page_text

pytestmark = pytest.mark.django_db
login = login  # the shared fixture
RESULTS = "/api/v1/labs/results/"
TSH = "3016-3"


@pytest.fixture
def tests(clinic):
    return install_catalogue(clinic)


@pytest.fixture
def tech(staff):
    return staff[Role.LAB_TECH]


@pytest.fixture
def patient(clinic, staff, tests):
    return make_patient(clinic, actor=staff[Role.ADMIN])


@pytest.fixture
def order(staff, clinic, patient, tests):
    """A collected "Lipid panel + Glucose" order."""
    placed = make_order(
        patient,
        actor=staff[Role.CLINICIAN],
        tests=[tests[GLUCOSE]],
        panels=[panel(clinic, "Lipid")],
    )
    return services.order_collect(actor=staff[Role.ADMIN], order=placed)


def post(client, patient, test, order, value="95"):
    data = {
        "patient": patient.pk,
        "test": test.pk,
        "value": value,
        "order": order.pk,
        "collected_at": days_ago(1).isoformat(),
    }
    return client.post(RESULTS, data, format="json")


def test_a_cancelled_order_takes_no_result(api_as, tech, staff, patient, tests, order):
    services.order_cancel(actor=staff[Role.CLINICIAN], order=order, reason="Haemolysed")
    before = AuditEvent.objects.count()

    response = post(api_as(tech), patient, tests[GLUCOSE], order)

    assert response.status_code == 400, response.content
    assert "cancelled" in response.json()["errors"]["order"][0]
    assert not LabResult.objects.exists() and AuditEvent.objects.count() == before


def test_a_test_the_order_does_not_have_is_refused(api_as, tech, patient, tests, order):
    response = post(api_as(tech), patient, tests[TSH], order)

    assert response.status_code == 400, response.content
    assert response.json()["errors"]["test"] == ["TSH is not on this order."]
    assert not LabResult.objects.exists()
    _order, results = selectors.order_export(actor=tech, id=order.pk)
    assert fhir.diagnostic_report(order, results).get("contained", []) == []


def test_a_second_result_for_an_ordered_test_is_a_409_naming_the_first(
    api_as, tech, patient, tests, order
):
    client = api_as(tech)
    first = post(client, patient, tests[GLUCOSE], order)
    assert first.status_code == 201, first.content

    again = post(client, patient, tests[GLUCOSE], order, value="96")

    assert again.status_code == 409, again.content
    body = again.json()
    assert "already has a result for Glucose" in body["detail"]
    assert body["result"] == first.json()["id"]
    assert list(LabResult.objects.values_list("value_numeric", flat=True)) == [95]


def test_the_orders_own_tests_are_still_taken_and_complete_it(api_as, tech, patient, order):
    client = api_as(tech)
    for item in order.items.all():
        response = post(client, patient, item.test, order, value="100")
        assert response.status_code == 201, response.content
    order.refresh_from_db()
    assert order.status == "resulted"
    assert LabResult.objects.filter(order=order).count() == order.items.count()


def test_several_rows_repeating_a_test_write_nothing(tech, patient, tests, order):
    row = {
        "patient": patient,
        "test": tests[GLUCOSE],
        "order": order,
        "value": "95",
        "collected_at": days_ago(1),
    }
    with pytest.raises(services.RowsInvalid) as refused:
        services.results_enter(actor=tech, rows=[row, {**row, "value": "96"}])

    assert list(refused.value.row_errors) == [1]
    assert isinstance(refused.value.row_errors[1], Conflict)
    assert not LabResult.objects.exists()


def test_rows_for_a_test_already_resulted_write_nothing(tech, patient, tests, order):
    make_result(patient, tests[GLUCOSE], actor=tech, order=order)
    rows = [
        {
            "patient": patient,
            "test": item.test,
            "order": order,
            "value": "95",
            "collected_at": days_ago(1),
        }
        for item in order.items.all()
    ]
    with pytest.raises(services.RowsInvalid) as refused:
        services.results_enter(actor=tech, rows=rows)

    assert len(refused.value.row_errors) == 1
    assert LabResult.objects.count() == 1


def test_the_grid_shows_a_result_entered_meanwhile_on_its_row(
    login, tech, patient, tests, order, monkeypatch
):
    """A colleague entered Glucose after the grid read the order's results: the row says so
    and nothing is written."""
    make_result(patient, tests[GLUCOSE], actor=tech, order=order)
    monkeypatch.setattr(selectors, "order_results", lambda **_kwargs: [])
    items = list(order.items.all())
    rows = [{"value": "95"} for _item in items]

    response = login(tech).post(
        f"/labs/orders/{order.pk}/results/", row_data(rows, collected_at=local(days_ago(1)))
    )

    assert response.status_code == 200
    assert "already has a result for Glucose" in page_text(response)
    assert "1 row has an error; nothing was saved." in page_text(response)
    assert LabResult.objects.count() == 1


def test_the_grid_still_enters_an_orders_results(login, tech, order):
    rows = [{"value": "95"} for _item in order.items.all()]
    response = login(tech).post(
        f"/labs/orders/{order.pk}/results/", row_data(rows, collected_at=local(days_ago(1)))
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "resulted"
