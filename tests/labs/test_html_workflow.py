"""Orders, result entry, outside results, corrections, review, trends, catalogue and the home
widget through the staff pages."""

import re

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from labs import services
from labs.models import LabOrder, LabPanel, LabResult, LabResultRevision, ReferenceRange
from tests.labs import test_html_base as base
from tests.labs.test_html_base import GLUCOSE, HBA1C, POTASSIUM, add_result, ago
from tests.patients.factories import PatientFactory
from tests.patients.html_factories import field_error, page_text

# the shared fixtures
catalogue, lab_tech, login, patient = base.catalogue, base.lab_tech, base.login, base.patient


def local(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def order(clinician, patient, catalogue):
    return services.order_create(
        actor=clinician, patient=patient, tests=[catalogue[GLUCOSE], catalogue[POTASSIUM]]
    )


# --- orders ---------------------------------------------------------------------------------------
def test_order_entry_with_panel_and_tests(login, clinician, patient, catalogue):
    client = login(clinician)
    url = f"/labs/orders/new/?patient={patient.pk}"
    form = client.get(url)
    lipids = LabPanel.objects.get(clinic=patient.clinic, name="Lipid panel")

    assert form.status_code == 200 and "Lipid panel" in page_text(form)
    response = client.post(
        url,
        {
            "patient": patient.pk,
            "panels": [lipids.pk],
            "tests": [catalogue[GLUCOSE].pk],
            "priority": "stat",
            "notes": "Fasting",
        },
    )
    order = LabOrder.objects.get()
    assert response.status_code == 302 and response.url == f"/labs/orders/{order.pk}/"
    assert order.priority == "stat" and order.ordered_by == clinician and order.notes == "Fasting"
    assert order.items.count() == 5  # four lipid tests and glucose


def test_order_entry_needs_a_test(login, clinician, patient, catalogue):
    response = login(clinician).post(
        "/labs/orders/new/", {"patient": patient.pk, "priority": "routine"}
    )
    assert response.status_code == 200
    assert "Choose at least one test or panel." in page_text(response)
    assert not LabOrder.objects.exists()


def test_order_entry_rejects_unknown_choice(login, clinician, patient, catalogue):
    response = login(clinician).post(
        "/labs/orders/new/", {"patient": patient.pk, "tests": ["nope"], "priority": "routine"}
    )
    assert response.status_code == 200 and field_error(response, "tests")
    assert not LabOrder.objects.exists()


def test_order_detail_collect_and_cancel(login, clinician, order):
    client = login(clinician)
    page = client.get(f"/labs/orders/{order.pk}/")
    assert page.status_code == 200
    text = page_text(page)
    assert "Glucose" in text and "Potassium" in text and "Mark collected" in text

    assert client.post(f"/labs/orders/{order.pk}/collect/").status_code == 302
    order.refresh_from_db()
    assert order.status == "collected" and order.collected_at

    response = client.post(f"/labs/orders/{order.pk}/cancel/", {"reason": ""}, follow=True)
    order.refresh_from_db()
    assert order.status == "collected"
    assert "Give a reason" in page_text(response)
    client.post(f"/labs/orders/{order.pk}/cancel/", {"reason": "Duplicate"})
    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancelled_reason == "Duplicate"
    assert "Duplicate" in page_text(client.get(f"/labs/orders/{order.pk}/"))


def test_order_list_filters_and_search(login, clinician, order, clinic, catalogue):
    other = PatientFactory(clinic=clinic, first_name="Zed", last_name="Quinn")
    services.order_create(actor=clinician, patient=other, tests=[catalogue[HBA1C]])
    client = login(clinician)
    text = page_text(client.get("/labs/orders/"))
    assert "Ana Lopez" in text and "Zed Quinn" in text
    text = page_text(client.get("/labs/orders/?q=Quinn"))
    assert "Zed Quinn" in text and "Ana Lopez" not in text
    text = page_text(client.get("/labs/orders/?status=cancelled"))
    assert "No orders match these filters." in text


# --- result entry per order -------------------------------------------------------------------
def row_data(rows, **head):
    """The grid's POST: one value (and unit) per row, the order's shared fields once."""
    data = {"status": "final", **head}
    for index, values in enumerate(rows):
        for name, value in values.items():
            data[f"r{index}-{name}"] = value
    return data


def test_result_entry_is_a_grid_with_units_ranges_and_the_live_flag_script(login, lab_tech, order):
    page = login(lab_tech).get(f"/labs/orders/{order.pk}/results/")
    html = page.content.decode()
    assert page.status_code == 200 and 'name="r1-value"' in html
    assert html.count('name="collected_at"') == 1  # entered once per order
    assert 'data-critical-high="500"' in html  # glucose: the live flag's limits
    assert "70–99 mg/dL" in page_text(page)  # the reference range shown
    assert '<option value="mmol/L">mmol/L</option>' in html  # glucose may be entered in SI
    assert "/static/labs/result-grid.js" in html and "<script>" not in html


def test_result_entry_per_order_writes_all_rows(login, lab_tech, order):
    client = login(lab_tech)
    when = local(ago(hours=2))
    items = list(order.items.order_by("created_at"))
    values = {"Glucose": "250", "Potassium": "4.0"}
    rows = [{"value": values[i.test.name]} for i in items]
    response = client.post(
        f"/labs/orders/{order.pk}/results/",
        row_data(rows, collected_at=when, performing_lab="City Lab"),
    )

    assert response.status_code == 302
    results = {r.test.name: r for r in LabResult.objects.filter(order=order)}
    assert results["Glucose"].flag == "high" and results["Potassium"].flag == "normal"
    assert {r.performing_lab for r in results.values()} == {"City Lab"}
    order.refresh_from_db()
    assert order.status == "resulted"


def test_result_in_si_units_is_stored_in_the_catalogue_unit(login, lab_tech, order):
    items = list(order.items.order_by("created_at"))
    rows = [
        {"value": "5.5", "unit": "mmol/L"} if i.test.name == "Glucose" else {"value": ""}
        for i in items
    ]
    response = login(lab_tech).post(
        f"/labs/orders/{order.pk}/results/", row_data(rows, collected_at=local(ago(1)))
    )
    assert response.status_code == 302
    glucose = LabResult.objects.get(order=order)
    assert glucose.unit == "mg/dL" and glucose.value_numeric == 99  # 5.5 mmol/L ≈ 99 mg/dL


def test_result_entry_errors_per_row_and_nothing_written(login, lab_tech, order):
    client = login(lab_tech)
    items = list(order.items.order_by("created_at"))
    index = {i.test.name: n for n, i in enumerate(items)}
    rows = [None, None]
    rows[index["Glucose"]] = {"value": "abc"}
    rows[index["Potassium"]] = {"value": "4.2", "unit": "mg/dL"}  # potassium is in mmol/L
    response = client.post(
        f"/labs/orders/{order.pk}/results/", row_data(rows, collected_at=local(ago(1)))
    )

    assert response.status_code == 200
    assert not LabResult.objects.exists()
    g, k = index["Glucose"], index["Potassium"]
    assert "needs a number" in field_error(response, f"r{g}-value")
    assert "mmol/L" in field_error(response, f"r{k}-unit")
    assert "nothing was saved" in page_text(response)


def test_result_entry_partial_order_and_form_validation(login, lab_tech, order):
    client = login(lab_tech)
    items = list(order.items.order_by("created_at"))
    # an empty row is skipped; the order's collection time is required
    rows = [{"value": ""}, {"value": "5"}]
    response = client.post(f"/labs/orders/{order.pk}/results/", row_data(rows))
    assert response.status_code == 200 and field_error(response, "collected_at")
    assert not LabResult.objects.exists()
    data = row_data(rows, collected_at=local(ago(1)))
    assert client.post(f"/labs/orders/{order.pk}/results/", data).status_code == 302
    assert LabResult.objects.get().test_id == items[1].test_id
    page = client.get(f"/labs/orders/{order.pk}/results/")  # only the missing test remains
    assert 'name="r0-value"' in page.content.decode()
    assert 'name="r1-value"' not in page.content.decode()


def test_result_entry_future_time_is_refused(login, lab_tech, order):
    from django.utils import timezone

    future = local(timezone.now() + timezone.timedelta(days=2))
    response = login(lab_tech).post(
        f"/labs/orders/{order.pk}/results/", row_data([{"value": "5"}], collected_at=future)
    )
    assert "future" in field_error(response, "collected_at")
    assert not LabResult.objects.exists()


def test_a_test_switched_off_after_it_was_ordered_still_takes_the_orders_result(
    login, admin_user, lab_tech, clinician, patient, order, catalogue
):
    """The sample was drawn: switching the test off stops new orders and outside results, not
    the results of orders already placed."""
    services.labtest_update(actor=admin_user, test=catalogue[GLUCOSE], is_active=False)
    items = list(order.items.order_by("created_at"))
    rows = [{"value": "5"} for _item in items]
    response = login(lab_tech).post(
        f"/labs/orders/{order.pk}/results/", row_data(rows, collected_at=local(ago(1)))
    )
    assert response.status_code == 302
    assert LabResult.objects.filter(order=order).count() == len(items)
    with pytest.raises(services.InactiveTest):  # no new order of it
        services.order_create(actor=clinician, patient=patient, tests=[catalogue[GLUCOSE]])


# --- outside results, corrections, review ------------------------------------------------------
def test_outside_result(login, staff, patient, catalogue):
    client = login(staff[Role.NURSE])
    url = f"/labs/patients/{patient.pk}/results/new/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"test": catalogue[HBA1C].pk, "value": "", "status": "final"})
    assert field_error(bad, "value") and field_error(bad, "collected_at")
    response = client.post(
        url,
        {
            "test": catalogue[HBA1C].pk,
            "value": "7.1",
            "collected_at": local(ago(3)),
            "status": "final",
            "performing_lab": "City Lab",
        },
    )
    assert response.status_code == 302
    result = LabResult.objects.get()
    assert result.order is None and result.flag == "high" and result.performing_lab == "City Lab"


def test_correction_keeps_history(login, lab_tech, admin_user, patient, catalogue):
    result = add_result(lab_tech, patient, catalogue[GLUCOSE], "300")
    client = login(lab_tech)
    url = f"/labs/results/{result.pk}/correct/"
    missing = client.post(url, {"value": "95", "reason": ""})
    assert field_error(missing, "reason") and not LabResultRevision.objects.exists()
    assert client.post(url, {"value": "95", "reason": "Transcription error"}).status_code == 302

    result.refresh_from_db()
    assert result.value_numeric == 95 and result.status == "corrected" and result.flag == "normal"
    revision = LabResultRevision.objects.get()
    assert revision.value_numeric == 300 and revision.reason == "Transcription error"
    text = page_text(login(admin_user).get(f"/labs/results/{result.pk}/"))
    assert "Transcription error" in text and "300 mg/dL" in text and "95 mg/dL" in text


def test_review_sign_off_from_the_queue(login, clinician, lab_tech, patient, catalogue):
    normal = add_result(lab_tech, patient, catalogue[GLUCOSE], "90", ago(1))
    high = add_result(lab_tech, patient, catalogue[HBA1C], "7.0", ago(2))
    critical = add_result(lab_tech, patient, catalogue[POTASSIUM], "7.0", ago(3))
    client = login(clinician)
    page = client.get("/labs/review/")
    html = page.content.decode()
    order = [html.index(f'/labs/results/{r.pk}/"') for r in (critical, high, normal)]
    assert order == sorted(order)  # critical, then abnormal, then normal

    refused = client.post(f"/labs/results/{critical.pk}/review/", {"comment": "x"}, follow=True)
    assert "Record who was told of the critical value first" in page_text(refused)
    services.critical_communication_record(
        actor=lab_tech, result=critical, communicated_to="Dr Who", method="phone"
    )
    response = client.post(
        f"/labs/results/{critical.pk}/review/",
        {"comment": "Called patient", "next": "/labs/review/"},
    )
    assert response.status_code == 302 and response.url == "/labs/review/"
    critical.refresh_from_db()
    assert critical.reviewed_by == clinician and critical.review_comment == "Called patient"
    assert (
        f"/labs/results/{critical.pk}/review/" not in client.get("/labs/review/").content.decode()
    )
    again = client.post(f"/labs/results/{critical.pk}/review/", {"comment": "x"}, follow=True)
    assert "already been reviewed" in page_text(again)


def test_review_rejects_external_next(login, clinician, lab_tech, patient, catalogue):
    result = add_result(lab_tech, patient, catalogue[GLUCOSE], "90")
    response = login(clinician).post(
        f"/labs/results/{result.pk}/review/", {"next": "https://evil.example/"}
    )
    assert response.url == f"/labs/results/{result.pk}/"


def test_review_queue_query_count_constant(
    login, clinician, lab_tech, patient, catalogue, django_assert_max_num_queries
):
    add_result(lab_tech, patient, catalogue[GLUCOSE], "90")
    client = login(clinician)
    client.get("/labs/review/")
    with django_assert_max_num_queries(40) as one:
        client.get("/labs/review/")
    for n in range(24):
        add_result(lab_tech, patient, catalogue[POTASSIUM], str(3 + n % 5), ago(n % 9 + 1))
    with django_assert_max_num_queries(len(one.captured_queries)) as many:
        response = client.get("/labs/review/")
    assert response.status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)


def test_review_queue_filters(login, clinician, lab_tech, patient, catalogue):
    add_result(lab_tech, patient, catalogue[GLUCOSE], "90")
    add_result(lab_tech, patient, catalogue[POTASSIUM], "7.5")
    client = login(clinician)
    text = page_text(client.get("/labs/review/?severity=critical"))
    assert "Potassium" in text and "Glucose" not in text
    text = page_text(client.get("/labs/review/?q=Nobody"))
    assert "No unreviewed results match these filters." in text


# --- trends -------------------------------------------------------------------------------------
def test_trend_page_has_chart_and_table_and_is_audited(
    login, admin_user, lab_tech, patient, catalogue
):
    glucose = catalogue[GLUCOSE]
    for days, value in ((30, "85"), (20, "120"), (10, "30")):
        add_result(lab_tech, patient, glucose, value, ago(days))
    client = login(admin_user)
    before = AuditEvent.objects.filter(patient_id=patient.pk, action="view").count()
    response = client.get(f"/labs/patients/{patient.pk}/tests/{glucose.pk}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count("hp-trend-chart") == 1 and 'class="reference-band"' in html
    assert 'data-flag="critical_low"' in html and 'data-flag="high"' in html
    assert html.count("<tr class=") >= 3 and "30 mg/dL" in page_text(response)
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="view").count() == before + 1


def test_trend_text_results_have_no_chart(login, admin_user, lab_tech, patient, catalogue):
    hcg = catalogue["2106-3"]
    add_result(lab_tech, patient, hcg, "neg")
    response = login(admin_user).get(f"/labs/patients/{patient.pk}/tests/{hcg.pk}/")
    assert response.status_code == 200 and "hp-trend-chart" not in response.content.decode()
    assert "Negative" in page_text(response)


def test_trend_without_results(login, admin_user, patient, catalogue):
    response = login(admin_user).get(f"/labs/patients/{patient.pk}/tests/{catalogue[GLUCOSE].pk}/")
    assert response.status_code == 200 and "No results of this test" in page_text(response)


# --- catalogue ----------------------------------------------------------------------------------
def test_catalogue_search_and_edit(login, admin_user, catalogue):
    client = login(admin_user)
    text = page_text(client.get("/labs/catalogue/?q=gluc"))
    assert "Glucose" in text and "Potassium" not in text
    glucose = catalogue[GLUCOSE]
    url = f"/labs/catalogue/{glucose.pk}/"
    bad = client.post(
        url,
        {
            "name": "Glucose",
            "unit": "mg/dL",
            "critical_low": "50",
            "critical_high": "40",
            "is_active": "on",
        },
    )
    assert "above the critical low" in field_error(bad, "critical_high")
    ok = client.post(
        url,
        {"name": "Glucose, fasting", "unit": "mg/dL", "critical_low": "45", "critical_high": "450"},
    )
    assert ok.status_code == 302
    glucose.refresh_from_db()
    assert glucose.name == "Glucose, fasting" and glucose.critical_low == 45
    assert not glucose.is_active


def test_a_text_test_is_edited_without_a_unit_or_critical_limits(login, admin_user, catalogue):
    """A blood group or "Positive" has no unit and no critical limits: its form does not offer
    them (a numeric test's does), and saving its name leaves them as they were."""
    client = login(admin_user)
    text_test = next(t for t in catalogue.values() if t.value_type == "text")
    page = client.get(f"/labs/catalogue/{text_test.pk}/").content.decode()
    assert 'name="name"' in page
    assert 'name="unit"' not in page and 'name="critical_low"' not in page
    numeric = client.get(f"/labs/catalogue/{catalogue[GLUCOSE].pk}/").content.decode()
    assert 'name="unit"' in numeric and 'name="critical_high"' in numeric

    saved = client.post(
        f"/labs/catalogue/{text_test.pk}/",
        {"name": f"{text_test.name} (blood bank)", "is_active": "on", "unit": "mg/dL"},
    )

    assert saved.status_code == 302
    text_test.refresh_from_db()
    assert text_test.name.endswith("(blood bank)") and text_test.unit == ""


def test_reference_ranges_add_edit_delete(login, admin_user, catalogue):
    client = login(admin_user)
    test = catalogue[HBA1C]
    base = f"/labs/catalogue/{test.pk}/ranges/"
    bad = client.post(base + "new/", {"sex": "male", "age_min": "0", "low": "5", "high": "4"})
    assert "below the low" in field_error(bad, "high")
    empty = client.post(base + "new/", {"sex": "male", "age_min": "0"})
    assert "Give a low or high limit" in page_text(empty)
    assert (
        client.post(
            base + "new/", {"sex": "male", "age_min": "18", "low": "4.1", "high": "5.5"}
        ).status_code
        == 302
    )
    added = ReferenceRange.objects.get(test=test, sex="male")
    assert (
        client.post(
            base + f"{added.pk}/", {"sex": "male", "age_min": "18", "low": "4.0", "high": "5.4"}
        ).status_code
        == 302
    )
    added.refresh_from_db()
    assert str(added.high.normalize()) == "5.4"
    assert client.get(base + f"{added.pk}/delete/").status_code == 200
    assert client.post(base + f"{added.pk}/delete/").status_code == 302
    assert not ReferenceRange.objects.filter(pk=added.pk).exists()
    assert client.get(base + "nope/").status_code == 404


# --- the staff home widget ----------------------------------------------------------------------
def test_home_widget_critical_first_and_empty_state(
    login, clinician, staff, lab_tech, patient, catalogue
):
    client = login(clinician)
    assert "No results of your orders are waiting for review." in page_text(client.get("/"))
    add_result(lab_tech, patient, catalogue[GLUCOSE], "100")
    add_result(lab_tech, patient, catalogue[POTASSIUM], "2.0")
    page = client.get("/")
    html = page.content.decode()
    assert "Results to review" in html and "1 critical" in page_text(page)
    assert html.index("Potassium") < html.index("Glucose")
    assert re.search(r"hp-flag-critical_low[^>]*>⚠ LL<", html)
    for role in (Role.NURSE, Role.LAB_TECH, Role.RECEPTIONIST):
        assert "Results to review" not in page_text(login(staff[role]).get("/"))


def test_home_widget_counts_stop_at_its_badge_limit(
    login, clinician, lab_tech, patient, catalogue, monkeypatch
):
    """Past WIDGET_COUNTS_UP_TO the badges say "N+": the home page no longer counts a whole
    backlog (twice) to show one number."""
    from labs import selectors

    monkeypatch.setattr(selectors, "WIDGET_COUNTS_UP_TO", 9)
    for n in range(11):
        add_result(lab_tech, patient, catalogue[POTASSIUM], "7.5", ago(n + 1))
    text = page_text(login(clinician).get("/"))
    assert 'hp-review-total">9+</span>' in text and ">9+ critical</span>" in text
    assert "More results are waiting: open the review queue." in text


def test_home_widget_is_the_clinicians_own_and_costs_one_query(
    login, clinician, staff, lab_tech, patient, catalogue, clinic, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    colleague = UserFactory(clinic=clinic, role=Role.CLINICIAN, email="c2@example.org")
    theirs = services.order_create(actor=colleague, patient=patient, tests=[catalogue[HBA1C]])
    add_result(lab_tech, patient, catalogue[HBA1C], "9.0", order=theirs)
    mine = services.order_create(actor=clinician, patient=patient, tests=[catalogue[GLUCOSE]])
    add_result(lab_tech, patient, catalogue[GLUCOSE], "150", order=mine)
    client = login(clinician)
    client.get("/")
    with django_assert_max_num_queries(40) as one:
        text = page_text(client.get("/"))
    assert "Glucose" in text and "Hemoglobin A1c" not in text
    for n in range(12):
        add_result(lab_tech, patient, catalogue[POTASSIUM], "7.0", ago(n + 1))
    # a fuller queue adds the two exact counts (waiting, critical), whatever its length
    with django_assert_max_num_queries(len(one.captured_queries) + 2):
        text = page_text(client.get("/"))
    assert "12 critical" in text and "More results are waiting" in text
