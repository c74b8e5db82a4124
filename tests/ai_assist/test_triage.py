"""Message triage: the 40 crafted messages (precision / recall reported in the README), negation,
and the endpoint over the messaging app's triage service."""

import pytest

from ai_assist.triage import triage
from core.roles import Role
from tests.ai_assist.triage_messages import EMERGENCY, MESSAGES, ROUTINE
from tests.notes.factories import audit_mark, audit_rows_since

LEVELS = ("emergency", "urgent", "routine")


def scores() -> dict:
    """Precision and recall of each level over the crafted set."""
    got = [(want, triage("", text)["urgency"]) for text, want in MESSAGES]
    table = {}
    for level in LEVELS:
        true_pos = sum(1 for want, found in got if want == found == level)
        flagged = sum(1 for _want, found in got if found == level)
        actual = sum(1 for want, _found in got if want == level)
        table[level] = (true_pos / flagged if flagged else 1.0, true_pos / actual)
    return table


def test_every_emergency_message_is_flagged_emergency_with_its_phrases():
    for text in EMERGENCY:
        result = triage("", text)
        assert result["urgency"] == "emergency", text
        assert result["reasons"] and result["call_emergency"]


def test_routine_refills_are_never_urgent():
    refills = [t for t in ROUTINE if "refill" in t.lower() or "prescription" in t.lower()]
    assert len(refills) >= 3
    for text in refills:
        result = triage("", text)
        assert result["urgency"] == "routine", text
        assert result["category"] == "medication"


def test_precision_and_recall_over_the_forty_messages():
    table = scores()
    assert len(MESSAGES) == 40
    assert table["emergency"][1] == 1.0  # no emergency missed
    for level in LEVELS:
        precision, recall = table[level]
        assert precision >= 0.9 and recall >= 0.9, (level, precision, recall)


def test_a_negated_symptom_does_not_raise_the_urgency_but_a_later_one_does():
    assert triage("", "I don't have any chest pain now")["urgency"] == "routine"
    assert triage("", "No idea why, but chest pain started an hour ago")["urgency"] == "emergency"


def test_the_suggested_reply_for_an_emergency_says_to_call_emergency_services():
    reply = triage("", EMERGENCY[0])["suggested_reply"]
    assert "emergency" in reply


@pytest.mark.django_db
def test_the_triage_endpoint_suggests_and_audits_but_sends_nothing(api_as, staff, fake_thread):
    mark = audit_mark()
    response = api_as(staff[Role.RECEPTIONIST]).post(
        f"/api/v1/ai/messages/threads/{fake_thread['thread_id']}/triage", format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["urgency"] == "emergency" and "chest pain" in body["reasons"]
    assert body["category"] == "symptoms" and body["suggested_reply"]
    assert body["citations"] == [
        {"type": "messaging.thread", "id": fake_thread["thread_id"], "url": fake_thread["url"]}
    ]
    assert body["banner"] == "AI-drafted — check before use"
    rows = [r for r in audit_rows_since(mark) if r.detail.startswith("AI triage")]
    assert len(rows) == 1 and rows[0].patient_id == fake_thread["patient_id"]


@pytest.mark.django_db
def test_the_triage_page_shows_the_red_emergency_banner(client, staff, fake_thread):
    client.force_login(staff[Role.NURSE])
    response = client.post(f"/ai/threads/{fake_thread['thread_id']}/triage/", follow=True)
    assert response.status_code == 200
    assert "call emergency services" in response.content.decode()
    assert b"alert-danger" in response.content


@pytest.mark.django_db
def test_without_messaging_triage_is_a_404(api_as, staff, monkeypatch):
    from core.contributions import services

    monkeypatch.delitem(services._items, "messaging.thread_for_triage", raising=False)
    response = api_as(staff[Role.NURSE]).post(
        "/api/v1/ai/messages/threads/5f0000000000000000000001/triage", format="json"
    )
    assert response.status_code == 404
