"""The triage page as staff use it: made by a POST and shown by the GET it redirects to, so Back
from the thread and a login's return land on the suggestion, not on a 405 or a browser's
"Confirm form resubmission"; with an external provider and nothing kept, the GET offers the
button and sends nothing."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from core.roles import Role
from tests.ai_assist.test_external_provider import provider, switched_on
from tests.notes.factories import audit_mark, audit_rows_since

pytestmark = pytest.mark.django_db
provider, switched_on = provider, switched_on


def triage_url(thread) -> str:
    return f"/ai/threads/{thread['thread_id']}/triage/"


def test_suggesting_triage_redirects_to_a_page_that_shows_the_suggestion(
    client, staff, fake_thread
):
    client.force_login(staff[Role.NURSE])
    made = client.post(triage_url(fake_thread))
    assert made.status_code == 302 and made.url == triage_url(fake_thread)

    again = client.get(made.url)  # what Back from the thread asks for
    page = again.content.decode()
    assert again.status_code == 200
    assert "AI-drafted — check before use" in page and ">Emergency</span>" in page
    assert "call emergency services" in page


def test_a_login_that_returns_to_the_triage_lands_on_it_not_on_a_405(client, staff, fake_thread):
    to_login = client.get(triage_url(fake_thread))
    assert to_login.url == f"{resolve_url(settings.LOGIN_URL)}?next={triage_url(fake_thread)}"

    client.force_login(staff[Role.RECEPTIONIST])
    back = client.get(triage_url(fake_thread))
    assert back.status_code == 200 and ">Emergency</span>" in back.content.decode()


def test_suggesting_again_for_unchanged_messages_says_so_once_and_is_audited(
    client, staff, fake_thread
):
    client.force_login(staff[Role.NURSE])
    first = client.post(triage_url(fake_thread), follow=True).content.decode()
    assert "Unchanged messages" not in first
    mark = audit_mark()
    second = client.post(triage_url(fake_thread), follow=True).content.decode()
    assert "Unchanged messages: the suggestion made earlier." in second
    assert "Unchanged messages" not in client.get(triage_url(fake_thread)).content.decode()
    ai = [r.detail for r in audit_rows_since(mark) if r.detail.startswith("AI triage")]
    # the POST, the page it redirects to, the GET: each a read of the kept suggestion
    assert len(ai) == 3 and all("triage (cached)" in detail for detail in ai)


def test_with_a_provider_and_nothing_made_yet_the_page_offers_the_button_and_sends_nothing(
    client, staff, fake_thread, provider, switched_on
):
    client.force_login(staff[Role.NURSE])
    page = client.get(triage_url(fake_thread)).content.decode()
    assert "No triage suggestion for the thread's messages as they are now." in page
    assert f'action="{triage_url(fake_thread)}"' in page and "Suggest triage" in page
    assert provider.bodies == []

    shown = client.post(triage_url(fake_thread), follow=True).content.decode()
    assert len(provider.bodies) == 1 and "local-test-model" in shown
    client.get(triage_url(fake_thread))  # shown again: the suggestion kept, not asked again
    assert len(provider.bodies) == 1
