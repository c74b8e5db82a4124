"""The chart summary page as a clinician reads it: made by a POST and shown by the GET it
redirects to (Back and a login land on a page), its citations numbered [1], [2], … in order,
critical results first, each note sentence once, and dates written the clinic's way."""

import functools
import re
import zoneinfo

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.timezone import localdate

from accounts.models import AuditEvent
from core.roles import Role
from tests.ai_assist.conftest import add_result
from tests.labs.factories import POTASSIUM, days_ago
from tests.notes.factories import audit_mark, audit_rows_since, make_note
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

CHOLESTEROL, HDL, LDL, TRIGLYCERIDES = "2093-3", "2085-9", "13457-7", "2571-8"
CITATION = re.compile(r'<a class="small" href="([^"]+)" title="[^"]+">\[([^\]]*)\]</a>')


def summary_url(patient) -> str:
    return reverse("ai_assist:summary", kwargs={"pk": patient.pk})


def shown(client, patient) -> str:
    """The summary page a click on "Summarise the chart" ends on."""
    response = client.post(summary_url(patient), follow=True)
    assert response.redirect_chain == [(summary_url(patient), 302)]
    return response.content.decode()


def listed(page: str, heading: str) -> list[str]:
    """The items of one section of the page, as text (citations left out)."""
    block = page.split(f">{heading}</h2>", 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", block, re.S)
    return [re.sub(r"<[^>]+>|\[\d+\]", "", i).strip() for i in items]


# --- 1. Post/Redirect/Get --------------------------------------------------------------------
def test_summarising_redirects_to_a_page_that_shows_the_summary(client, clinician, chart):
    patient = chart["patient"]
    client.force_login(clinician)
    made = client.post(summary_url(patient))
    assert made.status_code == 302 and made.url == summary_url(patient)
    assert made.url == f"/ai/patients/{patient.pk}/summary/"  # nothing but the opaque id

    again = client.get(made.url)  # what Back from a citation asks for
    assert again.status_code == 200
    page = again.content.decode()
    assert "AI-drafted — check before use" in page and "Hemoglobin A1c rising" in page


def test_a_login_that_returns_to_the_summary_lands_on_it_not_on_a_405(client, clinician, chart):
    patient = chart["patient"]
    to_login = client.get(summary_url(patient))
    assert to_login.status_code == 302
    assert to_login.url == f"{resolve_url(settings.LOGIN_URL)}?next={summary_url(patient)}"

    client.force_login(clinician)
    back = client.get(summary_url(patient))
    assert back.status_code == 200
    assert "Hemoglobin A1c rising" in back.content.decode()


def test_showing_the_summary_again_is_audited_like_any_read(client, clinician, chart):
    patient = chart["patient"]
    client.force_login(clinician)
    client.post(summary_url(patient))
    mark = audit_mark()
    client.get(summary_url(patient))

    rows = audit_rows_since(mark)
    assert rows.filter(action=AuditEvent.Action.VIEW, object_id=patient.pk).count() == 1
    ai = [r for r in rows if r.detail.startswith("AI summary")]
    assert len(ai) == 1 and ai[0].actor_id == clinician.pk and ai[0].patient_id == patient.pk
    assert "sent: none" in ai[0].detail


def test_summarising_an_unchanged_chart_again_says_so_once(client, clinician, chart):
    client.force_login(clinician)
    assert "Unchanged chart" not in shown(client, chart["patient"])
    assert "Unchanged chart: the summary made earlier." in shown(client, chart["patient"])
    assert "Unchanged chart" not in client.get(summary_url(chart["patient"])).content.decode()


def test_the_summary_page_is_for_clinical_staff_of_the_clinic(client, staff, other_staff, chart):
    client.force_login(staff[Role.LAB_TECH])
    assert client.get(summary_url(chart["patient"])).status_code == 403
    client.force_login(other_staff[Role.CLINICIAN])
    assert client.get(summary_url(chart["patient"])).status_code == 404


# --- 2. Citations numbered in order ------------------------------------------------------------
def test_citations_are_numbered_in_order_one_number_per_record(client, clinician, chart):
    client.force_login(clinician)
    links = CITATION.findall(shown(client, chart["patient"]))

    numbers = [int(n) for _url, n in links]
    assert len(links) > 3
    first_mention = list(dict.fromkeys(numbers))
    assert first_mention == list(range(1, len(first_mention) + 1))
    by_record = dict(links)
    assert len(set(by_record.values())) == len(by_record)  # another record, another number
    assert all(by_record[url] == n for url, n in links)  # the same record, the same number
    trend = [by_record[f"/labs/results/{r.pk}/"] for r in chart["hba1c"]]
    assert [int(n) for n in trend] == list(range(int(trend[0]), int(trend[0]) + 3))


# --- 3. Critical results first --------------------------------------------------------------
def test_a_critical_result_is_listed_before_abnormal_lipids(client, clinician, staff, catalogue):
    admin = staff[Role.ADMIN]
    patient = PatientFactory(clinic=clinician.clinic, sex="male")
    add_result(patient, catalogue[POTASSIUM], "7.2", days_ago(3), actor=admin)
    for code, value in ((CHOLESTEROL, "262"), (HDL, "31"), (LDL, "181"), (TRIGLYCERIDES, "320")):
        add_result(patient, catalogue[code], value, days_ago(1), actor=admin)
    client.force_login(clinician)

    results = listed(shown(client, patient), "Recent results and trends")

    assert len(results) == 5
    assert results[0].startswith("Potassium 7.2") and "critically high" in results[0]
    assert not any("Potassium" in line for line in results[1:])


# --- 4. No repeats ---------------------------------------------------------------------------
def test_a_sentence_carried_from_note_to_note_is_quoted_once(client, clinician, chart):
    repeated = "Review HbA1c in three months."  # as in the chart's first note
    later = make_note(clinician, chart["patient"], signed=True, Plan=repeated)
    client.force_login(clinician)

    page = shown(client, chart["patient"])

    notes = listed(page, "From the notes")
    assert sum(repeated in line for line in notes) == 1
    line = page.split(repeated, 1)[1].split("</li>", 1)[0]
    cited = {url for url, _n in CITATION.findall(line)}
    assert cited == {reverse("notes:detail", args=[n.pk]) for n in (later, chart["note"])}


# --- 5. Dates in the clinic's format ---------------------------------------------------------
@pytest.mark.parametrize("locale,written", [("en-GB", "%d/%m/%Y"), ("en-US", "%m/%d/%Y")])
def test_dates_are_written_the_clinics_way(client, clinician, chart, ai_clinic, locale, written):
    ai_clinic.locale = locale
    ai_clinic.save(update_fields=["locale"])
    client.force_login(clinician)

    page = shown(client, chart["patient"])

    results = " ".join(listed(page, "Recent results and trends"))
    ldl_day = chart["ldl"].collected_at.date()
    assert f"on {ldl_day.strftime(written)}" in results
    assert ldl_day.isoformat() not in page
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", page.split("<main", 1)[-1])


def test_a_spanish_clinic_reads_its_own_date_format(client, clinician, chart, ai_clinic):
    """The facts keep ISO dates (the redactor shifts those); the page writes them d/m/Y."""
    ai_clinic.locale = "es"
    ai_clinic.save(update_fields=["locale"])
    client.force_login(clinician)

    page = shown(client, chart["patient"])

    clinic_day = functools.partial(localdate, timezone=zoneinfo.ZoneInfo(ai_clinic.timezone))
    results = " ".join(listed(page, "Resultados recientes y tendencias"))
    assert f"(alto) el {clinic_day(chart['ldl'].collected_at):%d/%m/%Y}" in results
    note_day = clinic_day(chart["note"].signed_at)
    assert any(f"({note_day:%d/%m/%Y})" in line for line in listed(page, "De las notas"))
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", page.split("<main", 1)[-1])


def test_the_api_keeps_iso_dates(api_as, clinician, chart):
    body = api_as(clinician).post(f"/api/v1/ai/patients/{chart['patient'].pk}/summary").json()
    assert chart["ldl"].collected_at.date().isoformat() in body["text"]


def test_the_api_schema_says_its_dates_are_iso(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    for shape in ("AiSummary", "AiItem"):
        assert "ISO 8601" in schema[shape]["properties"]["text"]["description"]
