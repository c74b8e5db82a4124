"""A search of the documents finds the titles with its words through a word index of the
titles (FileWord), as the message threads' search does (core.words): a rare word's files are
read by id, where every title of a big clinic's 200,000 files was checked for each search."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from files import services
from files.models import FileWord, StoredFile
from files.selectors import file_list
from tests.files.factories import stored_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def titles(staff, patient):
    nurse = staff[Role.NURSE]
    return {
        title: stored_file(nurse, patient, title=title)
        for title in ("Echocardiogram report", "Informe médico", "Referral letter")
    }


def found(actor, search: str, **filters) -> set[str]:
    return {f.title for f in file_list(actor=actor, search=search, **filters)}


def test_a_word_finds_the_titles_with_a_word_starting_with_it(staff, titles):
    clinician = staff[Role.CLINICIAN]

    assert found(clinician, "echo") == {"Echocardiogram report"}
    assert found(clinician, "MEDICO") == found(clinician, "médico") == {"Informe médico"}
    assert found(clinician, "report echo") == {"Echocardiogram report"}
    assert found(clinician, "cardio") == set()  # the start of a word, not any part of one
    assert found(clinician, "zqx") == set()
    assert len(found(clinician, "?")) == 3  # punctuation alone is no search


def test_a_title_made_from_a_file_name_is_found_by_its_parts(staff, patient):
    """No title typed: the file's name is the title, its underscores between words."""
    stored_file(staff[Role.NURSE], patient, name="blood_test_results.pdf")

    assert found(staff[Role.CLINICIAN], "test") == {"blood_test_results"}
    assert found(staff[Role.CLINICIAN], "blood_test") == {"blood_test_results"}


def test_a_word_row_left_behind_finds_nothing(staff, titles):
    """A row the index kept of an old title (a crash between a rename's writes, two renames at
    once) is checked against the file's title before the file is listed."""
    echo = titles["Echocardiogram report"]
    FileWord.objects.create(clinic_id=echo.clinic_id, file=echo, word="obsolete")

    assert found(staff[Role.CLINICIAN], "obsolete") == set()


def test_a_renamed_file_is_found_by_its_new_title_only(staff, titles):
    clinician = staff[Role.CLINICIAN]
    echo = titles["Echocardiogram report"]

    services.file_update(actor=clinician, stored=echo, title="Cardiac ultrasound")

    assert found(clinician, "ultrasound") == {"Cardiac ultrasound"}
    assert found(clinician, "echo") == set()
    words = FileWord.objects.filter(file_id=echo.pk).values_list("word", flat=True)
    assert sorted(words) == ["cardiac", "ultrasound"]


def test_one_patients_files_are_searched_without_the_index(staff, patient, titles):
    with CaptureQueriesContext(connection) as ran:
        listed = found(staff[Role.CLINICIAN], "echo", patient=patient)

    assert listed == {"Echocardiogram report"}
    assert not [q for q in ran.captured_queries if "files_fileword" in q["sql"]]


def test_the_migration_indexes_the_files_written_before_it(staff, titles):
    """Files with no words (as every file before the index): the migration's fill makes them
    found, and a rerun after an interruption writes each word once."""
    FileWord.objects.all().delete()
    StoredFile.objects.update(search_text="")
    assert found(staff[Role.CLINICIAN], "echo") == set()
    migration = importlib.import_module("files.migrations.0005_fill_file_words")

    for _run in range(2):
        migration.index_titles(apps, connection.schema_editor())

    assert found(staff[Role.CLINICIAN], "echo") == {"Echocardiogram report"}
    assert FileWord.objects.filter(word="echocardiogram").count() == 1
