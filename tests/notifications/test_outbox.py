"""The outbox: every e-mail is stored with its action and sent by a worker; none is lost."""

import asyncio
import os
import signal
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from notifications import deliveries
from notifications.models import OutboxMessage
from tests.conftest import Inbox, free_port
from tests.notifications.conftest import finish
from tests.notifications.helpers import retry_due_now

STAFF = "/api/v1/clinics/current/staff"
FORGOT = "/api/v1/auth/forgot-password"


def invite(client, email="new.nurse@example.org"):
    return client.post(STAFF, {"email": email, "name": "Nia Nurse", "role": "nurse"})


def test_an_invitation_is_stored_then_sent_in_html_and_text_with_the_clinic(
    admin_api, admin_user, mailbox
):
    assert invite(admin_api).status_code == 202

    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.clinic_id) == ("sent", 1, admin_user.clinic_id)
    [message] = mailbox.messages
    assert message["Message-ID"] == row.message_id
    assert message["To"] == "new.nurse@example.org"
    html = message.get_body(preferencelist=("html",)).get_content()
    text = mailbox.body(message)
    for body in (html, text):
        assert "Riverside Clinic" in body
        assert "You got this e-mail because Riverside Clinic invited new.nurse@example.org" in body
    assert "/accounts/reset/" in text and "Choose your password" in html


def test_smtp_down_then_up_the_mail_arrives_once(admin_api, settings, smtp_server, mailbox):
    settings.EMAIL_PORT = free_port()  # the mail server is down

    assert invite(admin_api).status_code == 202  # the request did not wait for it

    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    # the first retry is due OUTBOX_RETRY_SECONDS after the attempt
    assert row.next_attempt_at - row.last_attempt_at == timedelta(seconds=30)
    assert mailbox.messages == []

    settings.EMAIL_PORT = smtp_server.port  # back up
    retry_due_now()
    retry_due_now()  # a second sweep finds nothing more to send

    assert [m["Message-ID"] for m in mailbox.messages] == [row.message_id]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)


def test_back_off_grows_then_the_mail_fails_and_a_retry_sends_it(
    admin_api, settings, smtp_server, mailbox
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.EMAIL_PORT = free_port()
    invite(admin_api)
    row = OutboxMessage.objects.get()
    delays = [row.next_attempt_at - row.last_attempt_at]
    retry_due_now()
    row.refresh_from_db()
    delays.append(row.next_attempt_at - row.last_attempt_at)
    retry_due_now()
    row.refresh_from_db()

    assert delays == [timedelta(seconds=30), timedelta(seconds=120)]
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    retry_due_now()  # failed mail is not retried on its own
    assert OutboxMessage.objects.get().attempts == 3

    settings.EMAIL_PORT = smtp_server.port
    deliveries.retry(row)  # what the admin's "Retry" does
    assert [m["Message-ID"] for m in mailbox.messages] == [row.message_id]


def test_password_reset_answers_without_waiting_and_is_sent(api_client, clinician, mailbox):
    response = api_client.post(FORGOT, {"email": clinician.email})
    assert response.status_code == 200
    assert [m["To"] for m in mailbox.messages] == [clinician.email]
    assert OutboxMessage.objects.get().status == "sent"


# --- a worker killed in the middle of a send ------------------------------------------------------
class HoldingInbox(Inbox):
    """Accepts the message, then holds back its "250" until released: a sender killed meanwhile
    has delivered the mail without learning it."""

    def __init__(self):
        super().__init__()
        self.received = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        self.received.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)
        return answer


@pytest.fixture
def holding_smtp():
    inbox = HoldingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    inbox.release.set()
    controller.stop()


def test_a_worker_killed_mid_send_resends_with_the_same_message_id(
    worker_db, holding_smtp, clinician
):
    from accounts.emails import send_password_link

    send_password_link(clinician, template="accounts/email/password_reset")
    row = OutboxMessage.objects.get()
    assert row.status == "pending"  # stored; its task waits in the database queue
    worker_db.push()
    env = worker_db.env(
        EMAIL_URL=f"smtp://127.0.0.1:{holding_smtp.port}",
        OUTBOX_RETRY_SECONDS=0,  # the dead worker's lease is over at once
    )
    first = worker_db.manage("db_worker", "--no-reload", "--interval=0.1", env=env)
    try:
        assert holding_smtp.handler.received.wait(60), first.stdout.read1().decode()
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    holding_smtp.handler.release.set()

    # Another worker, ticking the schedule: its sweep finds the abandoned send and retries it.
    finish(worker_db.manage("db_worker", "--no-reload", "--batch", "--with-scheduler", env=env))

    inbox = holding_smtp.handler.messages
    assert len(inbox) == 2
    assert {m["Message-ID"] for m in inbox} == {row.message_id}
    worker_db.pull()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
