"""Query budgets of the benchmarked pages (bench/README.md, issue 19): a page stays within its
budget, the budget does not grow with the rows shown, and a page view writes no session row
(the idle timeout refreshes once per window). Timings live in the benchmark, never here."""

import pytest
from django.contrib.sessions.models import Session

from core.roles import Role
from labs import services as lab_services
from labs.models import LabTest
from tests.factories import UserFactory
from tests.labs.test_html_base import GLUCOSE, add_result, ago
from tests.patients.factories import PatientFactory

# Measured 2026-12-02 (SQLite): the session and user lookups, the page's rows and their count,
# the audit insert, the header's badges (unread messages, notifications); no session write.
# The API reads its 25 rows' users (creator, updater, account) in a second query by id, after
# the sort (core.lists.loaded_by_id): joined before it, every match of a search was joined.
BUDGETS = {
    "/patients/": 8,
    "/patients/?q=smi": 8,
    "/api/v1/patients/": 6,
    "/api/v1/patients/?search=smi": 6,
    "/api/v1/patients/?cursor=": 5,
    "/labs/review/": 8,
}


def smiths(clinic, count):
    return [PatientFactory(clinic=clinic, last_name=f"Smith{n}") for n in range(count)]


@pytest.fixture
def web(client, clinician):
    client.force_login(clinician)
    client.get("/patients/")  # the first page after signing in stamps the session
    return client


@pytest.mark.parametrize("path", [p for p in BUDGETS if p.startswith("/patients/")])
def test_patient_list_pages_keep_their_budget_for_1_or_25_rows(
    web, clinic, path, django_assert_max_num_queries
):
    smiths(clinic, 1)
    with django_assert_max_num_queries(BUDGETS[path]):
        assert web.get(path).status_code == 200
    smiths(clinic, 30)
    with django_assert_max_num_queries(BUDGETS[path]):
        response = web.get(path)

    assert response.content.decode().count("/patients/") >= 25
    assert "sessionid" not in response.cookies  # no session save


@pytest.mark.parametrize("path", [p for p in BUDGETS if p.startswith("/api/")])
def test_api_patient_lists_keep_their_budget_for_1_or_25_rows(
    api_as, clinician, clinic, path, django_assert_max_num_queries
):
    api = api_as(clinician)
    smiths(clinic, 1)
    with django_assert_max_num_queries(BUDGETS[path]):
        assert api.get(path).status_code == 200
    smiths(clinic, 30)
    with django_assert_max_num_queries(BUDGETS[path]):
        response = api.get(path)

    assert len(response.json()["results"]) == 25
    assert not Session.objects.exists()


def test_patient_page_keeps_its_budget(web, clinic, django_assert_max_num_queries):
    patient = smiths(clinic, 1)[0]
    web.get(f"/patients/{patient.pk}/")  # the first visit inserts the "recently opened" row

    # 20 reads and writes, plus the SAVEPOINT and RELEASE of the unit that commits the audit row
    # and "recently opened" together (BEGIN in production: one commit instead of two). 25
    # before the header's allergy banner shared the summary panel's read and the Files panel
    # counted its few files itself.
    with django_assert_max_num_queries(22):
        response = web.get(f"/patients/{patient.pk}/")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_review_queue_keeps_its_budget_for_1_or_25_results(
    web, clinic, django_assert_max_num_queries
):
    lab_services.catalogue_install(clinic=clinic)
    glucose = LabTest.objects.get(clinic=clinic, loinc_code=GLUCOSE)
    writer = UserFactory(clinic=clinic, role=Role.ADMIN)
    patients = smiths(clinic, 25)
    add_result(writer, patients[0], glucose, "90")
    with django_assert_max_num_queries(BUDGETS["/labs/review/"]):
        assert web.get("/labs/review/").status_code == 200
    for n, patient in enumerate(patients[1:]):
        add_result(writer, patient, glucose, str(80 + n), ago(n % 9 + 1))
    with django_assert_max_num_queries(BUDGETS["/labs/review/"]):
        response = web.get("/labs/review/")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
