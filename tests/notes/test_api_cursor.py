"""The notes API walked by cursor (`?cursor=`), as the labs and patients APIs are: the numbered
pages' notes in the same order (ties on the time included), each page audited, only the notes
the caller may read, a cursor from anywhere else refused, and a searched walk saying from when
it looked."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import AuditEvent
from core import words
from core.roles import Role
from notes import selectors
from notes.models import Note
from tests.cursor_walk import queries_of_deep_pages, walk, walk_changing, walk_pages
from tests.notes.factories import make_note
from tests.patients.factories import PatientFactory, portal_user

pytestmark = pytest.mark.django_db

NOTES = "/api/v1/notes/"


@pytest.fixture
def grace(notes_clinic):
    return PatientFactory(clinic=notes_clinic, first_name="Grace", last_name="Hopper")


@pytest.fixture
def notes(clinician, nurse, patient, grace):
    """Seven notes, four of them written at the same moment (only the id orders those); the
    odd ones signed, about Ana (`patient`) and mentioning a cough; the rest Grace's."""
    tied = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    written = []
    for n in range(7):
        odd = n % 2 == 1
        note = make_note(
            clinician if odd else nurse,
            patient if odd else grace,
            signed=odd,
            title=f"Visit {n}",
            Subjective="Cough at night." if odd else "Sprained ankle.",
        )
        when = tied if n < 4 else tied - timedelta(days=n)
        Note.objects.filter(pk=note.pk).update(created_at=when)
        written.append(note)
    return written


def numbered(client, **params) -> list[str]:
    return [row["id"] for row in client.get(NOTES, {"page_size": 100, **params}).json()["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [({}, 7), ({"status": "signed"}, 3), ({"search": "cough"}, 3), ({"patient": "ana"}, 3)],
    ids=["all", "signed", "searched", "one patient's"],
)
def test_walking_by_cursor_gives_the_numbered_pages_notes_in_order(
    api_as, clinician, notes, patient, params, expected
):
    params = {**params, "patient": patient.pk} if "patient" in params else params
    api = api_as(clinician)
    in_order = numbered(api, **params)

    ids, pages = walk(api, NOTES, page_size=2, **params)

    assert ids == in_order and len(ids) == expected
    assert pages == (expected + 1) // 2


def test_a_walk_audits_each_patient_shown_once_a_page(api_as, clinician, notes, patient, grace):
    api = api_as(clinician)
    before = AuditEvent.objects.filter(action="view", detail="notes list").count()

    pages = walk_pages(api, NOTES, page_size=3)

    viewed = AuditEvent.objects.filter(action="view", detail="notes list")
    assert len(pages) == 3
    assert viewed.count() - before == sum(len({row["patient"] for row in page}) for page in pages)
    assert set(viewed.values_list("patient_id", flat=True)) == {patient.pk, grace.pk}


def test_a_patient_walks_only_their_own_signed_shared_notes(
    api_as, clinician, notes, patient, grace
):
    shared = [
        make_note(clinician, patient, signed=True, shared=True, title=f"For Ana {n}")
        for n in range(3)
    ]
    unsigned = make_note(clinician, patient, shared=True, title="Draft for Ana")
    grace_s = make_note(clinician, grace, signed=True, shared=True, title="For Grace")
    me = api_as(portal_user(patient))

    ids, pages = walk(me, NOTES, page_size=2)
    from_the_draft = me.get(NOTES, {"cursor": unsigned.pk})
    from_grace_s = me.get(NOTES, {"cursor": grace_s.pk})

    assert ids == numbered(me) and set(ids) == {note.pk for note in shared}
    assert pages == 2
    assert from_the_draft.status_code == 400 and from_grace_s.status_code == 400


def test_a_cursor_never_reaches_another_clinic_s_notes(
    api_as, clinician, notes, notes_other_clinic, other_staff, other_patient
):
    stranger = make_note(other_staff[Role.CLINICIAN], other_patient, title="Elsewhere")
    api = api_as(clinician)

    ids, _pages = walk(api, NOTES, page_size=3)
    named_by_a_stranger = api.get(NOTES, {"cursor": stranger.pk})

    assert len(ids) == 7 and stranger.pk not in ids
    assert named_by_a_stranger.status_code == 400


def test_a_role_that_may_not_read_notes_cannot_walk_them(api_as, staff, notes):
    response = api_as(staff[Role.RECEPTIONIST]).get(NOTES, {"cursor": ""})

    assert response.status_code == 403


@pytest.mark.parametrize("cursor", ["not-a-cursor", "x" * 65, "6b15c268fd2e968ceb45fc89"])
def test_a_cursor_not_from_the_list_is_a_400_naming_it(api_as, clinician, notes, cursor):
    response = api_as(clinician).get(NOTES, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["errors"]["cursor"] == ["Not a cursor from this list."]


def test_cursor_and_page_together_is_a_400(api_as, clinician, notes):
    response = api_as(clinician).get(NOTES, {"cursor": "", "page": 2})

    assert response.status_code == 400
    assert response.json()["errors"]["cursor"] == ["Send either page or cursor, not both."]


def test_a_walked_search_says_from_when_it_looked(api_as, clinician, patient, monkeypatch):
    """As the numbered list does: a search for common words looks through the clinic's newest
    WINDOW notes only, and every page of the walk says when the oldest of them was written."""
    monkeypatch.setattr(words, "RARE_UP_TO", 0)
    monkeypatch.setattr(selectors, "WINDOW", 3)
    for days_ago in (30, 3, 2, 1):
        note = make_note(clinician, patient, title=f"Asthma {days_ago}", Plan="Inhaler")
        Note.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(days_ago))
    oldest_looked_at = Note.objects.get(title="Asthma 3").created_at

    pages = []
    response = api_as(clinician).get(NOTES, {"cursor": "", "search": "inhaler", "page_size": 2})
    while True:
        body = response.json()
        pages.append(([row["title"] for row in body["results"]], body["searched_from"]))
        if not body["next"]:
            break
        response = api_as(clinician).get(body["next"])

    assert [titles for titles, _ in pages] == [["Asthma 1", "Asthma 2"], ["Asthma 3"]]
    assert {parse_datetime(since) for _, since in pages} == {oldest_looked_at}


def test_a_deep_page_by_cursor_skips_no_notes_to_reach_its_own(api_as, clinician, notes):
    """Each page after a cursor starts from its edge note: no OFFSET (SQLite) or $skip
    (MongoDB), and as many queries as the page before it, however deep."""
    api = api_as(clinician)
    queries = queries_of_deep_pages(api, NOTES)

    assert queries[0] == queries[1] == queries[2]


def test_a_note_that_leaves_the_list_mid_walk_still_leads_on(api_as, clinician, notes):
    """A walk of drafts whose last draft on each page is signed before `next` is followed (a
    colleague at work) still reaches every draft it started with, in order."""
    api = api_as(clinician)
    drafts = numbered(api, status="draft")

    def sign(note_id):
        Note.objects.filter(pk=note_id).update(status=Note.Status.SIGNED)

    assert walk_changing(api, NOTES, sign, status="draft", page_size=2) == drafts
    assert len(drafts) == 4
