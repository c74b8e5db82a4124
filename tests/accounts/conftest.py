import pytest

from tests.conftest import free_port

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class MailServer:
    def __init__(self, settings, port: int):
        self.settings, self.port = settings, port

    def back(self) -> None:
        self.settings.EMAIL_PORT = self.port


@pytest.fixture
def mail_server_down(settings, smtp_server, mailbox):
    """Mail goes straight to an SMTP server that is down (no outbox to keep it for later), so
    sending fails where it is sent; `.back()` brings the server back."""
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_PORT = free_port()
    return MailServer(settings, smtp_server.port)
