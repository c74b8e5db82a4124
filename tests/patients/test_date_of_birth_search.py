"""A date of birth typed into a search is read in the order the reader's pages write dates:
month first at an en-US clinic (02/03/1984 is 3 Feb), day first in en-GB and for a Spanish
reader anywhere; ISO 8601 always. Other apps' patient filters read it the same way."""

import datetime

import pytest

from core.roles import Role
from labs import selectors as lab_selectors
from tests.factories import UserFactory
from tests.labs.factories import install_catalogue, make_order
from tests.patients.factories import PatientFactory
from tests.patients.html_factories import page_text

pytestmark = pytest.mark.django_db

API = "/api/v1/patients/"


@pytest.fixture
def born(clinic):
    """Two patients whose days of birth swap day and month, and one born on the 24th."""
    return {
        "feb": PatientFactory(clinic=clinic, first_name="February", date_of_birth="1984-02-03"),
        "mar": PatientFactory(clinic=clinic, first_name="March", date_of_birth="1984-03-02"),
        "sep": PatientFactory(clinic=clinic, first_name="September", date_of_birth="2004-09-24"),
    }


def set_locale(clinic, locale):
    clinic.locale = locale
    clinic.save()


def found(api, query) -> set[str]:
    answer = api.get(API, {"search": query})
    assert answer.status_code == 200, answer.content
    return {row["first_name"] for row in answer.json()["results"]}


def test_a_us_clinic_reads_month_first(admin_api, clinic, born):
    set_locale(clinic, "en-US")

    assert found(admin_api, "02/03/1984") == {"February"}
    assert found(admin_api, "09/24/2004") == {"September"}  # as the list writes it
    assert found(admin_api, "1984-03-02") == {"March"}  # ISO always


def test_a_british_clinic_reads_day_first(admin_api, clinic, born):
    set_locale(clinic, "en-GB")

    assert found(admin_api, "02/03/1984") == {"March"}
    assert found(admin_api, "24/09/2004") == {"September"}
    assert found(admin_api, "1984-02-03") == {"February"}


def test_a_spanish_reader_at_a_us_clinic_types_dates_as_her_pages_show_them(api_as, clinic, born):
    set_locale(clinic, "en-US")
    spanish = UserFactory(clinic=clinic, role=Role.RECEPTIONIST, language="es")

    assert found(api_as(spanish), "03/02/1984") == {"February"}


def test_the_html_list_reads_the_date_as_it_shows_dates(admin_web, clinic, born):
    set_locale(clinic, "en-US")

    page = page_text(admin_web.get("/patients/", {"q": "02/03/1984"}))

    assert "February" in page and "March" not in page
    assert "02/03/1984" in page  # her day of birth, written as it was typed


def test_another_lists_patient_filter_reads_the_same_order(admin_user, clinic, born):
    set_locale(clinic, "en-US")
    tests = list(install_catalogue(clinic).values())
    for patient in born.values():
        make_order(patient, actor=admin_user, tests=[tests[0]])

    orders = lab_selectors.order_list(actor=admin_user, search="02/03/1984")

    assert {order.patient.first_name for order in orders} == {"February"}
    assert datetime.date(1984, 2, 3) == orders[0].patient.date_of_birth


def test_the_search_box_s_help_writes_the_date_as_the_search_reads_it(admin_web, clinic):
    set_locale(clinic, "en-US")
    assert "date of birth (1984-09-24 or 09/24/1984)" in page_text(admin_web.get("/patients/"))

    set_locale(clinic, "en-GB")
    assert "date of birth (1984-09-24 or 24/09/1984)" in page_text(admin_web.get("/patients/"))
