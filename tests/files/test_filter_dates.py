"""Date filters at the ends of the calendar on the Documents list, a patient's files and the
files API: a day outside 1900-2999 is an error on the filter (a 400 in the API), never a 500, in
a clinic west of UTC (the last day's end is past year 9999 in UTC) or east of it (the first
day's start is before year 1)."""

import pytest

from core.roles import Role
from tests.files.factories import stored_file

pytestmark = pytest.mark.django_db

OUTSIDE = "Give a date between 1900 and 2999."
ZONES = ["UTC", "America/New_York", "Asia/Tokyo"]
REFUSED = ["uploaded_to=9999-12-31", "uploaded_from=0001-01-01", "uploaded_from=1899-12-31"]


@pytest.fixture
def filed(staff, patient):
    stored_file(staff[Role.ADMIN], patient, title="Cardiology referral")
    return patient


def in_zone(clinic, zone):
    clinic.timezone = zone
    clinic.save()


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("query", REFUSED)
@pytest.mark.parametrize("page", ["/files/", "/files/patients/{pid}/"])
def test_a_day_outside_the_calendar_is_an_error_on_the_filter(
    client, staff, clinic, filed, zone, query, page
):
    in_zone(clinic, zone)
    client.force_login(staff[Role.ADMIN])
    response = client.get(page.format(pid=filed.pk) + f"?{query}")
    assert response.status_code == 200
    shown = response.content.decode()
    assert OUTSIDE in shown
    assert "Cardiology referral" in shown  # the refused day filters nothing out


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("page", ["/files/", "/files/patients/{pid}/"])
def test_the_first_and_last_days_of_the_calendar_filter(client, staff, clinic, filed, zone, page):
    in_zone(clinic, zone)
    client.force_login(staff[Role.ADMIN])
    url = page.format(pid=filed.pk)
    shown = client.get(f"{url}?uploaded_from=1900-01-01&uploaded_to=2999-12-31").content.decode()
    assert "Cardiology referral" in shown and OUTSIDE not in shown
    shown = client.get(f"{url}?uploaded_from=2999-12-31").content.decode()
    assert "Cardiology referral" not in shown


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("uploaded_to", "9999-12-31"),
        ("uploaded_from", "0001-01-01"),
        ("uploaded_to", "9999-12-31T23:00:00-05:00"),
        ("uploaded_from", "0001-01-01T01:00:00+09:00"),
    ],
)
def test_the_api_answers_a_day_outside_the_calendar_with_a_400(
    api_as, staff, clinic, filed, zone, name, value
):
    in_zone(clinic, zone)
    api = api_as(staff[Role.ADMIN])
    response = api.get(f"/api/v1/patients/{filed.pk}/files/", {name: value})
    assert response.status_code == 400
    assert response.json()["errors"] == {name: [OUTSIDE]}
    edges = {"uploaded_from": "1900-01-01", "uploaded_to": "2999-12-31"}
    response = api.get(f"/api/v1/patients/{filed.pk}/files/", edges)
    assert response.status_code == 200
    assert [f["title"] for f in response.json()["results"]] == ["Cardiology referral"]
