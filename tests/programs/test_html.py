"""Staff pages: the dashboard (adherence, off target, last activity; sortable, paginated, a
flat number of queries), the enrolment page with its SVG charts and target band, enrolling
from the patient page, the patient page's Programs panel, the template builder."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from programs import services
from programs.models import Enrollment, Measurement, ProgramTemplate
from tests.patients.factories import PatientFactory
from tests.programs.factories import DIABETES, bp, bp_task, enrol, published, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, clinician):
    client.force_login(clinician)
    return client


def test_dashboard_sorts_by_adherence_and_flags_off_target(web, clinician, patient):
    good = enrol(clinician, patient)
    services.task_complete(actor=clinician, task=bp_task(good), values=bp(150))
    poor = enrol(clinician, PatientFactory(clinic=patient.clinic, last_name="Zed"), days_ago=3)
    services.nightly_run()
    # By the rows' links: the clinician's random name (top bar, care manager) may be a Silva.
    page = web.get("/programs/?sort=adherence").content.decode()
    assert page.index(f"/programs/enrollments/{poor.pk}/") < page.index(
        f"/programs/enrollments/{good.pk}/"
    )
    assert "off target" in page
    assert "0%" in page and "100%" in page
    behind = web.get("/programs/?behind=on").content.decode()
    assert f"/programs/enrollments/{poor.pk}/" in behind
    assert f"/programs/enrollments/{good.pk}/" not in behind
    assert Enrollment.objects.get(pk=poor.pk).adherence == 0


@pytest.mark.parametrize("sort", ["adherence", "-adherence", "activity", "-start"])
def test_dashboard_pages_show_each_enrolment_once_when_sort_keys_tie(web, clinician, patient, sort):
    """New enrolments tie on adherence and last activity (none yet): each still appears on
    exactly one page (MongoDB promises no order among ties across skips without the id)."""
    for n in range(7):
        enrol(clinician, PatientFactory(clinic=patient.clinic, last_name=f"Tie{n}"))
    shown = []
    for number in (1, 2, 3):
        page = web.get(f"/programs/?sort={sort}&page_size=3&page={number}").content.decode()
        shown += re.findall(r"Tie\d", page)
    assert sorted(shown) == [f"Tie{n}" for n in range(7)]


def test_dashboard_queries_do_not_grow_with_rows(
    web, clinician, patient, django_assert_max_num_queries
):
    enrol(clinician, patient)
    with django_assert_max_num_queries(14):
        assert web.get("/programs/").status_code == 200
    others = [PatientFactory(clinic=patient.clinic, last_name=f"Row{n}") for n in range(15)]
    for other in others:
        enrol(clinician, other, care_manager=clinician)
    with django_assert_max_num_queries(14):
        page = html.unescape(web.get("/programs/?page_size=50").content.decode())
    # Each row's patient, programme and care manager come with it (no row reads its own).
    assert all(other.full_name in page for other in others)
    assert page.count("Hypertension — 12 weeks") >= 16
    assert clinician.name in page


def test_enrolment_page_draws_the_series_with_the_target_band(web, clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=1)
    for day, systolic in ((0, 124), (1, 141)):
        services.task_complete(
            actor=clinician, task=bp_task(enrollment, day=day), values=bp(systolic)
        )
    page = web.get(f"/programs/enrollments/{enrollment.pk}/").content.decode()
    assert page.count('class="hp-program-chart img-fluid"') == 2  # systolic and diastolic
    assert 'class="target-band"' in page
    assert "off-target" in page  # 141 is above 130
    assert "<polyline" in page


@pytest.mark.parametrize("shown", [4, 3])
def test_enrolment_page_says_when_it_shows_only_the_latest_check_ins(
    web, clinician, patient, monkeypatch, shown
):
    monkeypatch.setattr("programs.selectors.ANSWERS_SHOWN", shown)
    enrollment = enrol(clinician, patient, days_ago=27)  # weekly check-ins: days 6, 13, 20, 27
    check_ins = enrollment.tasks.select_related("step", "enrollment__clinic").filter(
        kind="check_in", day__lte=27
    )
    for week, task in enumerate(check_ins.order_by("day")):
        services.task_complete(
            actor=clinician,
            task=task,
            answers={"medication": week > 0, "feeling": week + 1, "notes": "ok" if week else ""},
        )

    page = web.get(f"/programs/enrollments/{enrollment.pk}/").content.decode()
    page = page.split("Check-in answers</h2>", 1)[1]  # today's done check-in shows them too

    feelings = re.findall(r"How do you feel overall \(1–5\)\?</span> <strong>(\d)<", page)
    assert feelings == ["4", "3", "2", "1"][:shown]  # the latest first, as answered
    assert page.count("every day?</span> <strong>Yes<") == 3  # the first week's was "no"
    assert page.count("care team to know?</span> <strong>ok<") == 3  # and said nothing
    assert ("every day?</span> <strong>No<" in page) == (shown == 4)
    assert ("care team to know?</span> <strong>—<" in page) == (shown == 4)
    assert ("Only the latest 3 check-ins are shown." in page) == (shown == 3)


def test_the_patient_page_offers_enrolment_only_while_a_programme_is_published(web, patient):
    enrol_url = f"/programs/patients/{patient.pk}/enroll/"
    assert enrol_url in web.get(f"/patients/{patient.pk}/").content.decode()
    ProgramTemplate.objects.filter(clinic=patient.clinic).update(
        status=ProgramTemplate.Status.RETIRED
    )
    assert enrol_url not in web.get(f"/patients/{patient.pk}/").content.decode()


def test_enrol_from_the_patient_page(web, clinician, patient):
    detail = web.get(f"/patients/{patient.pk}/").content.decode()
    assert f"/programs/patients/{patient.pk}/enroll/" in detail
    template = published(patient.clinic)
    response = web.post(
        f"/programs/patients/{patient.pk}/enroll/",
        {"program": template.pk, "start_date": today(patient.clinic).isoformat()},
    )
    enrollment = Enrollment.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == f"/programs/enrollments/{enrollment.pk}/"
    again = web.post(
        f"/programs/patients/{patient.pk}/enroll/",
        {"program": template.pk, "start_date": today(patient.clinic).isoformat()},
    )
    assert again.status_code == 200 and "already enrolled" in again.content.decode()
    panel = web.get(f"/patients/{patient.pk}/").content.decode()
    assert "Hypertension — 12 weeks" in panel and "<progress" in panel


def test_the_care_manager_choice_offers_me_once(web, clinician, staff, patient):
    page = web.get(f"/programs/patients/{patient.pk}/enroll/").content.decode()
    select = page.split('id="id_care_manager"')[1].split("</select>")[0]
    options = re.findall(r"<option [^>]*>([^<]+)</option>", select)
    assert options[0] == "Me" and clinician.name not in options
    assert staff[Role.NURSE].name in options


def test_panel_shows_latest_measurement_with_target(web, clinician, patient):
    enrollment = enrol(clinician, patient)
    services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(133))
    page = web.get(f"/patients/{patient.pk}/").content.decode()
    assert "133" in page and "90–130" in page.replace("90.0", "90").replace("130.0", "130")


def add_points(enrollment, code, values, *, first_hour: int, unit: str) -> None:
    """Readings of `code` an hour apart from `first_hour` hours after the start (a history as
    long as a year of daily readings, within the 30 days an enrolment may start back)."""
    task = enrollment.tasks.filter(kind="measurement").first()
    start = datetime.datetime.combine(enrollment.start_date, datetime.time(8), datetime.UTC)
    Measurement.objects.bulk_create(
        Measurement(
            clinic_id=enrollment.clinic_id,
            patient_id=enrollment.patient_id,
            enrollment=enrollment,
            task=task,
            code=code,
            value=value,
            unit=unit,
            measured_at=start + datetime.timedelta(hours=first_hour + n),
        )
        for n, value in enumerate(values)
    )


def test_panel_reads_a_long_history_in_the_queries_of_a_short_one(web, clinician, patient):
    enrollment = enrol(clinician, patient, days_ago=10)
    add_points(enrollment, "8480-6", [121.5], first_hour=0, unit="mm[Hg]")
    add_points(enrollment, "8462-4", [71.5], first_hour=0, unit="mm[Hg]")
    web.get(f"/patients/{patient.pk}/")  # the first visit adds it to "recently opened"
    with CaptureQueriesContext(connection) as short:
        assert web.get(f"/patients/{patient.pk}/").status_code == 200

    add_points(enrollment, "8480-6", [*range(100, 249), 142.5], first_hour=1, unit="mm[Hg]")
    add_points(enrollment, "8462-4", [*range(60, 209), 77.5], first_hour=1, unit="mm[Hg]")
    with CaptureQueriesContext(connection) as long:
        page = web.get(f"/patients/{patient.pk}/").content.decode()

    assert len(long) == len(short)
    assert "142.5 mmHg" in page and "77.5 mmHg" in page  # the newest of 151 readings each


def test_panel_finds_a_measure_taken_long_before_the_newest_readings(web, clinician, patient):
    enrollment = enrol(clinician, patient, name=DIABETES, days_ago=10)
    add_points(enrollment, "29463-7", [84.5], first_hour=0, unit="kg")  # weighed once, long ago
    add_points(enrollment, "2339-0", [n + 0.5 for n in range(100, 250)], first_hour=1, unit="mg/dL")
    panel = web.get(f"/patients/{patient.pk}/").content.decode().split('id="panel-programs"')[1]
    assert "84.5 kg" in panel and "249.5 mg/dL" in panel
    assert panel.index("Weight:") < panel.index("Glucose:")  # the catalogue's order


def test_enrolment_chart_dates_are_the_clinics_days(web, clinician, patient):
    """A reading at 9 in the morning in Auckland is the evening before in UTC: the chart's axis
    and the point's tooltip give the clinic's date."""
    patient.clinic.timezone = "Pacific/Auckland"
    patient.clinic.save(update_fields=["timezone"])
    enrollment = enrol(clinician, patient, days_ago=1)
    # 20:00 UTC the day before the start: 08:00 or 09:00 on the start day in Auckland.
    add_points(enrollment, "8480-6", [124], first_hour=-12, unit="mm[Hg]")
    page = web.get(f"/programs/enrollments/{enrollment.pk}/").content.decode()
    day = enrollment.start_date.strftime("%d/%m/%Y")  # the clinic's (en-GB) short date
    assert f">{day}: 124 mmHg</title>" in page  # the point
    assert page.count(f">{day}</text>") == 2  # the axis: first and last
    assert (enrollment.start_date - datetime.timedelta(1)).strftime("%d/%m/%Y") not in page


def test_pages_write_units_and_numbers_as_people_read_them(web, clinician, patient):
    """mmHg not mm[Hg], bpm not /min, a score with no unit at all; 124 not 124.0."""
    enrollment = enrol(clinician, patient)
    services.task_complete(actor=clinician, task=bp_task(enrollment), values=bp(124.0, 76.0))
    add_points(enrollment, "8867-4", [72.0], first_hour=1, unit="/min")
    add_points(enrollment, "72514-3", [7.5], first_hour=1, unit="{score}")

    page = html.unescape(web.get(f"/programs/enrollments/{enrollment.pk}/").content.decode())
    assert ">Systolic (mmHg) · target 90–130</figcaption>" in page
    assert "Average systolic below 130 over 14 days: <strong>achieved</strong> (124)" in page
    assert ">Systolic (mmHg)</title>" in page and ": 124 mmHg</title>" in page  # the chart
    assert ">Heart rate (bpm)</figcaption>" in page and ": 72 bpm</title>" in page
    assert ">Pain score</figcaption>" in page and ">Pain score</title>" in page
    assert ": 7.5</title>" in page
    for raw in ("mm[Hg]", "{score}", "/min", "124.0"):
        assert raw not in page

    panel = web.get(f"/patients/{patient.pk}/").content.decode().split('id="panel-programs"')[1]
    assert ">124 mmHg</strong> (target 90–130)" in html.unescape(panel)
    assert ">76 mmHg</strong> (target 60–80)" in html.unescape(panel)
    assert "mm[Hg]" not in panel and "124.0" not in panel


def test_builder_names_the_measures_of_targets_and_goals(web, patient):
    """The builder says "Systolic", not its LOINC code 8480-6."""
    template = published(patient.clinic)
    page = html.unescape(web.get(f"/programs/templates/{template.pk}/").content.decode())
    assert "Blood pressure · Systolic: 90–130 · Diastolic: 60–80" in page
    assert "(Measurement average Systolic < 130, last 14 days)" in page
    assert "8480-6" not in page and "8462-4" not in page


def test_builder_adds_steps_to_a_draft_and_publishes(client, admin_user, programs_clinic):
    client.force_login(admin_user)
    response = client.post(
        "/programs/templates/new/", {"name": "Asthma", "description": "", "duration_days": 28}
    )
    draft = ProgramTemplate.objects.get(name="Asthma")
    assert response["Location"] == f"/programs/templates/{draft.pk}/"
    added = client.post(
        f"/programs/templates/{draft.pk}/",
        {"day": 0, "kind": "measurement", "title": "Peak flow", "repeat": "daily",
         "measure": "peak_flow", "target_low": 350},
    )  # fmt: skip
    assert added.status_code == 302
    page = client.get(f"/programs/templates/{draft.pk}/").content.decode()
    assert "Day 0" in page and "Peak flow" in page and "Daily" in page
    client.post(f"/programs/templates/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.steps.get().targets == {"19935-6": {"low": 350.0, "high": None}}
    refused = client.post(
        f"/programs/templates/{draft.pk}/",
        {"day": 1, "kind": "education", "title": "Late"},
        follow=True,
    )
    assert "Only a draft can be edited" in refused.content.decode()


def test_html_transitions_show_a_refusal_as_a_message(web, clinician, patient):
    enrollment = enrol(clinician, patient)
    response = web.post(f"/programs/enrollments/{enrollment.pk}/resume/", follow=True)
    assert "cannot be resumed" in response.content.decode()
    web.post(f"/programs/enrollments/{enrollment.pk}/pause/")
    assert Enrollment.objects.get(pk=enrollment.pk).state == "paused"
