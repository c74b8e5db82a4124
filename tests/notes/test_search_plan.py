"""A search across the clinic reads what its words need: a rare word's notes by id from the
word index (a word no note has read all 2,000,000 of the benchmark's notes to say so: 6 s), a
common word's (in more than COMMON_FROM notes) by walking the clinic's notes newest first with
no sort. The plan is the
behaviour, so it is asserted (SQLite's; MongoDB and PostgreSQL plan from the same indexes)."""

import pytest
from django.db import connection

from core import words
from core.lists import starts_with
from core.planner import statistics_refresh
from core.roles import Role
from notes import selectors, services
from notes.models import CommonNoteWord, NoteWord
from tests.notes.factories import make_note

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans"),
]


def test_rare_words_are_read_from_the_index_and_common_ones_walked(staff, patient, monkeypatch):
    clinician = staff[Role.CLINICIAN]
    monkeypatch.setattr(services, "COMMON_FROM", 5)
    monkeypatch.setattr(words, "RARE_UP_TO", 5)
    for n in range(40):
        make_note(clinician, patient, title=f"Review {n}", Plan="Salbutamol" if n == 7 else "")
    statistics_refresh()

    count_plan = NoteWord.objects.filter(
        starts_with("word", "salb"), clinic_id=clinician.clinic_id
    ).values("clinic_id")
    rare_plan = selectors.note_list(actor=clinician, search="salbutamol")[:25].explain()
    common = selectors.note_list(actor=clinician, search="review")
    common_plan = common[:25].explain()

    assert "USING COVERING INDEX noteword_clinic_word" in count_plan[:6].explain()
    assert "SCAN notes_note" not in rare_plan and "note_clinic_time" not in rare_plan
    assert "USING INDEX note_clinic_time" in common_plan and "TEMP B-TREE" not in common_plan
    assert [n.title for n in common[:2]] == ["Review 39", "Review 38"]
    assert NoteWord.objects.filter(word="salbutamol").count() == 1
    assert CommonNoteWord.objects.filter(word="review").exists()


def test_one_filter_across_the_clinic_walks_its_own_index(staff, patient):
    """A type, author or status few notes have walked note_clinic_time and read every note to
    fill a page (drafts: 0.7 s a page at 2,000,000; an author's notes of a rare type longer)."""
    clinician, nurse = staff[Role.CLINICIAN], staff[Role.NURSE]
    for n in range(30):
        make_note(clinician if n % 3 else nurse, patient, title=f"Note {n}", signed=n % 5 > 0)
    statistics_refresh()

    def plan(**filters):
        notes = selectors.note_list(actor=clinician, **filters)
        page = notes[:25].explain()
        count = notes.order_by().values("clinic_id")[:10_001].explain()
        return page, count

    for filters, index in [
        ({"author": nurse.pk}, "note_clinic_author"),
        ({"note_type": "11506-3"}, "note_clinic_type"),
        ({"status": "draft"}, "note_clinic_status"),
    ]:
        page, count = plan(**filters)
        assert f"USING INDEX {index}" in page and "TEMP B-TREE" not in page, (filters, page)
        assert f"USING COVERING INDEX {index}" in count, (filters, count)
    drafts = selectors.note_list(actor=clinician, status="draft")
    assert [n.title for n in drafts] == [f"Note {n}" for n in (25, 20, 15, 10, 5, 0)]
