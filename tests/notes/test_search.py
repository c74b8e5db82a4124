"""The notes' text search: each word matches the start of a word of the title or sections; a
search across the clinic reads a rare word's notes from the word index and walks the clinic's
notes newest first for common words, answering the same either way; a word in more than
COMMON_FROM notes leaves the index; the index follows every saved draft, stops at the clinic's
edge, and is filled for notes written before it."""

import importlib
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import words
from core.roles import Role
from core.words import indexed_words
from notes import selectors, services
from notes.models import CommonNoteWord, Note, NoteWord, search_text_of
from tests.notes.factories import make_note, soap_sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as, clinician, notes_clinic):
    return api_as(clinician)


def found(api, **params) -> dict:
    response = api.get("/api/v1/notes/", params)
    assert response.status_code == 200, response.content
    body = response.json()
    return {
        "titles": sorted(n["title"] for n in body["results"]),
        "count": body["count"],
        "estimated": body.get("count_estimated", False),
    }


def titles(api, **params) -> list[str]:
    return found(api, **params)["titles"]


def test_a_search_word_matches_the_start_of_a_word(api, clinician, patient):
    make_note(clinician, patient, title="Asthma review", Assessment="Wheeze, well controlled")
    make_note(clinician, patient, title="Knee pain", Subjective="Pain on the stairs")
    for scope in ({}, {"patient": patient.pk}):  # across the clinic and in one patient's notes
        assert titles(api, search="asth", **scope) == ["Asthma review"]
        assert titles(api, search="ÁSTH CONTROLLED", **scope) == ["Asthma review"]
        assert titles(api, search="thma", **scope) == []  # inside a word
        assert titles(api, search="pain stairs", **scope) == ["Knee pain"]
        assert titles(api, search="asthma stairs", **scope) == []  # every word must match


def test_the_index_and_the_walk_answer_the_same(api, clinician, patient, monkeypatch):
    """A rare word's notes come from the word index; with every word taken as common the
    clinic's notes are read newest first instead: the same notes either way."""
    make_note(clinician, patient, title="Asthma review", Assessment="Asthma, partly controlled")
    make_note(clinician, patient, title="Asthma follow-up", Plan="Inhaler technique checked")
    make_note(clinician, patient, title="Eczema", Subjective="Itchy rash on both forearms")
    searches = ["asthma", "asth inhaler", "rash", "forearm itch", "salbutamol", "review eczema"]

    from_index = {search: found(api, search=search) for search in searches}
    monkeypatch.setattr(words, "RARE_UP_TO", 0)
    walked = {search: found(api, search=search) for search in searches}

    assert from_index["asthma"] == {
        "titles": ["Asthma follow-up", "Asthma review"], "count": 2, "estimated": False
    }  # fmt: skip
    assert from_index["asth inhaler"]["titles"] == ["Asthma follow-up"]
    assert from_index["forearm itch"]["titles"] == ["Eczema"]
    assert from_index["salbutamol"] == {"titles": [], "count": 0, "estimated": False}
    assert from_index["review eczema"]["titles"] == []
    assert walked == from_index


def test_a_word_in_more_than_common_from_notes_leaves_the_index(
    api, clinician, patient, monkeypatch
):
    """Its notes are then found by reading the clinic's notes, and a page that is followed by
    more says so with an estimated count; the last page's count is exact."""
    monkeypatch.setattr(services, "COMMON_FROM", 2)
    monkeypatch.setattr(words, "RARE_UP_TO", 2)
    for n in range(3):
        make_note(clinician, patient, title=f"Visit {n}", Plan="Inhaler technique checked")
    make_note(clinician, patient, title="Knee", Plan="Physiotherapy referral")

    assert CommonNoteWord.objects.filter(clinic=patient.clinic, word="inhaler").exists()
    assert not NoteWord.objects.filter(word="inhaler").exists()
    assert NoteWord.objects.filter(word="physiotherapy").count() == 1
    assert found(api, search="inhal") == {
        "titles": ["Visit 0", "Visit 1", "Visit 2"], "count": 3, "estimated": False
    }  # fmt: skip
    first = api.get("/api/v1/notes/", {"search": "inhaler", "page_size": 2}).json()
    last = api.get(first["next"]).json()
    assert [n["title"] for n in first["results"]] == ["Visit 2", "Visit 1"]
    assert (first["count"], first["count_estimated"]) == (3, True)
    assert [n["title"] for n in last["results"]] == ["Visit 0"]
    assert (last["count"], last["count_estimated"], last["next"]) == (3, False, None)
    exactly_full = api.get("/api/v1/notes/", {"search": "inhaler", "page_size": 3}).json()
    assert (exactly_full["count"], exactly_full["next"]) == (3, None)
    far = api.get("/api/v1/notes/", {"search": "inhaler", "page": 1_000_000})
    assert far.status_code == 404


def written(note, days_ago: int) -> Note:
    Note.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return note


@pytest.fixture
def all_common(monkeypatch):
    """Every word taken as common: searches across the clinic walk its notes newest first."""
    monkeypatch.setattr(words, "RARE_UP_TO", 0)


def test_a_walked_search_looks_through_the_newest_notes_and_says_from_when(
    api, clinician, patient, all_common, monkeypatch
):
    """Two common words seldom in one note would read every note to fill a page (75 s from a
    cold disk at 2,000,000): the walk stops at the clinic's newest WINDOW notes, says when the
    oldest of them was written, and older notes are found by asking for their dates."""
    monkeypatch.setattr(selectors, "WINDOW", 3)
    old = written(make_note(clinician, patient, title="Old", Plan="Telephone review"), 30)
    for days_ago in (3, 2, 1):
        written(make_note(clinician, patient, title=f"Recent {days_ago}", Plan="Eczema"), days_ago)
    oldest_looked_at = Note.objects.get(title="Recent 3").created_at

    body = api.get("/api/v1/notes/", {"search": "telephone review"}).json()
    assert (body["results"], body["count"]) == ([], 0)
    assert parse_datetime(body["searched_from"]) == oldest_looked_at

    older = {"search": "telephone review", "date_to": (oldest_looked_at - timedelta(days=1)).date()}
    body = api.get("/api/v1/notes/", older).json()
    assert [n["id"] for n in body["results"]] == [old.pk]
    assert body["searched_from"] is None  # one note in those dates: every one looked through
    in_one_patient = api.get("/api/v1/notes/", {"search": "telephone", "patient": patient.pk})
    assert [n["title"] for n in in_one_patient.json()["results"]] == ["Old"]
    assert in_one_patient.json()["searched_from"] is None
    # The window is the clinic's newest notes whatever the other filters: one author's older
    # notes are not sought past it (finding that author's newest 3 could read every note).
    by_author = api.get("/api/v1/notes/", {"search": "telephone", "author": clinician.pk}).json()
    assert by_author["results"] == []
    assert parse_datetime(by_author["searched_from"]) == oldest_looked_at


def test_two_filters_across_patients_look_through_the_same_window(
    api, clinician, nurse, patient, monkeypatch
):
    """One of author, status and type walks its own index, whole; two of them walk one index
    and filter by the other, which reads every note of an author when they never wrote that
    type: the clinic's newest WINDOW notes in the list's dates are looked through, as for a
    search. The list unfiltered walks every note, in order."""
    monkeypatch.setattr(selectors, "WINDOW", 2)
    written(make_note(clinician, patient, title="Old draft"), 30)
    written(make_note(nurse, patient, title="Nurse's", signed=True), 2)
    written(make_note(clinician, patient, title="Newest", signed=True), 1)
    edge = Note.objects.get(title="Nurse's").created_at

    def listed(**params):
        body = api.get("/api/v1/notes/", params).json()
        since = body["searched_from"] and parse_datetime(body["searched_from"])
        return [n["title"] for n in body["results"]], since

    assert listed() == (["Newest", "Nurse's", "Old draft"], None)
    assert listed(status="draft") == (["Old draft"], None)
    assert listed(author=clinician.pk) == (["Newest", "Old draft"], None)
    assert listed(type="11506-3") == (["Newest", "Nurse's", "Old draft"], None)
    assert listed(author=clinician.pk, status="draft") == ([], edge)
    assert listed(author=clinician.pk, type="11506-3") == (["Newest"], edge)
    old_dates = {"date_to": (edge - timedelta(days=1)).date()}
    assert listed(author=clinician.pk, status="draft", **old_dates) == (["Old draft"], None)


def test_a_rare_word_is_found_however_old_its_note(api, clinician, patient, monkeypatch):
    monkeypatch.setattr(selectors, "WINDOW", 1)
    written(make_note(clinician, patient, title="Old", Plan="Salbutamol"), 400)
    make_note(clinician, patient, title="New", Plan="Review")
    body = api.get("/api/v1/notes/", {"search": "salbutamol"}).json()
    assert ([n["title"] for n in body["results"]], body["searched_from"]) == (["Old"], None)


def test_matches_missing_from_the_sample_still_page_on(
    api, clinician, patient, all_common, monkeypatch
):
    """The count is estimated from the newest SAMPLE notes of the search's own dates: a search
    whose matches are all older than the clinic's newest notes still pages to its last match."""
    monkeypatch.setattr(selectors, "SAMPLE", 2)
    for n in range(3):
        written(make_note(clinician, patient, title=f"Wheeze {n}", Plan="Wheeze"), 30 + n)
    for n in range(3):
        written(make_note(clinician, patient, title=f"Rash {n}", Plan="Rash"), n)

    for dates in ({}, {"date_to": (timezone.now() - timedelta(days=20)).date()}):
        first = api.get("/api/v1/notes/", {"search": "wheeze", "page_size": 2, **dates}).json()
        assert [n["title"] for n in first["results"]] == ["Wheeze 0", "Wheeze 1"]
        second = api.get(first["next"])
        assert second.status_code == 200, (dates, second.content)
        assert [n["title"] for n in second.json()["results"]] == ["Wheeze 2"]
        assert (second.json()["count"], second.json()["next"]) == (3, None)
    dated = {"date_to": (timezone.now() - timedelta(days=20)).date()}
    counted = api.get("/api/v1/notes/", {"search": "wheeze", "page_size": 2, **dated}).json()
    assert (counted["count"], counted["count_estimated"]) == (3, True)  # 2 of the 2 newest, of 3


def test_a_word_in_no_note_reads_no_note(api, clinician, patient):
    """Found absent in the word index, it never reads the notes (at 2,000,000 notes reading them
    all to say so took 6 s)."""
    for n in range(3):
        make_note(clinician, patient, title=f"Visit {n}", Plan="Review in two weeks")
    with CaptureQueriesContext(connection) as queries:
        result = found(api, search="salbutamol")
    assert result == {"titles": [], "count": 0, "estimated": False}
    note_reads = [q["sql"] for q in queries if re.search(r"notes_note\b", q["sql"])]
    assert note_reads == []
    index_reads = [q["sql"] for q in queries if "notes_noteword" in q["sql"]]
    assert len(index_reads) == 1  # its count: no ids of none to read


def test_the_index_follows_each_saved_draft(api, clinician, patient):
    note = make_note(clinician, patient, title="Cough", Subjective="Dry cough at night")
    assert titles(api, search="night") == ["Cough"]
    response = api.patch(
        f"/api/v1/notes/{note.pk}/",
        {"sections": soap_sections(Subjective="Wheeze on exertion"), "version": note.version},
        format="json",
    )
    assert response.status_code == 200, response.content

    assert titles(api, search="wheeze exertion") == ["Cough"]
    assert titles(api, search="night") == []
    assert titles(api, search="cough") == ["Cough"]  # still in the title
    note.refresh_from_db()
    assert set(NoteWord.objects.filter(note=note).values_list("word", flat=True)) == (
        indexed_words(note.search_text)
    )


def test_another_clinics_notes_are_not_searched(
    api, clinician, patient, other_patient, other_staff, monkeypatch
):
    other_clinician = other_staff[Role.CLINICIAN]
    for _ in range(2):
        make_note(other_clinician, other_patient, title="Salbutamol", Plan="Salbutamol inhaler")
    make_note(clinician, patient, title="Mine", Plan="Salbutamol as needed")
    assert found(api, search="salbutamol") == {"titles": ["Mine"], "count": 1, "estimated": False}
    monkeypatch.setattr(words, "RARE_UP_TO", 0)
    assert found(api, search="salbutamol") == {"titles": ["Mine"], "count": 1, "estimated": False}


def test_the_migration_indexes_the_notes_written_before_it(clinician, patient, monkeypatch):
    from notes import models

    monkeypatch.setattr(models, "COMMON_FROM", 1)
    note = make_note(clinician, patient, title="Asthma review", Plan="Inhaler technique")
    other = make_note(clinician, patient, title="Knee", Plan="Inhaler again")
    for written in (note, other):  # as notes were kept before: text, no word index
        Note.objects.filter(pk=written.pk).update(search_text="asthma review\nplan inhaler")
    NoteWord.objects.all().delete()

    schema_editor = SimpleNamespace(connection=connection)
    importlib.import_module("notes.migrations.0006_note_words").index_words(apps, schema_editor)
    common_words = importlib.import_module("notes.migrations.0007_common_note_words")
    common_words.mark_common_words(apps, schema_editor)

    note.refresh_from_db()
    assert note.search_text == search_text_of(note.title, note.sections)
    assert note.search_text.startswith(" asthma review ")
    common = set(CommonNoteWord.objects.values_list("word", flat=True))
    assert {"inhaler", "plan", "subjective"} <= common  # in both notes: more than 1
    assert "asthma" not in common and "knee" not in common
    assert set(NoteWord.objects.filter(note=note).values_list("word", flat=True)) == (
        indexed_words(note.search_text) - common
    )
