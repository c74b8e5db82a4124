"""CSV import through the page: a dry-run preview of every row and error, then all rows or none."""

from django.core.files.uploadedfile import SimpleUploadedFile

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

    assert preview.status_code == 200 and "All 2 rows are valid" in text
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
    assert "6 errors: nothing will be imported" in text
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
