"""Date filters at the ends of the calendar, on a patient's notes page and the notes API: a day
outside 1900-2999 is an error on the filter (a 400 in the API), never a 500, in a clinic on, west
or east of UTC (the day's start and the next day's midnight are taken in the clinic's time)."""

import pytest

from core.roles import Role
from tests.notes.factories import make_note

pytestmark = pytest.mark.django_db

OUTSIDE = "Give a date between 1900 and 2999."
ZONES = ["UTC", "America/New_York", "Asia/Tokyo"]


@pytest.fixture
def noted(clinician, patient, notes_clinic):
    make_note(clinician, patient, title="Asthma review")
    return patient


def in_zone(clinic, zone):
    clinic.timezone = zone
    clinic.save()


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    "query", ["date_to=9999-12-31", "date_from=0001-01-01", "date_from=3000-01-01"]
)
def test_a_day_outside_the_calendar_is_an_error_on_the_filter(
    client, clinician, noted, notes_clinic, zone, query
):
    in_zone(notes_clinic, zone)
    client.force_login(clinician)
    response = client.get(f"/notes/patients/{noted.pk}/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert OUTSIDE in page
    assert "Asthma review" in page  # the refused day filters nothing out


@pytest.mark.parametrize("zone", ZONES)
def test_the_first_and_last_days_of_the_calendar_filter(
    client, clinician, noted, notes_clinic, zone
):
    in_zone(notes_clinic, zone)
    client.force_login(clinician)
    page = client.get(
        f"/notes/patients/{noted.pk}/?date_from=1900-01-01&date_to=2999-12-31"
    ).content.decode()
    assert "Asthma review" in page and OUTSIDE not in page
    page = client.get(f"/notes/patients/{noted.pk}/?date_from=2999-12-31").content.decode()
    assert "Asthma review" not in page and "No notes match these filters." in page


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("name", "day"), [("date_to", "9999-12-31"), ("date_from", "0001-01-01")])
def test_the_api_answers_a_day_outside_the_calendar_with_a_400(
    api_as, staff, noted, notes_clinic, zone, name, day
):
    in_zone(notes_clinic, zone)
    api = api_as(staff[Role.CLINICIAN])
    for params in ({name: day}, {name: day, "patient": noted.pk}):
        response = api.get("/api/v1/notes/", params)
        assert response.status_code == 400
        assert response.json()["errors"] == {name: [OUTSIDE]}
    edges = {"date_from": "1900-01-01", "date_to": "2999-12-31", "patient": noted.pk}
    response = api.get("/api/v1/notes/", edges)
    assert response.status_code == 200
    assert [n["title"] for n in response.json()["results"]] == ["Asthma review"]
