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


def test_my_notes_counts_each_list_from_its_index_alone(staff, patient, second_clinician):
    """The "My notes" page pages both lists whole, so it counts them: each row's clinic (the
    reach) is on the index, not read from the note (9,959 drafts: 101 -> 2 ms)."""
    clinician = staff[Role.CLINICIAN]
    for n in range(30):
        make_note(clinician, patient, title=f"Draft {n}")
        make_note(second_clinician, patient, title=f"Other {n}", signed=True)
    statistics_refresh()

    drafts, awaiting = widget_lists(actor=clinician)
    drafts_plan = drafts.order_by().values("pk").explain()
    awaiting_plan = awaiting.order_by().values("pk").explain()

    assert "USING COVERING INDEX note_drafts" in drafts_plan, drafts_plan
    assert "USING COVERING INDEX note_cosign" in awaiting_plan, awaiting_plan
    assert drafts.count() == 30 and awaiting.count() == 0
