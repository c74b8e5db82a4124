"""A search of the threads finds the subjects with its words through a word index of the
subjects (ThreadWord): the rarest word's threads are read by id, however old, where checking
each subject of a big clinic's 196,000 closed threads took 47 ms for every search, one that
found nothing too. A word common enough to fill a page soon is checked on each subject."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import audit as audit_module
from core import words
from core.planner import statistics_refresh
from core.roles import Role
from messaging import selectors, services
from messaging.models import Thread, ThreadWord
from tests.conftest import atomic_units
from tests.factories import UserFactory
from tests.messaging.factories import make_thread
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/messages/threads/"


@pytest.fixture
def subjects(clinician, patient):
    """Three threads of one patient, and one of another patient named like a subject's word."""
    threads = {
        subject: make_thread(clinician, patient, subject=subject)
        for subject in ("Repeat prescription", "Cita médica", "Rash getting worse")
    }
    namesake = PatientFactory(clinic=patient.clinic, first_name="Tom", last_name="Rashford")
    threads["namesake"] = make_thread(clinician, namesake, subject="Address change")
    return threads


def found(actor, search: str, **filters) -> set[str]:
    return {t.subject for t in selectors.thread_list(actor=actor, search=search, **filters)}


def test_a_word_finds_the_subjects_with_a_word_starting_with_it(clinician, subjects):
    assert found(clinician, "presc") == {"Repeat prescription"}
    assert found(clinician, "PRESCRIPTION") == {"Repeat prescription"}
    assert found(clinician, "medica") == found(clinician, "Médica") == {"Cita médica"}
    assert found(clinician, "script") == set()  # the start of a word, not any part of one
    assert found(clinician, "zzz") == set()


def test_every_word_of_a_search_is_in_the_subject_or_it_names_the_patient(clinician, subjects):
    assert found(clinician, "repeat presc") == {"Repeat prescription"}
    assert found(clinician, "repeat worse") == set()
    # "rash" starts a subject's word and the other patient's surname: both threads.
    assert found(clinician, "rash") == {"Rash getting worse", "Address change"}


def test_a_word_longer_than_the_index_holds_is_checked_whole(clinician, patient):
    """The index holds a word's first 40 letters; the word is then checked on the subject."""
    longest = "pneumonoultramicroscopicsilicovolcanoconiosis"  # 45 letters
    make_thread(clinician, patient, subject=f"Is it {longest}?")

    assert found(clinician, longest) == {f"Is it {longest}?"}
    assert found(clinician, longest + "x") == set()
    assert found(clinician, longest[:42]) == {f"Is it {longest}?"}


def test_punctuation_alone_is_no_search(api_as, clinician, patient_user, subjects):
    """As in the notes' search: every thread, for staff and for the patient alike."""
    assert len(found(clinician, "?")) == 4
    own = api_as(patient_user).get(API, {"search": "—"}).json()
    assert own["count"] == 3


def test_one_patients_threads_are_searched_without_the_index(
    api_as, clinician, patient, patient_user, subjects
):
    """Their few threads are checked on their subjects: the index would read the ids of the
    whole clinic's threads with the word to keep theirs."""
    with CaptureQueriesContext(connection) as ran:
        own = api_as(patient_user).get(API, {"search": "presc"}).json()
        listed = found(clinician, "presc", patient=patient.pk)

    assert [row["subject"] for row in own["results"]] == ["Repeat prescription"]
    assert listed == {"Repeat prescription"}
    assert not [q for q in ran.captured_queries if "messaging_threadword" in q["sql"]]


def test_a_common_word_is_checked_on_each_subject_and_finds_the_same(
    clinician, subjects, monkeypatch
):
    searches = ["presc", "medica", "repeat presc", "rash", "worse"]
    by_index = {search: found(clinician, search) for search in searches}
    monkeypatch.setattr(words, "RARE_UP_TO", 0)  # every word "common"

    with CaptureQueriesContext(connection) as ran:
        on_each_subject = {search: found(clinician, search) for search in searches}

    assert on_each_subject == by_index
    assert by_index["presc"] == {"Repeat prescription"}
    assert not [q for q in ran.captured_queries if "thread_id" in q["sql"]], "no ids read"


def test_a_thread_is_indexed_as_it_is_written_and_its_words_go_with_it(clinician, patient):
    thread = make_thread(clinician, patient, subject="Side effects? Side EFFECTS, again")

    words = ThreadWord.objects.filter(thread=thread).values_list("word", flat=True)
    assert sorted(words) == ["again", "effects", "side"]
    Thread.objects.filter(pk=thread.pk).delete()
    assert not ThreadWord.objects.exists()


@atomic_units
def test_a_thread_whose_audit_row_fails_leaves_no_thread_and_no_words(
    clinician, patient, monkeypatch
):
    def crash(*args, **kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(audit_module.audit_model(), "save", crash)
    with pytest.raises(RuntimeError):
        make_thread(clinician, patient, subject="Repeat prescription")

    assert not Thread.objects.exists() and not ThreadWord.objects.exists()


def test_the_index_holds_one_clinic_and_a_patient_searches_their_own(
    api_as, clinician, patient, patient_user, other_clinic, subjects
):
    stranger = PatientFactory(clinic=other_clinic)
    their_clinician = UserFactory(clinic=other_clinic, role=Role.CLINICIAN)
    make_thread(their_clinician, stranger, subject="Repeat prescription please")
    other = PatientFactory(clinic=patient.clinic, first_name="Eve", last_name="Moss")
    make_thread(clinician, other, subject="Prescription lost")

    assert found(clinician, "presc") == {"Repeat prescription", "Prescription lost"}
    own = api_as(patient_user).get(API, {"search": "presc"}).json()
    assert [row["subject"] for row in own["results"]] == ["Repeat prescription"]
    assert found(their_clinician, "presc") == {"Repeat prescription please"}


def test_the_migration_indexes_the_threads_written_before_it(clinician, patient):
    """Threads written without words (as every thread before the index): the migration's fill
    makes them found, and a rerun after an interruption writes each word once."""
    Thread.objects.bulk_create(
        [Thread(clinic=patient.clinic, patient=patient, subject=s, category="clinical")
         for s in ("Inhaler running out", "Sick note")]
    )  # fmt: skip
    assert found(clinician, "inhaler") == set()
    migration = importlib.import_module("messaging.migrations.0005_fill_thread_words")

    for _run in range(2):
        migration.index_subjects(apps, connection.schema_editor())

    assert found(clinician, "inhaler") == {"Inhaler running out"}
    assert ThreadWord.objects.filter(word="inhaler").count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_a_rare_words_threads_are_read_by_id_not_by_walking_the_clinic(clinician, patient):
    """The page and its count drive from the word's thread ids and the named patients'
    threads; a common word walks the list's index (thread_inbox), stopping at a page."""
    for n in range(30):
        make_thread(clinician, patient, subject=f"Question {n}")
    make_thread(clinician, patient, subject="Wound dressing")
    first = Thread.objects.get(subject="Question 0")
    services.thread_update(actor=clinician, thread=first, status="closed")
    statistics_refresh()
    listed = selectors.thread_list(actor=clinician, tab="open", search="wound")

    page = listed[:25].explain()
    count = listed.order_by().values("clinic_id").explain()

    assert "thread_inbox" not in page and "thread_inbox" not in count, (page, count)
    assert "sqlite_autoindex_messaging_thread_1 (_id=?)" in page, page
    assert [t.subject for t in listed] == ["Wound dressing"]
