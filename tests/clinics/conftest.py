from tests.accounts.conftest import mail_server_down  # noqa: F401
