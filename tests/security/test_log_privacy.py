"""No log line names a person: a user is logged by id, and no line or traceback carries an
e-mail address (core.requestlog.NoAddressesFilter on the console handler)."""

import io
import logging
import smtplib

import pytest

from core.requestlog import NoAddressesFilter
from tests.security.test_tokens import login, rotate

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the configured console handler writes (settings.LOGGING), read back."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_stolen_refresh_token_is_logged_by_the_user_id(clinician, console):
    stolen = login(clinician)
    rotate(stolen["refresh_token"])
    rotate(stolen["refresh_token"])

    written = console.getvalue()
    assert f"token family revoked (user {clinician.pk})" in written
    assert clinician.name not in written and clinician.email not in written


def test_a_mail_servers_refusal_is_logged_without_the_address(console):
    refused = smtplib.SMTPRecipientsRefused({"ana.lima@example.org": (550, b"No such user")})
    logger = logging.getLogger("notifications.deliveries")
    logger.warning("delivery failed: %s", refused)
    try:
        raise refused
    except smtplib.SMTPException:
        logger.exception("Invitation e-mail could not be sent")

    written = console.getvalue()
    assert "delivery failed: {'[address]': (550, b'No such user')}" in written
    assert "SMTPRecipientsRefused: {'[address]'" in written  # the traceback's last line
    assert "ana.lima" not in written


def test_a_log_call_with_the_wrong_arguments_is_left_to_logging_to_report():
    """A filter that raises would fail the caller (logging guards only the handler's emit): a
    record whose format and arguments do not fit passes through untouched."""
    record = logging.LogRecord(
        "somelib", logging.WARNING, "", 0, "retrying %s after %d s", ("smtp",), None
    )

    assert NoAddressesFilter().filter(record) is True
    assert record.args == ("smtp",)
