"""The trend chart's band comes from one selector, so the trend page and the trend endpoint agree:
the range reported with the newest value; before any value, the range that applies today."""

import re

import pytest

from core.roles import Role
from labs import services
from tests.labs.factories import GLUCOSE, days_ago, install_catalogue, make_patient, make_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(staff):
    return staff[Role.ADMIN]


@pytest.fixture
def glucose(clinic):
    return install_catalogue(clinic)[GLUCOSE]


@pytest.fixture
def patient(clinic, admin, glucose):
    return make_patient(clinic, actor=admin)


def html_band(client, patient, test) -> tuple[str, str]:
    """(the range in the page's header, the range the chart's description names)."""
    page = client.get(f"/labs/patients/{patient.pk}/tests/{test.pk}/").content.decode()
    header = re.search(r"Reference range ([^ <]+)", page)
    chart = re.search(r"reference range ([^ <]+) \(", page)
    return header[1] if header else "", chart[1] if chart else ""


def api_band(api_as, user, patient, test) -> dict | None:
    path = f"/api/v1/patients/{patient.pk}/labs/trend/{test.pk}/"
    return api_as(user).get(path).json()["reference_range"]


def test_the_band_is_the_newest_results_range_on_both_doors(
    client, api_as, admin, patient, glucose
):
    make_result(patient, glucose, "85", actor=admin, collected_at=days_ago(20))
    make_result(patient, glucose, "120", actor=admin, collected_at=days_ago(2))  # high vs 70–99
    # The clinic then aligns the catalogue with a new laboratory: today's range is wider.
    services.range_update(actor=admin, reference=glucose.ranges.get(), high=110)
    client.force_login(admin)

    assert html_band(client, patient, glucose) == ("70–99", "70–99")
    assert api_band(api_as, admin, patient, glucose) == {"low": 70, "high": 99, "text": "70–99"}


def test_before_any_result_both_doors_show_todays_range(client, api_as, admin, patient, glucose):
    services.range_update(actor=admin, reference=glucose.ranges.get(), high=110)
    client.force_login(admin)
    page = client.get(f"/labs/patients/{patient.pk}/tests/{glucose.pk}/").content.decode()

    assert "Reference range 70–110" in page and "hp-trend-chart" not in page
    assert api_band(api_as, admin, patient, glucose) == {"low": 70, "high": 110, "text": "70–110"}
