"""CSV import at the service level: every bad file is a list of row errors, never a crash."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone, translation

from core.roles import Role
from labs.models import LabResult
from labs.services import results_import
from tests.labs.factories import install_catalogue, make_patient

HEADER = "mrn,test,value,unit,collected_at,lab\n"


@pytest.fixture
def tech(staff):
    return staff[Role.LAB_TECH]


@pytest.fixture
def patient(clinic):
    install_catalogue(clinic)
    return make_patient(clinic)


def test_a_clean_file_imports_every_row(tech, patient):
    data = HEADER + f"{patient.mrn},2345-7,180,mg/dL,2025-01-02T08:00:00Z,City Lab\n"
    data += f"{patient.mrn},Potassium,4.2,,2025-01-02T08:00:00Z,City Lab\n"
    report = results_import(actor=tech, data=data, dry_run=False)
    assert report.ok and report.written == 2
    flags = dict(LabResult.objects.filter(patient=patient).values_list("test__loinc_code", "flag"))
    assert flags == {"2345-7": "high", "2823-3": "normal"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{mrn},2345-7,90,mg/dL,2025-01-02T08:00:00Z,Lab,EXTRA\n", "expected 6 columns, found 7"),
        ("{mrn},2345-7,90\n", "expected 6 columns, found 3"),
        ("99999999,2345-7,90,mg/dL,2025-01-02T08:00:00Z,Lab\n", "Unknown MRN"),
        ("{mrn},0000-0,90,mg/dL,2025-01-02T08:00:00Z,Lab\n", "Unknown test"),
        ("{mrn},2345-7,90,g/L,2025-01-02T08:00:00Z,Lab\n", "mg/dL"),
        ("{mrn},2345-7,ninety,mg/dL,2025-01-02T08:00:00Z,Lab\n", "number"),
        ("{mrn},2345-7,90,mg/dL,yesterday,Lab\n", "collected_at"),
        ("{mrn},2345-7,90,mg/dL,2999-01-02T08:00:00Z,Lab\n", "future"),
    ],
)
def test_one_bad_row_writes_nothing_and_says_which_row(tech, patient, body, message):
    good = f"{patient.mrn},2345-7,90,mg/dL,2025-01-02T08:00:00Z,Lab\n"
    report = results_import(
        actor=tech, data=HEADER + good + body.format(mrn=patient.mrn), dry_run=False
    )
    assert report.written == 0 and not report.file_errors
    assert [row.line for row in report.rows if row.errors] == [3]
    assert message in "; ".join(report.rows[1].errors)
    assert not LabResult.objects.exists()


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe\x00bad", "mrn,test\n1,2\n", "", 'mrn,test,value,unit,collected_at\n"unclosed'],
)
def test_unreadable_files_are_reported_not_crashed_on(tech, patient, data):
    report = results_import(actor=tech, data=data, dry_run=False)
    assert not report.ok and report.written == 0
    assert not LabResult.objects.exists()


def test_the_report_has_every_row_with_its_cells_and_result(tech, patient):
    data = HEADER + f"{patient.mrn},2345-7,180,mg/dL,2025-01-02T08:00:00Z,City Lab\n\n"
    data += "99999999,Potassium,4.2\n"
    report = results_import(actor=tech, data=data, dry_run=True)
    good, bad = report.rows  # the blank line is not a row
    assert (good.line, good.cells["value"], good.result.flag, good.errors) == (2, "180", "high", [])
    assert (bad.line, bad.cells["test"], bad.cells["lab"], bad.result) == (4, "Potassium", "", None)
    assert report.error_count == 1 and not LabResult.objects.exists()


def test_inactive_tests_and_impossible_dates_are_row_errors(tech, patient):
    from labs.models import LabTest

    LabTest.objects.filter(clinic=patient.clinic, loinc_code="2823-3").update(is_active=False)
    data = HEADER + f"{patient.mrn},2823-3,4.2,,2025-01-02T08:00:00Z,Lab\n"
    data += f"{patient.mrn},2345-7,90,,2025-02-30T08:00:00,Lab\n"
    report = results_import(actor=tech, data=data, dry_run=False)
    assert "Potassium is inactive" in report.rows[0].errors[0]
    assert "collected_at" in report.rows[1].errors[0]
    assert report.written == 0 and not LabResult.objects.exists()


# --- never imported twice ----------------------------------------------------------------------
def test_the_same_file_is_imported_once(tech, patient):
    data = HEADER + f"{patient.mrn},2345-7,90,mg/dL,2025-01-02T08:00:00Z,Lab\n"
    assert results_import(actor=tech, data=data, dry_run=False, filename="a.csv").written == 1
    again = results_import(actor=tech, data=data.encode("utf-8-sig"), dry_run=False)
    assert again.written == 0 and again.already is not None
    assert "already imported on" in again.file_errors[0]
    assert LabResult.objects.count() == 1


def test_a_row_equal_to_a_recorded_result_is_skipped(tech, patient):
    row = f"{patient.mrn},2345-7,90,mg/dL,2025-01-02T08:00:00Z,Lab\n"
    results_import(actor=tech, data=HEADER + row, dry_run=False)
    other_value = f"{patient.mrn},2345-7,91,mg/dL,2025-01-02T08:00:00Z,Lab\n"
    report = results_import(actor=tech, data=HEADER + row + other_value + row, dry_run=False)
    assert report.ok and report.written == 1
    assert [r.line for r in report.duplicates] == [2, 4]  # the recorded one, and a repeat
    assert sorted(LabResult.objects.values_list("value_numeric", flat=True)) == [90, 91]


def test_valid_rows_only_when_asked(tech, patient):
    data = HEADER + (
        f"{patient.mrn},2345-7,90,mg/dL,2025-01-02T08:00:00Z,Lab\n"
        f"{patient.mrn},2345-7,abc,mg/dL,2025-01-02T09:00:00Z,Lab\n"
    )
    assert results_import(actor=tech, data=data, dry_run=False).written == 0
    report = results_import(actor=tech, data=data, dry_run=False, valid_only=True)
    assert report.written == 1 and report.error_count == 1


def test_nothing_new_does_not_mark_the_file_imported(tech, patient):
    from labs.models import LabImport

    bad = HEADER + f"{patient.mrn},2345-7,abc,mg/dL,2025-01-02T08:00:00Z,Lab\n"
    assert results_import(actor=tech, data=bad, dry_run=False, valid_only=True).written == 0
    assert not LabImport.objects.exists()


def test_times_across_a_change_of_the_clocks_are_read_as_the_forms_read_them(tech, patient):
    """On the clinic's clocks (here New York's): 01:30 on the night the clocks go back is its
    first occurrence (EDT); 02:30 on the night they go forward is a row error saying so."""
    data = HEADER + f"{patient.mrn},2345-7,90,mg/dL,2025-11-02T01:30:00,Lab\n"
    data += f"{patient.mrn},2345-7,91,mg/dL,2026-03-08T02:30:00,Lab\n"
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")), translation.override("en-US"):
        report = results_import(actor=tech, data=data, dry_run=True)  # as the import page runs

    first, skipped = report.rows
    assert first.errors == []
    assert first.result.collected_at == datetime.datetime(2025, 11, 2, 5, 30, tzinfo=datetime.UTC)
    assert skipped.errors == [
        "This time does not exist on that day: the clocks went forward at 2:00 AM."
    ]
