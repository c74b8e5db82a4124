"""A search across the clinic reads what its words need: a rare word's notes by id from the
word index (a word no note has read all 2,000,000 of the benchmark's notes to say so: 6 s), a
common word's (in more than COMMON_FROM notes) by walking the clinic's notes newest first with
no sort. The plan is the
behaviour, so it is asserted (SQLite's; MongoDB and PostgreSQL plan from the same indexes)."""

import pytest
from django.db import connection

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
    monkeypatch.setattr(selectors, "COMMON_FROM", 5)
    for n in range(40):
        make_note(clinician, patient, title=f"Review {n}", Plan="Salbutamol" if n == 7 else "")
    statistics_refresh()

    count_plan = selectors._notes_with_word(clinician.clinic_id, "salb").values("clinic_id")
    rare_plan = selectors.note_list(actor=clinician, search="salbutamol")[:25].explain()
    common = selectors.note_list(actor=clinician, search="review")
    common_plan = common[:25].explain()

    assert "USING COVERING INDEX noteword_clinic_word" in count_plan[:6].explain()
    assert "SCAN notes_note" not in rare_plan and "note_clinic_time" not in rare_plan
    assert "USING INDEX note_clinic_time" in common_plan and "TEMP B-TREE" not in common_plan
    assert [n.title for n in common[:2]] == ["Review 39", "Review 38"]
    assert NoteWord.objects.filter(word="salbutamol").count() == 1
    assert CommonNoteWord.objects.filter(word="review").exists()
