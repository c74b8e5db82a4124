"""What users see after the reviewers' fixes: a comma is a decimal point only where the clinic
writes decimals so, impossible values (below zero, 1e3) are refused, a `next` that is no path
returns to the page's own, the grid names a shared mistake once, critical values imported link
to where their communication is recorded (and that page shows it once recorded), errors say
what is wrong and keep what was typed, and the CSV import reads semicolons, names repeats, and
previews a big file in a page of bounded size."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import Role
from labs import services
from labs.models import LabOrder, LabResult, ReferenceRange
from tests.labs import test_html_base as base
from tests.labs.test_html_base import GLUCOSE, POTASSIUM, add_result, ago
from tests.labs.test_html_import import HEADER, confirm, upload
from tests.labs.test_html_workflow import local, row_data
from tests.patients.html_factories import field_error, page_text

catalogue, lab_tech, login, patient = base.catalogue, base.lab_tech, base.login, base.patient
BUN = "3094-0"
RESULTS_API = "/api/v1/labs/results/"


def grid(client, order, values, collected_at=None):
    """The grid's POST, its rows in the order's item order (one value per test)."""
    return client.post(
        f"/labs/orders/{order.pk}/results/",
        row_data([{"value": v} for v in values], collected_at=collected_at or local(ago(1))),
    )


def one_test_order(clinician, patient, test):
    return services.order_create(actor=clinician, patient=patient, tests=[test])


def api_result(api_as, user, patient, test, value):
    return api_as(user).post(
        RESULTS_API,
        {"patient": patient.pk, "test": test.pk, "value": value, "collected_at": ago(1)},
        format="json",
    )


@pytest.fixture
def comma_clinic(clinic):
    """A clinic whose locale writes decimals with a comma (Spanish)."""
    clinic.locale = "es"
    clinic.save(update_fields=["locale"])
    return clinic


# --- 1. a comma is a decimal point only where the clinic writes one --------------------------
@pytest.mark.parametrize(
    ("value", "advice"),
    [("1,500", "1500 or 1.5:"), ("12,000", "12000 or 12:"), ("1,000,000", "1000000, without")],
)
def test_a_comma_in_an_english_clinic_is_refused_not_read_as_a_decimal_point(
    login, clinician, lab_tech, patient, catalogue, value, advice
):
    order = one_test_order(clinician, patient, catalogue[GLUCOSE])
    response = grid(login(lab_tech), order, [value])

    assert response.status_code == 200
    error = field_error(response, "r0-value")
    assert f"Write {advice}" in error and "a comma is not read as a decimal point" in error
    assert not LabResult.objects.exists()  # neither 1.5 (critical) nor 12


def test_a_correction_and_the_api_refuse_the_comma_too(login, api_as, lab_tech, patient, catalogue):
    result = add_result(lab_tech, patient, catalogue[GLUCOSE], "90")
    response = login(lab_tech).post(
        f"/labs/results/{result.pk}/correct/", {"value": "1,500", "reason": "typo"}
    )
    assert "Write 1500 or 1.5" in field_error(response, "value")
    result.refresh_from_db()
    assert result.value_numeric == 90 and result.flag == "normal"

    api = api_result(api_as, lab_tech, patient, catalogue[GLUCOSE], "1,500")
    assert api.status_code == 400
    assert "comma" in str(api.json()["errors"]["value"])
    assert LabResult.objects.count() == 1


def test_a_quoted_comma_in_the_csv_is_a_row_error(login, lab_tech, patient, catalogue):
    csv_text = HEADER + f'{patient.mrn},2345-7,"1,500",mg/dL,2025-01-10T08:00:00,Central\n'
    text = page_text(upload(login(lab_tech), csv_text))

    assert "Write 1500 or 1.5: a comma is not read as a decimal point here." in text
    assert "0 rows are valid" not in text and "rows are valid" not in text


def test_a_clinic_writing_decimal_commas_keeps_reading_them(
    login, api_as, comma_clinic, clinician, lab_tech, patient, catalogue
):
    order = one_test_order(clinician, patient, catalogue[POTASSIUM])
    assert grid(login(lab_tech), order, ["5,4"]).status_code == 302
    assert LabResult.objects.get().value_numeric == Decimal("5.4")
    api = api_result(api_as, lab_tech, patient, catalogue[GLUCOSE], "90,5")
    assert api.status_code == 201 and api.json()["value"] == 90.5


# --- 2. impossible values ---------------------------------------------------------------------
@pytest.mark.parametrize(("loinc", "value"), [(GLUCOSE, "-5"), (BUN, "-15")])
def test_a_negative_concentration_is_refused(
    login, clinician, lab_tech, patient, catalogue, loinc, value
):
    order = one_test_order(clinician, patient, catalogue[loinc])
    response = grid(login(lab_tech), order, [value])

    assert "cannot be negative" in field_error(response, "r0-value")
    assert not LabResult.objects.exists()  # no critical alert for an impossible value


def test_a_test_whose_limits_go_below_zero_takes_a_negative_value(
    admin_user, lab_tech, patient, catalogue
):
    base_excess = services.labtest_create(
        actor=admin_user, name="Base excess", loinc_code="11555-0", unit="mmol/L"
    )
    ReferenceRange.objects.create(test=base_excess, clinic=base_excess.clinic, low=-2, high=2)
    result = add_result(lab_tech, patient, base_excess, "-5")
    assert result.value_numeric == -5 and result.flag == "low"


@pytest.mark.parametrize("value", ["1e3", "1E3", "2.5e-1"])
def test_scientific_notation_is_refused_on_the_grid_the_api_and_the_import(
    login, api_as, clinician, lab_tech, patient, catalogue, value
):
    order = one_test_order(clinician, patient, catalogue[GLUCOSE])
    response = grid(login(lab_tech), order, [value])
    assert "scientific notation is not read" in field_error(response, "r0-value")

    api = api_result(api_as, lab_tech, patient, catalogue[GLUCOSE], value)
    assert api.status_code == 400 and "scientific" in str(api.json()["errors"]["value"])

    csv_text = HEADER + f"{patient.mrn},2345-7,{value},mg/dL,2025-01-10T08:00:00,Central\n"
    assert "scientific notation is not read" in page_text(upload(login(lab_tech), csv_text))
    assert not LabResult.objects.exists()


def test_a_json_number_is_read_in_full_not_as_scientific_notation(
    api_as, lab_tech, patient, catalogue
):
    tiny = api_result(api_as, lab_tech, patient, catalogue[GLUCOSE], 0.00001)
    assert tiny.status_code == 400 and "At most 4 decimal places" in str(tiny.json()["errors"])
    assert api_result(api_as, lab_tech, patient, catalogue[GLUCOSE], 1e2).json()["value"] == 100


# --- 3. a `next` that is not a path -----------------------------------------------------------
def test_a_review_with_a_bare_word_as_next_returns_to_the_result(
    login, clinician, lab_tech, patient, catalogue
):
    result = add_result(lab_tech, patient, catalogue[GLUCOSE], "90")
    response = login(clinician).post(
        f"/labs/results/{result.pk}/review/", {"comment": "ok", "next": "queue"}
    )

    assert response.status_code == 302 and response.url == f"/labs/results/{result.pk}/"
    result.refresh_from_db()
    assert result.reviewed_at is not None


@pytest.mark.parametrize("target", ["zzzz-not-an-id", "https://evil.example/", "//evil.example/"])
def test_a_sign_off_with_a_next_that_is_no_local_path_returns_to_the_queue(
    login, clinician, lab_tech, patient, catalogue, target
):
    order = one_test_order(clinician, patient, catalogue[GLUCOSE])
    add_result(lab_tech, patient, catalogue[GLUCOSE], "90", order=order)
    response = login(clinician).post(
        "/labs/review/sign-off/",
        {"scope": "order", "order": order.pk, "comment": "fine", "next": target},
    )

    assert response.status_code == 302 and response.url == "/labs/review/"
    assert LabResult.objects.get().reviewed_at is not None


def test_a_local_next_is_still_followed(login, clinician, lab_tech, patient, catalogue):
    order = one_test_order(clinician, patient, catalogue[GLUCOSE])
    add_result(lab_tech, patient, catalogue[GLUCOSE], "90", order=order)
    response = login(clinician).post(
        "/labs/review/sign-off/",
        {"scope": "order", "order": order.pk, "next": "/labs/review/?severity=critical"},
    )
    assert response.url == "/labs/review/?severity=critical"


# --- 4. the grid's shared fields --------------------------------------------------------------
FUTURE = "This time is in the future."


def test_a_future_collection_time_is_named_once_and_no_row_is_blamed(
    login, clinician, lab_tech, patient, catalogue
):
    tests = [catalogue[GLUCOSE], catalogue[POTASSIUM], catalogue[BUN]]
    order = services.order_create(actor=clinician, patient=patient, tests=tests)
    future = local(timezone.now() + timezone.timedelta(days=2))
    response = grid(login(lab_tech), order, ["90", "4.2", "12"], collected_at=future)
    text = page_text(response)

    assert text.count(FUTURE) == 1 and FUTURE in field_error(response, "collected_at")
    assert "Check the collection time, lab and status above; nothing was saved." in text
    assert "row(s)" not in text and "rows have errors" not in text
    assert not LabResult.objects.exists()


def test_the_banner_counts_only_the_rows_with_their_own_errors(
    login, clinician, lab_tech, patient, catalogue
):
    order = services.order_create(
        actor=clinician, patient=patient, tests=[catalogue[GLUCOSE], catalogue[POTASSIUM]]
    )
    future = local(timezone.now() + timezone.timedelta(days=2))
    response = grid(login(lab_tech), order, ["abc", "4.2"], collected_at=future)
    text = page_text(response)

    assert "1 row has an error; nothing was saved." in text
    assert text.count(FUTURE) == 1


# --- 5. imported critical values link to their communication page -------------------------------
def test_imported_critical_values_link_to_recording_who_was_told(
    login, lab_tech, patient, catalogue
):
    client = login(lab_tech)
    csv_text = HEADER + f"{patient.mrn},2823-3,7.2,mmol/L,2025-01-10T08:00:00,Central\n"
    done = client.post(
        "/labs/import/",
        {"action": "import", "token": upload(client, csv_text).context["token"]},
        follow=True,
    )
    result = LabResult.objects.get()
    link = f'href="/labs/results/{result.pk}/communication/"'

    assert link in done.content.decode() and "review queue" not in page_text(done)
    assert client.get(f"/labs/results/{result.pk}/communication/").status_code == 200


# --- 6. the communication page once it is recorded ----------------------------------------------
def test_the_communication_page_shows_who_was_told_once_recorded(
    login, clinician, lab_tech, patient, catalogue
):
    result = add_result(lab_tech, patient, catalogue[POTASSIUM], "7.2")
    client = login(lab_tech)
    form = {"communicated_to": "Dr Patel, on call", "method": "phone"}
    client.post(
        f"/labs/results/{result.pk}/communication/", {**form, "communicated_at": local(ago(0))}
    )
    page = client.get(f"/labs/results/{result.pk}/communication/")
    text = page_text(page)

    assert "Dr Patel, on call at" in text and f"recorded by {lab_tech.name}" in text
    assert "Tell the responsible clinician now" not in text
    assert 'name="communicated_to"' not in page.content.decode()


# --- 7. errors that say what is wrong ---------------------------------------------------------
@pytest.mark.parametrize(
    ("comment", "says"),
    [("ok\x00", "Null characters are not allowed."), ("x" * 2001, "at most 2000 characters")],
)
def test_a_refused_sign_off_says_why_and_keeps_the_comment(
    login, clinician, lab_tech, patient, catalogue, comment, says
):
    result = add_result(lab_tech, patient, catalogue[GLUCOSE], "90")
    response = login(clinician).post(f"/labs/results/{result.pk}/review/", {"comment": comment})

    assert response.status_code == 200
    assert says in field_error(response, "comment")
    assert "The comment is too long." not in page_text(response)
    if "\x00" not in comment:
        assert comment in response.content.decode()  # to shorten, not to type again
    result.refresh_from_db()
    assert result.reviewed_at is None


def test_a_cancel_reason_too_long_says_so_and_is_kept(login, clinician, patient, catalogue):
    order = one_test_order(clinician, patient, catalogue[GLUCOSE])
    reason = "duplicate " * 1000
    response = login(clinician).post(f"/labs/orders/{order.pk}/cancel/", {"reason": reason})

    assert response.status_code == 200
    error = field_error(response, "reason")
    assert "at most 200 characters" in error and "Give a reason" not in error
    assert reason.strip() in page_text(response) and '<details class="mt-3" open>' in (
        response.content.decode()
    )
    order.refresh_from_db()
    assert order.status == LabOrder.Status.ORDERED


def test_a_csv_line_longer_than_the_csv_limit_is_explained(login, lab_tech, patient, catalogue):
    csv_text = HEADER + f'{patient.mrn},2345-7,"{"9" * 200_000}",mg/dL,2025-01-10T08:00:00,X\n'
    text = page_text(upload(login(lab_tech), csv_text))

    assert "Line 2 has a value longer than 131,072 characters" in text
    assert "field larger than field limit" not in text


# --- 8. CSV import messages ---------------------------------------------------------------------
def test_rows_repeated_in_the_file_are_named_as_such(login, lab_tech, patient, catalogue):
    row = f"{patient.mrn},2345-7,90,mg/dL,2025-01-10T08:00:00,Central\n"
    client = login(lab_tech)
    preview = upload(client, HEADER + row + row)
    text = page_text(preview)

    assert "repeats line 2 of the file (same patient, test, time and value)" in text
    assert "</strong> already recorded" not in text
    assert "1 row repeats an earlier row of the file and will be skipped." in text
    done = confirm(client, preview)
    assert "1 row repeated in the file was skipped." in page_text(client.get(done.url))
    assert LabResult.objects.count() == 1


def test_a_semicolon_separated_file_is_read(login, lab_tech, comma_clinic, patient, catalogue):
    """As Excel saves a CSV where decimals take a comma (Spanish, French)."""
    csv_text = (
        "mrn;test;value;unit;collected_at;lab\n"
        f"{patient.mrn};2345-7;90,5;mg/dL;10/01/2025 08:00;Central\n"
    )
    client = login(lab_tech)
    preview = upload(client, csv_text)
    assert "Missing columns" not in page_text(preview) and preview.context["report"].ok
    confirm(client, preview)
    assert LabResult.objects.get().value_numeric == Decimal("90.5")


@pytest.mark.parametrize(
    ("csv_text", "says"),
    [
        ("00000001,2345-7,90,,2025-01-10,X\n", "The first line names the columns"),  # no header
        (HEADER + "\n", "The file has no rows."),
    ],
)
def test_an_error_of_the_whole_file_does_not_offer_the_valid_rows(
    login, lab_tech, patient, catalogue, csv_text, says
):
    text = page_text(upload(login(lab_tech), csv_text))
    assert says in text and "import only the valid rows" not in text


def test_the_same_file_again_names_who_imported_it_with_a_real_plural(
    login, lab_tech, patient, catalogue
):
    client = login(lab_tech)
    csv_text = HEADER + (
        f"{patient.mrn},2345-7,90,mg/dL,2025-01-10T08:00:00,Central\n"
        f"{patient.mrn},2345-7,95,mg/dL,2025-01-11T08:00:00,Central\n"
    )
    confirm(client, upload(client, csv_text))
    text = page_text(upload(client, csv_text))
    assert f"by {lab_tech.name} (2 results)" in text and lab_tech.email not in text


def test_the_template_uses_an_mrn_written_as_the_clinics_are(login, lab_tech, patient, catalogue):
    body = login(lab_tech).get("/labs/import/template.csv").content.decode()
    mrn = body.splitlines()[1].split(",")[0]
    assert mrn == "00000001" and len(mrn) == len(patient.mrn) and "MRN0001" not in body


# --- 9. a big file's preview ------------------------------------------------------------------
def test_a_big_files_preview_shows_every_error_and_a_sample_of_the_rest(
    login, lab_tech, patient, catalogue
):
    rows = [
        f"{patient.mrn},2345-7,{90 + n % 50},mg/dL,2025-01-{1 + n // 100:02d}T08:{n % 60:02d},X\n"
        for n in range(300)
    ]
    rows[7] = f"{patient.mrn},2345-7,abc,mg/dL,2025-01-10T08:00:00,X\n"
    rows[250] = f"{patient.mrn},2345-7,-3,mg/dL,2025-01-10T08:00:00,X\n"
    response = upload(login(lab_tech), HEADER + "".join(rows))
    text = page_text(response)
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", response.content.decode(), re.S)[1]

    assert body.count("<tr") == 102  # both errors and the first 100 other rows
    assert "needs a number" in text and "cannot be negative" in text
    assert "198 more rows without errors are not shown." in text
    assert "2 errors: fix the file" in text  # the summary counts every row


# --- the roles still decide ---------------------------------------------------------------------
def test_a_nurse_cannot_sign_off_whatever_next_says(login, staff, lab_tech, patient, catalogue):
    result = add_result(lab_tech, patient, catalogue[GLUCOSE], "90")
    response = login(staff[Role.NURSE]).post(
        f"/labs/results/{result.pk}/review/", {"comment": "ok", "next": "queue"}
    )
    assert response.status_code == 403
