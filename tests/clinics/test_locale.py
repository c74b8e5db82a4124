"""A clinic's country and locale: defaulted from the timezone, editable (page and API), and one
date and one date-time format per locale on every page (GB and US forms)."""

import datetime

import pytest
from django.template import Context, Template

from clinics.locale_context import clinic_formats
from clinics.locales import COUNTRY_CHOICES, country_for_timezone
from clinics.models import TIMEZONE_CHOICES, Clinic
from tests.patients.factories import PatientFactory

WHEN = datetime.datetime(2026, 12, 1, 21, 5, tzinfo=datetime.UTC)
DATES = Template('{{ born|date:"DATE_FORMAT" }} | {{ when|date:"DATETIME_FORMAT" }}')


@pytest.mark.parametrize(
    "tz,country,locale",
    [
        ("Europe/London", "GB", "en-GB"),
        ("America/New_York", "US", "en-US"),
        ("Europe/Madrid", "ES", "es"),
        ("Europe/Paris", "FR", "fr"),
        ("UTC", "", "en-GB"),
        ("Pacific/Midway", "", "en-US"),  # UM: no listed country, dates as in the US
    ],
)
def test_country_and_locale_default_from_the_timezone(db, tz, country, locale):
    clinic = Clinic(name="C", slug=f"c-{country or 'utc'}", timezone=tz)
    assert (clinic.country_code, clinic.locale_code) == (country, locale)


@pytest.mark.parametrize(
    "tz,expected",
    [
        ("Europe/London", "24/09/2004 | 1 Dec 2026, 21:05"),
        ("America/New_York", "09/24/2004 | Dec 1, 2026, 4:05 PM"),
    ],
)
def test_one_date_and_datetime_format_per_clinic_locale(db, tz, expected):
    clinic = Clinic(name="C", slug="c", timezone=tz)
    with clinic_formats(clinic):  # what pages get from the middleware, e-mails from this
        rendered = DATES.render(Context({"born": datetime.date(2004, 9, 24), "when": WHEN}))
    assert rendered == expected


def test_pages_use_the_clinics_format_gb_then_us(admin_web, clinic):
    patient = PatientFactory(clinic=clinic, date_of_birth=datetime.date(2004, 9, 24))
    url = f"/patients/{patient.pk}/"
    assert "24/09/2004" in admin_web.get(url).content.decode()

    clinic.locale = "en-US"
    clinic.save()

    page = admin_web.get(url).content.decode()
    assert "09/24/2004" in page and "24/09/2004" not in page


def test_api_reads_the_values_in_force_and_patches_them(admin_api, clinic):
    data = admin_api.get("/api/v1/clinics/current").json()
    assert (data["country"], data["locale"]) == ("GB", "en-GB")  # from Europe/London

    response = admin_api.patch(
        "/api/v1/clinics/current", {"country": "US", "locale": "en-US"}, format="json"
    )

    assert response.status_code == 200, response.content
    clinic.refresh_from_db()
    assert (clinic.country, clinic.locale) == ("US", "en-US")
    bad = admin_api.patch("/api/v1/clinics/current", {"locale": "klingon"}, format="json")
    assert bad.status_code == 400


def test_a_clinic_in_a_zone_of_no_listed_country_reads_back_a_country_it_may_send(
    admin_api, clinic
):
    """Antarctica's zones are in AQ by the tz database, which no country list has: the clinic
    then has no country (it read "AQ", which the schema and a PATCH of it refused), and every
    timezone offered gives a country offered, or none."""
    clinic.country = ""
    clinic.save(update_fields=["country"])
    response = admin_api.patch(
        "/api/v1/clinics/current", {"timezone": "Antarctica/Troll"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["country"] == ""
    sent_back = admin_api.patch(
        "/api/v1/clinics/current", {"country": response.json()["country"]}, format="json"
    )
    assert sent_back.status_code == 200, sent_back.content
    offered = {code for code, _label in COUNTRY_CHOICES} | {""}
    assert {country_for_timezone(tz) for tz, _label in TIMEZONE_CHOICES} <= offered


def test_settings_page_offers_country_and_locale_next_to_a_grouped_timezone_picker(
    admin_web, clinic
):
    page = admin_web.get("/clinic/settings/").content.decode()
    assert 'name="country"' in page and 'name="locale"' in page
    assert '<optgroup label="Europe">' in page and '<optgroup label="America">' in page
    assert "data-hp-filterable" in page and "js/select-filter.js" in page

    response = admin_web.post(
        "/clinic/settings/",
        {
            "name": clinic.name,
            "primary_color": clinic.primary_color,
            "timezone": "America/New_York",
            "country": "US",
            "locale": "en-US",
            "min_notice_hours": 2,
            "cancel_cutoff_hours": 24,
        },
    )

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.timezone, clinic.country, clinic.locale) == ("America/New_York", "US", "en-US")
