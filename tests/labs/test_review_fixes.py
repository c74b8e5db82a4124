"""What staff see after the review's fixes: a correction flagged against the range the result
shows, STAT orders first on the worklist however long the backlog, critical limits shown as
the inclusive bounds they are, units shown the human way on the trend chart, one flag label
on a result's page, and a note when the patient page lists only part of the open orders."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from core.roles import Role
from labs import services
from labs.models import LabOrder, ReferenceRange
from tests.labs import test_html_base as base
from tests.labs.factories import HIV
from tests.labs.test_html_base import GLUCOSE, POTASSIUM, add_result, panel_html
from tests.patients.factories import PatientFactory
from tests.patients.html_factories import page_text

catalogue, lab_tech, login, patient = base.catalogue, base.lab_tech, base.login, base.patient


def shown(response) -> str:
    """The page's text as read: tags and screen-reader-only spans dropped, spaces collapsed."""
    page = response.content.decode()
    page = re.sub(r'<span class="visually-hidden">.*?</span>', "", page)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def flag_row(response) -> str:
    return re.search(r"Flag (.*?) Status", shown(response))[1]


def correct(client, result, value) -> str:
    url = f"/labs/results/{result.pk}/correct/"
    assert client.post(url, {"value": value, "reason": "Rerun"}).status_code == 302
    return shown(client.get(f"/labs/results/{result.pk}/"))


# --- 1. a correction is flagged against the result's own range ----------------------------------
def potassium_range(catalogue) -> ReferenceRange:
    return catalogue[POTASSIUM].ranges.get()


def test_a_correction_after_the_range_was_deleted_keeps_the_range_shown(
    login, admin_user, lab_tech, patient, catalogue
):
    result = add_result(lab_tech, patient, catalogue[POTASSIUM], "4.0")
    client = login(admin_user)
    reference = potassium_range(catalogue)
    delete = f"/labs/catalogue/{catalogue[POTASSIUM].pk}/ranges/{reference.pk}/delete/"
    question = client.get(delete).content.decode()
    assert "Delete the range 3.5–5.1" in question
    # The breadcrumb and Cancel lead back to the test; asking deletes nothing.
    assert question.count(f'href="/labs/catalogue/{catalogue[POTASSIUM].pk}/"') == 2
    assert ReferenceRange.objects.filter(pk=reference.pk).exists()
    client.post(delete)
    assert not ReferenceRange.objects.filter(pk=reference.pk).exists()

    text = correct(client, result, "5.9")
    assert "Reference range 3.5–5.1" in text
    assert "Flag H High" in text and "No reference range" not in text
    # critical limits still come from the test, as when the value is entered
    assert "Flag ⚠ HH Critically high" in correct(client, result, "6.5")


def test_a_correction_after_the_range_was_edited_is_flagged_against_the_range_shown(
    login, admin_user, lab_tech, patient, catalogue
):
    result = add_result(lab_tech, patient, catalogue[POTASSIUM], "4.0")
    services.range_update(actor=admin_user, reference=potassium_range(catalogue), high=6)

    text = correct(login(admin_user), result, "5.9")
    assert "Reference range 3.5–5.1" in text and "Flag H High" in text


def test_a_text_correction_keeps_its_normal_value(login, admin_user, lab_tech, patient, catalogue):
    hiv = catalogue[HIV]
    result = add_result(lab_tech, patient, hiv, "Negative")
    services.range_delete(actor=admin_user, reference=hiv.ranges.get())

    text = correct(login(admin_user), result, "Positive")
    assert "Reference range Negative" in text and "Flag A Abnormal" in text


# --- 2. STAT orders first on the worklist, whatever the backlog ----------------------------------
def orders_waiting(clinician, clinic, catalogue, routine: int) -> LabOrder:
    """`routine` routine orders from days ago, then a new STAT one (returned)."""
    glucose = catalogue[GLUCOSE]
    for n in range(routine):
        order = services.order_create(
            actor=clinician,
            patient=PatientFactory(clinic=clinic, first_name=f"Routine{n}"),
            tests=[glucose],
        )
        past = timezone.now() - datetime.timedelta(days=40 - n)
        LabOrder.objects.filter(pk=order.pk).update(created_at=past)
    return services.order_create(
        actor=clinician,
        patient=PatientFactory(clinic=clinic, first_name="Newstat"),
        tests=[glucose],
        priority="stat",
    )


def test_a_new_stat_order_leads_the_worklist_behind_a_long_routine_backlog(
    client, staff, clinician, clinic, catalogue, django_assert_max_num_queries
):
    orders_waiting(clinician, clinic, catalogue, routine=9)
    client.force_login(staff[Role.NURSE])
    client.get("/")
    with django_assert_max_num_queries(60) as few:
        client.get("/")
    orders_waiting(clinician, clinic, catalogue, routine=24)  # 33 routine, 2 STAT in all

    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get("/")
    text = page_text(response)
    assert 'hp-count-collect">35<' in response.content.decode()
    assert "Newstat" in text and text.index("Newstat") < text.index("Routine0")
    assert len(many.captured_queries) == len(few.captured_queries)


# --- 3. critical limits are inclusive ------------------------------------------------------------
def test_the_catalogue_shows_critical_limits_as_inclusive(login, admin_user, catalogue):
    text = shown(login(admin_user).get("/labs/catalogue/?q=Potassium"))
    assert "≤ 2.8 · ≥ 6.2" in text and "< 2.8" not in text


# --- 4. the trend chart speaks the table's units -------------------------------------------------
def test_the_trend_chart_labels_units_as_the_table_does(login, lab_tech, patient, catalogue):
    platelets = next(t for t in catalogue.values() if t.unit == "10*3/uL")
    add_result(lab_tech, patient, platelets, "250")
    page = page_text(login(lab_tech).get(f"/labs/patients/{patient.pk}/tests/{platelets.pk}/"))
    chart = re.search(r'<svg[^>]*class="hp-trend-chart[^"]*".*?</svg>', page, re.S)[0]
    assert "×10³/µL" in chart and "10*3/uL" not in chart


# --- 5. one flag label on a result's page --------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "flag"), [("4.0", "Normal"), ("5.9", "H High"), ("7.0", "⚠ HH Critically high")]
)
def test_the_result_page_names_the_flag_once(login, lab_tech, patient, catalogue, value, flag):
    result = add_result(lab_tech, patient, catalogue[POTASSIUM], value)
    assert flag_row(login(lab_tech).get(f"/labs/results/{result.pk}/")) == flag


# --- 6. the patient page says when it lists only some open orders --------------------------------
def test_the_patient_page_says_when_more_open_orders_wait(login, clinician, patient, catalogue):
    client = login(clinician)
    for _ in range(20):
        services.order_create(actor=clinician, patient=patient, tests=[catalogue[GLUCOSE]])
    note = "Only the 20 newest open orders are shown."
    assert note not in shown(client.get(f"/patients/{patient.pk}/"))
    services.order_create(actor=clinician, patient=patient, tests=[catalogue[GLUCOSE]])

    panel = panel_html(client.get(f"/patients/{patient.pk}/"))
    assert note in shown_text(panel)
    assert len(set(re.findall(r'href="/labs/orders/(\w+)/"', panel))) == 20
    assert "/labs/orders/?" not in panel  # no list link: it would filter by the name


def shown_text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_the_range_and_limit_forms_show_numbers_as_written(login, admin_user, catalogue):
    """Not with the column's four places, which SQLite gives back ("3.5000")."""
    client = login(admin_user)
    test = catalogue[POTASSIUM]
    reference = potassium_range(catalogue)

    range_page = client.get(f"/labs/catalogue/{test.pk}/ranges/{reference.pk}/").content.decode()
    test_page = client.get(f"/labs/catalogue/{test.pk}/").content.decode()

    assert 'name="low" value="3.5"' in range_page and "3.5000" not in range_page
    assert 'name="critical_high" value="6.2"' in test_page and "6.2000" not in test_page
