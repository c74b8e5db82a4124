"""Clinic settings as reviewers met them: countries listed by name in the reader's language,
and the "saved" message in the language the change just chose."""

import html

import pytest

SETTINGS = "/clinic/settings/"

pytestmark = pytest.mark.django_db


def form_data(clinic, **overrides):
    data = {
        "name": clinic.name,
        "primary_color": clinic.primary_color,
        "timezone": clinic.timezone,
        "min_notice_hours": clinic.min_notice_hours,
        "cancel_cutoff_hours": clinic.cancel_cutoff_hours,
    }
    data.update(overrides)
    return data


def test_countries_are_listed_by_name(admin_web, clinic):
    page = html.unescape(admin_web.get(SETTINGS).content.decode())

    assert '<option value="AD">Andorra (AD)</option>' in page
    assert '<option value="AE">United Arab Emirates (AE)</option>' in page
    assert '<option value="XK">Kosovo (XK)</option>' in page
    assert '<option value="AD">AD</option>' not in page
    assert page.index("(AF)</option>") < page.index("(ZW)</option>")


def test_countries_are_named_in_spanish_for_a_spanish_reader(admin_web, admin_user, clinic):
    admin_user.language = "es"
    admin_user.save()

    page = html.unescape(admin_web.get(SETTINGS).content.decode())

    assert '<option value="DE">Alemania (DE)</option>' in page
    assert page.index("Alemania (DE)") < page.index("Estados Unidos (US)")


def test_the_saved_message_is_in_the_language_just_chosen(admin_web, clinic):
    response = admin_web.post(SETTINGS, form_data(clinic, locale="es"), follow=True)

    clinic.refresh_from_db()
    assert clinic.locale == "es"
    page = html.unescape(response.content.decode())
    assert "Se ha guardado la configuración de la clínica." in page
    assert "The clinic settings have been saved." not in page
