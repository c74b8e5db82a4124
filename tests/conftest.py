"""Shared fixtures: two clinics with staff of every role, real SMTP, authenticated clients."""

import email
import email.policy
import os
import socket

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core.roles import Role
from tests.factories import PASSWORD, ClinicFactory, UserFactory

STAFF = [Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH]


# --- The database: SQLite, or MongoDB with TEST_DATABASE=mongodb ------------------------------
@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On MongoDB without MONGODB_TEST_URL, each test process gets its own CongoDB stand-in."""
    if not django_settings.USES_MONGODB or os.environ.get("MONGODB_TEST_URL"):
        yield
        return
    from tests.mongo_server import MongoStandIn

    with MongoStandIn() as url:
        django_settings.DATABASES["default"]["HOST"] = url
        yield


def pytest_collection_modifyitems(config, items):
    """Deselect `sql_only` tests on MongoDB: only for features the backend itself refuses."""
    if not django_settings.USES_MONGODB:
        return
    kept = [item for item in items if not item.get_closest_marker("sql_only")]
    deselected = [item for item in items if item.get_closest_marker("sql_only")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


# --- Real SMTP --------------------------------------------------------------------------------
class Inbox:
    """What the aiosmtpd server received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_recipients = envelope.rcpt_tos
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def body(self, message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture(autouse=True)
def mailbox(settings, smtp_server):
    """Every test sends mail through a real SMTP server; this is what it received."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.hostname
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    smtp_server.handler.messages.clear()
    return smtp_server.handler


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


# --- People and clinics ------------------------------------------------------------------------
@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Riverside Clinic")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Hilltop Clinic")


def _staff(clinic, prefix):
    return {
        role.value: UserFactory(
            clinic=clinic, role=role, email=f"{prefix}-{role.value}@example.org"
        )
        for role in STAFF
    }


@pytest.fixture
def staff(clinic):
    """One user of every staff role in `clinic`, by role name."""
    return _staff(clinic, "a")


@pytest.fixture
def other_staff(other_clinic):
    return _staff(other_clinic, "b")


@pytest.fixture
def admin_user(staff):
    return staff[Role.ADMIN]


@pytest.fixture
def clinician(staff):
    return staff[Role.CLINICIAN]


@pytest.fixture
def other_admin(other_staff):
    return other_staff[Role.ADMIN]


@pytest.fixture
def password():
    return PASSWORD


# --- Clients -----------------------------------------------------------------------------------
@pytest.fixture
def api_client():
    return APIClient()


def bearer_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


@pytest.fixture
def api_as():
    """`api_as(user)`: an API client already authenticated as that user by JWT."""
    return bearer_client


@pytest.fixture
def admin_api(admin_user):
    return bearer_client(admin_user)


@pytest.fixture
def admin_web(client, admin_user):
    client.force_login(admin_user)
    return client
