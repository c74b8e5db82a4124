"""CSV import through the page: a dry-run preview of every row and error, then all rows or none."""

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent
from labs.models import LabResult
from labs.views.csv_import import IMPORT_SESSION_KEY
from tests.labs import test_html_base as base
from tests.patients.html_factories import page_text

catalogue, login, patient, lab_tech = base.catalogue, base.login, base.patient, base.lab_tech
HEADER = "mrn,test,value,unit,collected_at,lab\n"


def upload(client, text, name="results.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/labs/import/",
        {"action": "preview", "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def confirm(client, response):
    return client.post("/labs/import/", {"action": "import", "token": response.context["token"]})


def test_preview_then_import_writes_every_row(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    csv_text = HEADER + (
        f"{patient.mrn},2345-7,250,mg/dL,2025-01-10T08:00:00,Central\n"
        f"{patient.mrn},Hemoglobin A1c,5.2,,2025-01-10T08:00:00,Central\n"
    )
    preview = upload(client, csv_text)
    text = page_text(preview)

    assert preview.status_code == 200 and "2 rows are valid" in text
    assert "Ana Lopez" in text and "hp-flag-high" in preview.content.decode()
    assert not LabResult.objects.exists()  # a dry run
    response = confirm(client, preview)
    assert response.status_code == 302
    assert LabResult.objects.count() == 2
    assert IMPORT_SESSION_KEY not in client.session
    # the same preview cannot be imported twice
    again = client.post("/labs/import/", {"action": "import", "token": preview.context["token"]})
    assert again.status_code == 302 and LabResult.objects.count() == 2


def test_row_errors_are_listed_and_nothing_is_written(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    csv_text = HEADER + (
        f"{patient.mrn},2345-7,90,mg/dL,2025-01-10T08:00:00,Central\n"
        "99999999,2345-7,90,mg/dL,2025-01-10T08:00:00,Central\n"
        f"{patient.mrn},2823-3,4.0,mg/dL,2025-01-10T08:00:00,Central\n"
        f"{patient.mrn},Unobtainium,1,,2025-01-10T08:00:00,Central\n"
        f"{patient.mrn},2345-7,abc,mg/dL,2025-01-10T08:00:00,Central\n"
        f"{patient.mrn},2345-7,90,mg/dL,yesterday,Central\n"
        f"{patient.mrn},2345-7,90,mg/dL,2025-01-10T08:00:00,Central,extra\n"
    )
    preview = upload(client, csv_text)
    text = page_text(preview)
    rows = preview.context["report"].rows

    assert [row.line for row in rows] == [2, 3, 4, 5, 6, 7, 8]
    assert [bool(row.errors) for row in rows] == [False] + [True] * 6
    assert "Unknown MRN 99999999" in text
    assert "mmol/L" in text and "not mg/dL" in text  # unit mismatch reported, not converted
    assert "Unknown test Unobtainium" in text and "needs a number" in text
    assert "more fields than the header" in text
    assert "6 errors: fix the file and upload it again, or import only the valid rows" in text
    assert 'value="import"' not in preview.content.decode()  # no Import button
    # forcing the import anyway writes nothing
    response = confirm(client, preview)
    assert response.status_code == 200 and "Nothing was imported" in page_text(response)
    assert not LabResult.objects.exists()


def test_missing_columns_and_empty_and_binary_files(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    missing = upload(client, "mrn,test\n1,2\n")
    assert "Missing columns: value, unit, collected_at" in page_text(missing)
    empty = upload(client, "")
    assert "empty" in page_text(empty)
    binary = upload(client, b"\xff\xfe\x00\x01garbage")
    assert "not UTF-8" in page_text(binary)
    assert not LabResult.objects.exists()


def test_size_limit(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    big = HEADER + ("x" * 100 + "\n") * 22000  # > 2 MB
    response = upload(client, big)
    assert "the limit is 2 MB" in page_text(response)
    assert IMPORT_SESSION_KEY not in client.session


def test_import_needs_the_previewed_token(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    preview = upload(client, HEADER + f"{patient.mrn},2345-7,90,,2025-01-10T08:00:00,Lab\n")
    forged = client.post("/labs/import/", {"action": "import", "token": "forged"}, follow=True)
    assert "upload the file again" in page_text(forged)
    assert not LabResult.objects.exists()
    assert confirm(client, preview).status_code == 302 and LabResult.objects.count() == 1


def test_patient_deleted_between_preview_and_import_writes_nothing(
    login, lab_tech, patient, catalogue
):
    client = login(lab_tech)
    preview = upload(client, HEADER + f"{patient.mrn},2345-7,90,,2025-01-10T08:00:00,Lab\n")
    patient.mrn = "CHANGED1"
    patient.save()
    response = confirm(client, preview)
    assert response.status_code == 200 and "Unknown MRN" in page_text(response)
    assert not LabResult.objects.exists()


# --- never twice, a template, the clinic's dates, the valid rows only ---------------------------
def test_the_same_file_again_is_refused_with_the_date_of_the_first_import(
    login, lab_tech, patient, catalogue
):
    client = login(lab_tech)
    csv_text = HEADER + f"{patient.mrn},2345-7,90,mg/dL,2025-01-10T08:00:00,Central\n"
    assert confirm(client, upload(client, csv_text)).status_code == 302
    again = upload(client, csv_text.replace("\n", "\r\n"), name="copy.csv")  # same rows
    text = page_text(again)
    assert "already imported on" in text and f"by {lab_tech.name} (1 result)" in text
    assert 'value="import"' not in again.content.decode()
    assert LabResult.objects.count() == 1


def test_rows_already_recorded_are_skipped_and_listed(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    first = HEADER + f"{patient.mrn},2345-7,90,mg/dL,2025-01-10T08:00:00,Central\n"
    confirm(client, upload(client, first))
    second = first + f"{patient.mrn},2823-3,4.1,mmol/L,2025-01-10T08:00:00,Central\n"
    preview = upload(client, second, name="second.csv")
    text = page_text(preview)
    assert "1 row is valid" in text and "1 row is already recorded and will be skipped" in text
    assert "already recorded (same patient, test, time and value)" in text
    response = confirm(client, preview)
    assert response.status_code == 302
    assert LabResult.objects.count() == 2  # the glucose once, the potassium added
    assert "1 row already recorded was skipped" in page_text(client.get("/labs/import/"))


def test_template_csv_in_the_clinics_date_format(login, lab_tech, patient, catalogue):
    response = login(lab_tech).get("/labs/import/template.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "mrn,test,value,unit,collected_at,lab"
    assert "24/09/2026 14:05" in lines[1]  # a clinic that writes the day first


def test_the_clinics_day_first_dates_are_read(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    preview = upload(client, HEADER + f"{patient.mrn},2345-7,90,mg/dL,02/01/2025 08:30,Lab\n")
    assert preview.context["report"].ok
    confirm(client, preview)
    collected = LabResult.objects.get().collected_at
    from django.utils import timezone

    local = timezone.localtime(collected)
    assert (local.day, local.month, local.hour, local.minute) == (2, 1, 8, 30)


def test_only_the_valid_rows_after_an_explicit_confirmation(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    csv_text = HEADER + (
        f"{patient.mrn},2345-7,90,mg/dL,2025-01-10T08:00:00,Central\n"
        "99999999,2345-7,90,mg/dL,2025-01-10T08:00:00,Central\n"
    )
    preview = upload(client, csv_text)
    assert "Import only the 1 valid row" in page_text(preview)
    token = preview.context["token"]
    unconfirmed = client.post("/labs/import/", {"action": "import_valid", "token": token})
    assert "Tick the box to confirm" in page_text(unconfirmed)
    assert not LabResult.objects.exists()
    done = client.post(
        "/labs/import/", {"action": "import_valid", "token": token, "confirm": "yes"}, follow=True
    )
    text = page_text(done)
    assert "1 result imported." in text and "1 row with errors was left out." in text
    assert LabResult.objects.count() == 1


def test_an_imported_critical_value_asks_for_its_communication(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    preview = upload(client, HEADER + f"{patient.mrn},2823-3,7.2,mmol/L,2025-01-10T08:00:00,L\n")
    done = client.post(
        "/labs/import/", {"action": "import", "token": preview.context["token"]}, follow=True
    )
    assert "CRITICAL values were imported" in page_text(done)
    assert LabResult.objects.get().needs_communication


def test_an_action_no_button_sends_is_refused_with_a_message(login, lab_tech, patient, catalogue):
    client = login(lab_tech)
    upload(client, HEADER + f"{patient.mrn},2345-7,90,,2025-01-10T08:00:00,Lab\n")

    response = client.post("/labs/import/", {"action": "x"})

    assert response.status_code == 400
    assert "Upload a file to preview, then import it with its buttons." in page_text(response)
    assert not LabResult.objects.exists()


def test_a_preview_that_names_patients_audits_each_one_shown(login, lab_tech, patient, catalogue):
    """The file holds MRNs; the preview shows whose they are: a read of each patient."""
    client = login(lab_tech)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    csv_text = HEADER + (
        f"{patient.mrn},2345-7,250,mg/dL,2025-01-10T08:00:00,Central\n"
        f"{patient.mrn},Hemoglobin A1c,5.2,,2025-01-10T08:00:00,Central\n"
        "99999999,2345-7,90,mg/dL,2025-01-10T08:00:00,Central\n"
    )
    preview = upload(client, csv_text)

    assert "Ana Lopez" in page_text(preview)
    [read] = AuditEvent.objects.exclude(pk__in=before).filter(action="view")
    assert read.actor == lab_tech and read.patient_id == patient.pk
    assert read.detail == "results import preview"
