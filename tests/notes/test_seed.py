"""Demo notes: `seed_demo --notes-per-patient K` tops every patient up to K notes, once."""

import argparse
from collections import Counter

import pytest

from core.contributions import seeders
from core.roles import Role
from core.words import indexed_words
from notes import demo
from notes.models import CommonNoteWord, Note, NoteRevision, NoteWord
from notes.selectors import note_list
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_notes_per_patient_tops_up_once(staff, clinic):
    for _ in range(3):
        PatientFactory(clinic=clinic)
    users = {Role.CLINICIAN: staff["clinician"], Role.NURSE: staff["nurse"]}

    assert demo.seed_notes(clinic=clinic, users=users, per_patient=4) == 12
    assert demo.seed_notes(clinic=clinic, users=users, per_patient=4) == 0  # nothing doubles
    assert demo.seed_notes(clinic=clinic, users=users, per_patient=5) == 3

    notes = Note.objects.filter(clinic=clinic)
    assert notes.filter(status=Note.Status.SIGNED).exists()
    assert NoteRevision.objects.filter(note__clinic=clinic).count() == 15
    times = sorted(notes.values_list("created_at", flat=True))
    assert (times[-1] - times[0]).days > 30  # spread over years, not the seeding time
    searched = note_list(actor=staff["clinician"], search="sputum").count()
    assert searched == notes.filter(search_text__contains="sputum").count()


def test_the_option_is_offered_by_seed_demo():
    parser = argparse.ArgumentParser()
    seeders.get("notes").add_arguments(parser)
    assert parser.parse_args(["--notes-per-patient", "7"]).notes_per_patient == 7


def test_seeded_notes_are_in_the_word_index_as_the_services_keep_it(staff, clinic, monkeypatch):
    """Rarer words with their notes, words in more than COMMON_FROM notes marked common."""
    monkeypatch.setattr(demo, "COMMON_FROM", 3)
    for _ in range(3):
        PatientFactory(clinic=clinic)
    users = {Role.CLINICIAN: staff["clinician"], Role.NURSE: staff["nurse"]}
    demo.seed_notes(clinic=clinic, users=users, per_patient=4)

    texts = dict(Note.objects.filter(clinic=clinic).values_list("pk", "search_text"))
    common = set(CommonNoteWord.objects.filter(clinic=clinic).values_list("word", flat=True))
    notes_with = Counter(word for text in texts.values() for word in indexed_words(text))
    assert common == {word for word, count in notes_with.items() if count > 3}
    assert common  # section names at least
    for pk, text in texts.items():
        indexed = set(NoteWord.objects.filter(note_id=pk).values_list("word", flat=True))
        assert indexed == indexed_words(text) - common
