"""The clinician's home widget reads its two lists in index order: a clinician with 10,000
drafts (the benchmark's) had them all sorted on every home page, ~20 ms. The plan is the
behaviour, so it is asserted (SQLite's; MongoDB and PostgreSQL plan from the same indexes)."""

import pytest
from django.db import connection

from core.planner import statistics_refresh
from core.roles import Role
from notes.selectors import widget_lists
from tests.notes.factories import make_note

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans"),
]


def test_drafts_and_notes_to_cosign_are_read_by_their_indexes_without_a_sort(
    staff, patient, second_clinician
):
    clinician = staff[Role.CLINICIAN]
    for n in range(30):
        make_note(clinician, patient, title=f"Draft {n}")
        make_note(second_clinician, patient, title=f"Other {n}", signed=n % 2 == 0)
    statistics_refresh()

    drafts, awaiting = widget_lists(actor=clinician)
    drafts_plan, awaiting_plan = drafts[:6].explain(), awaiting[:6].explain()

    assert "USING INDEX note_drafts" in drafts_plan and "TEMP B-TREE" not in drafts_plan
    assert "USING INDEX note_cosign" in awaiting_plan and "TEMP B-TREE" not in awaiting_plan
    assert [n.title for n in drafts[:2]] == ["Draft 29", "Draft 28"]
