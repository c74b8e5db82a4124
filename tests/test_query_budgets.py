"""Query budgets of the benchmarked pages (bench/README.md, issue 19): a page stays within its
budget, the budget does not grow with the rows shown, and a page view writes no session row
(the idle timeout refreshes once per window). Timings live in the benchmark, never here."""

import pytest
from django.contrib.sessions.models import Session
from django.db.models import Model

from appointments import services as appointment_services
from appointments.models import Appointment, AppointmentType
from core.roles import Role
from labs import services as lab_services
from labs.models import LabTest
from patients.models import Patient
from programs import services as programme_services
from tests.factories import UserFactory
from tests.files.factories import stored_file
from tests.labs.test_html_base import GLUCOSE, add_result, ago
from tests.messaging.factories import make_thread
from tests.notes import factories as notes
from tests.patients.factories import (
    AllergyFactory,
    ConditionFactory,
    MedicationFactory,
    PatientFactory,
    portal_user,
)
from tests.programs import factories as programs

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


@pytest.fixture
def lazy_loads(monkeypatch):
    """Start recording the fields Django loads on access (left out by `.only()`): one query
    each, for every row a page shows. Returns the list it fills: (model, fields)."""

    def start() -> list:
        loaded = []
        refresh = Model.refresh_from_db

        def spy(instance, *args, **kwargs):
            loaded.append((type(instance).__name__, kwargs.get("fields", args[1:2])))
            return refresh(instance, *args, **kwargs)

        monkeypatch.setattr(Model, "refresh_from_db", spy)
        return loaded

    return start


def fill_chart(patient, author):
    """A patient with rows in every panel of the page: clinical lists, appointments to come and
    past, a signed note, a programme with a measurement, results and an open order, a thread
    (unread by someone else), a file."""
    clinic = patient.clinic
    for factory in (AllergyFactory, ConditionFactory, MedicationFactory):
        factory(patient=patient, clinic=clinic)
    appointment_services.types_install(clinic=clinic)
    kind = AppointmentType.objects.filter(clinic=clinic).first()
    for days in (-20, 7):
        start = ago(-days)
        Appointment.objects.create(
            clinic=clinic, patient=patient, provider=author, type=kind, start=start,
            end=start + kind.duration, busy_until=start + kind.duration,
            status="completed" if days < 0 else "booked",
        )  # fmt: skip
    notes.install(clinic)
    notes.make_note(author, patient, signed=True, title="Review of blood pressure")
    programs.install(clinic)
    enrollment = programs.enrol(author, patient, days_ago=2)
    programme_services.task_complete(
        actor=author, task=programs.bp_task(enrollment), values=programs.bp(150, 95)
    )
    lab_services.catalogue_install(clinic=clinic)
    glucose = LabTest.objects.get(clinic=clinic, loinc_code=GLUCOSE)
    lab_admin = UserFactory(clinic=clinic, role=Role.ADMIN)
    add_result(lab_admin, patient, glucose, "250", ago(2))
    lab_services.order_create(actor=author, patient=patient, tests=[glucose], panels=[])
    make_thread(UserFactory(clinic=clinic, role=Role.NURSE), patient, subject="Dizzy spells")
    stored_file(author, patient, name="referral.pdf", title="Referral from Dr Okafor")


def test_patient_page_of_a_full_chart_reads_no_field_row_by_row(
    web, clinic, clinician, lazy_loads, django_assert_max_num_queries
):
    """The panels read only the columns they show (issue 19: each selected column costs the ORM
    ~20 µs a query); a column one of them left out would be read again for every row shown."""
    patient = smiths(clinic, 1)[0]
    fill_chart(patient, clinician)
    web.get(f"/patients/{patient.pk}/")
    reloaded = lazy_loads()
    # The empty page's 22, plus the programme's next tasks, targets and newest readings, the
    # open order's tests, the thread's read state and the files' duplicate check.
    with django_assert_max_num_queries(28):
        response = web.get(f"/patients/{patient.pk}/")

    assert reloaded == []
    page = response.content.decode()
    for shown in (
        "No upcoming appointments.", "No past appointments.", "No notes yet.",
        "Not enrolled in any programme.", "No lab results yet.", "No messages yet.",
        "No files yet.",
    ):  # fmt: skip
        assert shown not in page
    for shown in ("Review of blood pressure", "Dizzy spells", "Referral from Dr Okafor", "150"):
        assert shown in page


def test_api_patient_list_reads_the_people_it_names_without_a_query_each(
    api_as, clinician, clinic, lazy_loads, django_assert_max_num_queries
):
    """An API row names its creator and updater and says whether the patient's account is
    active: read with the page's one query by id, not loaded again for each row."""
    patients = smiths(clinic, 25)
    Patient.objects.filter(clinic=clinic).update(created_by=clinician, updated_by=clinician)
    portal_user(patients[0])
    portal_user(patients[1], password=False)
    api = api_as(clinician)
    api.get("/api/v1/patients/")
    reloaded = lazy_loads()
    for path in ("/api/v1/patients/", "/api/v1/patients/?cursor="):
        with django_assert_max_num_queries(BUDGETS[path]):
            rows = api.get(path).json()["results"]

        assert reloaded == []
        assert {row["created_by"] for row in rows} == {clinician.name}
        statuses = {row["last_name"]: row["portal_account_status"] for row in rows}
        assert statuses["Smith0"] == "active" and statuses["Smith1"] == "invited"
        assert statuses["Smith2"] == "none"


def test_review_queue_reads_what_its_groups_show_in_the_page_query(
    web, clinic, clinician, lazy_loads, django_assert_max_num_queries
):
    """A group shows the patient, the order (its date and who ordered it) and each result's test,
    value, flag, range and time: all read by the page's one query, none again row by row (nor
    by the staff home's widget of the same queue)."""
    lab_services.catalogue_install(clinic=clinic)
    glucose = LabTest.objects.get(clinic=clinic, loinc_code=GLUCOSE)
    writer = UserFactory(clinic=clinic, role=Role.ADMIN)
    patients = smiths(clinic, 12)
    for n, patient in enumerate(patients):
        order = lab_services.order_create(
            actor=clinician, patient=patient, tests=[glucose], panels=[]
        )
        add_result(writer, patient, glucose, str(150 + n), ago(1), order=order)
    add_result(writer, patients[0], glucose, "40", ago(2))  # an outside result: critical low
    web.get("/labs/review/")
    reloaded = lazy_loads()
    with django_assert_max_num_queries(BUDGETS["/labs/review/"]):
        response = web.get("/labs/review/")

    home = web.get("/").content.decode()  # the staff home's widget reads the same columns

    assert reloaded == []
    assert "Results to review" in home and patients[0].full_name in home
    page = response.content.decode()
    assert page.count('class="card mb-3 hp-review-group"') == 10  # a page of ten groups
    assert f"({clinician.name})" in page and "Outside results" in page
    assert patients[0].full_name in page and "161 mg/dL" in page and "Record who was told" in page
