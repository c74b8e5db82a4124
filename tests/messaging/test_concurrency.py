"""Two writers at once: numbering by a unique index (no transaction, no row lock), and counters
moved by compare-and-set, so a lost race costs a retry, never a duplicate or a wrong count."""

import pytest

from messaging import selectors, services
from messaging.models import Message, ReadState
from tests.messaging.factories import make_thread, write

pytestmark = pytest.mark.django_db


def test_a_writer_who_loses_the_race_for_a_seq_takes_the_next_one(
    patient_user, clinician, nurse, monkeypatch
):
    thread = make_thread(patient_user, patient_user.patient_record)
    original = services._ms
    raced = []

    def rival_writes_first(moment):
        """Runs after the writer read the last seq, before its insert."""
        if not raced:
            raced.append(True)
            write(nurse, thread, "Rival got there first")
        return original(moment)

    monkeypatch.setattr(services, "_ms", rival_writes_first)
    mine = write(clinician, thread, "Mine")
    rows = list(Message.objects.filter(thread=thread).order_by("seq").values_list("seq", "text"))
    assert rows == [(1, "Hello"), (2, "Rival got there first"), (3, "Mine")]
    assert mine.seq == 3
    thread.refresh_from_db()
    assert (thread.seq, thread.visible_seq) == (3, 3)
    assert selectors.unread_count(actor=patient_user) == 2
    assert selectors.unread_count(actor=clinician) == 0


def test_a_stale_read_position_never_moves_back(patient_user, clinician):
    thread = make_thread(patient_user, patient_user.patient_record)
    write(patient_user, thread, "Second")
    services.thread_read(actor=clinician, thread=thread)
    state = ReadState.objects.get(thread=thread, user=clinician)
    services._mark_read(clinician, thread, seq=1, visible_seq=1)  # a late, older request
    state.refresh_from_db()
    assert (state.read_seq, state.counted) == (2, 0)
    assert selectors.unread_count(actor=clinician) == 0
