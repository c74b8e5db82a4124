"""No lost mail: what a crash or an SMTP outage does to the outbox (see also
tests/notifications/test_outbox.py for a real worker killed with kill -9 mid-send)."""

import pytest

from notifications import deliveries
from notifications.models import OutboxMessage
from tests.conftest import free_port
from tests.notifications.helpers import retry_due_now

pytestmark = pytest.mark.django_db
FORGOT = "/api/v1/auth/forgot-password"


def test_a_password_reset_with_smtp_down_is_kept_and_arrives_when_smtp_is_back(
    api_client, clinician, settings, smtp_server, mailbox
):
    settings.EMAIL_PORT = free_port()  # SMTP down
    assert api_client.post(FORGOT, {"email": clinician.email}).status_code == 200
    row = OutboxMessage.objects.get()
    assert row.status == "pending" and mailbox.messages == []

    retry_due_now()  # still down: kept, not dropped
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 2)

    settings.EMAIL_PORT = smtp_server.port  # back
    retry_due_now()
    assert [m["To"] for m in mailbox.messages] == [clinician.email]
    row.refresh_from_db()
    assert row.status == "sent"


def test_a_worker_that_died_after_claiming_before_sending_leaves_it_for_the_next(
    settings, clinician, smtp_server, mailbox
):
    """The dead worker's claim holds a lease; once it passes, the sweep hands the row on and the
    mail goes out exactly once (SMTP never saw the first attempt)."""
    from accounts.emails import send_password_link

    settings.EMAIL_PORT = free_port()  # the send in the request fails and is scheduled again
    send_password_link(clinician, template="accounts/email/password_reset")
    row = OutboxMessage.objects.get()
    settings.EMAIL_PORT = smtp_server.port
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.last_attempt_at)
    claimed = deliveries.claim(OutboxMessage, row.pk)  # a worker claims it ... and dies
    assert claimed is not None and claimed.status == "sending"
    assert deliveries.claim(OutboxMessage, row.pk) is None  # nobody else while the lease holds

    retry_due_now()  # the lease has passed: the sweep prompts it again
    assert len(mailbox.messages) == 1
    row.refresh_from_db()
    assert row.status == "sent"
