"""API callers with a bearer token read times, "today" and error text as the clinic's pages do:
the clinic's timezone and language are activated once the token is checked."""

import datetime
import zoneinfo

import pytest

from core.roles import Role
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/patients"


def zone_off_the_utc_date() -> str:
    """A timezone whose date differs from UTC's right now: a day ahead (UTC+14) from 10:00 UTC,
    a day behind (UTC-11) before 11:00 UTC."""
    now = datetime.datetime.now(datetime.UTC)
    return "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"


def test_times_in_the_answer_are_in_the_clinics_timezone(api_as, clinic, staff):
    clinic.timezone = "America/New_York"
    clinic.save()
    patient = PatientFactory(clinic=clinic)

    data = api_as(staff[Role.CLINICIAN]).get(f"{API}/{patient.pk}/").json()

    created = datetime.datetime.fromisoformat(data["created_at"])
    assert (
        created.utcoffset()
        == patient.created_at.astimezone(zoneinfo.ZoneInfo("America/New_York")).utcoffset()
    )
    assert created == patient.created_at.replace(microsecond=created.microsecond)


def test_today_is_the_clinics_today(api_as, clinic, staff):
    clinic.timezone = zone_off_the_utc_date()
    clinic.save()
    today = datetime.datetime.now(zoneinfo.ZoneInfo(clinic.timezone)).date()
    api = api_as(staff[Role.CLINICIAN])

    def create(born: datetime.date):
        body = {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": born.isoformat()}
        return api.post(f"{API}/", body, format="json")

    assert create(today).status_code == 201  # born today, the clinic's today
    refused = create(today + datetime.timedelta(days=1))
    assert refused.status_code == 400
    assert "future" in str(refused.json())


def test_the_clinics_language_for_a_caller_without_a_choice(api_as, clinic):
    clinic.timezone, clinic.locale = "Europe/Madrid", "es"
    clinic.save()
    caller = UserFactory(clinic=clinic, role=Role.CLINICIAN, language="")

    answer = api_as(caller).get(f"{API}/000000000000000000000000/", HTTP_ACCEPT_LANGUAGE="en")

    assert answer.status_code == 404
    assert answer.json()["detail"] == "No encontrado."
