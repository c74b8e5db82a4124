"""Shared fixtures: two clinics with staff of every role, real SMTP, authenticated clients."""

import email
import email.policy
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone, translation
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core.roles import Role
from tests.factories import PASSWORD, ClinicFactory, UserFactory

STAFF = [Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH]

# A test of what a unit rolls back (core.transactions): the CongoDB stand-in the suite runs
# MongoDB on is a standalone server, with no transactions, so units are plain writes there.
atomic_units = pytest.mark.skipif(
    connection.vendor == "mongodb",
    reason="the CongoDB stand-in is not a replica set: MongoDB units are not atomic there",
)


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


if django_settings.USES_MONGODB:
    from tests import mongo_cleanup

    mongo_cleanup.install()


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


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def mailbox(settings, smtp_server):
    """Every test sends mail as production does, through the outbox (stored, then sent by a task)
    to a real SMTP server; tasks run as they are enqueued, so a message arrives in the step that
    stored it, and one SMTP refused stays in the outbox for a retry. This is what it received."""
    settings.TASKS = IMMEDIATE_TASKS
    settings.EMAIL_BACKEND = "notifications.outbox.OutboxBackend"
    settings.OUTBOX_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.hostname
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    smtp_server.handler.messages.clear()
    return smtp_server.handler


@pytest.fixture
def private_storage(settings, tmp_path):
    """Files stored in the test's own empty folder (the files app's "files" storage), unscanned;
    the folder, for a test that looks at what was written. The files and messaging tests, and
    browser tests that upload, use it for every test."""
    location = tmp_path / "private-files"
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    settings.FILE_SCANNER = ""
    return location


# --- No PHI leaves the system ---------------------------------------------------------------------
LEAKS: list[str] = []


def _check_outbound(sender, instance, created, **kwargs):
    """Every e-mail, push message and webhook body is stored before it is sent: check each one
    as it is written, against the patients' data in the database at that moment."""
    from tests.notifications.phi import phi_found

    found = phi_found(instance) if created else []
    if found:
        LEAKS.append(f"{sender.__name__} {instance.pk}: {', '.join(found)}")


for _model in ("OutboxMessage", "PushMessage", "WebhookDelivery"):
    post_save.connect(_check_outbound, sender=f"notifications.{_model}", weak=False)


@pytest.fixture(autouse=True)
def no_phi_in_outbound_payloads():
    """Any test whose e-mails, push messages or webhook calls carry PHI fails."""
    LEAKS.clear()
    yield
    leaks, LEAKS[:] = list(LEAKS), []
    assert not leaks, f"PHI in outgoing payloads: {leaks}"


@pytest.fixture(autouse=True)
def _default_language():
    """A request activates its reader's language (and clinic's timezone) for the rest of the
    thread; code a test calls directly afterwards must not inherit the last request's Spanish."""
    translation.deactivate()
    timezone.deactivate()
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


# --- Two-factor authentication -----------------------------------------------------------------
@pytest.fixture(autouse=True)
def force_login_passes_mfa(request, monkeypatch):
    """`client.force_login(user)` stands for a finished sign-in, second factor included (as it
    skips the password); tests marked `mfa` see the real second step (accounts.mfa)."""
    if request.node.get_closest_marker("mfa"):
        return
    from django.test import Client

    from accounts.mfa import SESSION_KEY

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[SESSION_KEY] = user.pk
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


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
def superuser(db):
    """A platform superuser: the Django admin's user, of no clinic."""
    return UserFactory(
        email="root@platform.example",
        role=Role.ADMIN,
        clinic=None,
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def superuser_web(client, superuser):
    """A browser signed in as the platform superuser (`.user` is who)."""
    client.force_login(superuser)
    client.user = superuser
    return client


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


# --- Chromium (browser tests, in any folder) -------------------------------------------------
# Playwright driving Debian's Chromium (installed by `make test`); it downloads no browser. One
# session-wide browser for the whole process: a second Playwright would clash with the first.

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium's background connections are refused by a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT_DIR = Path(__file__).resolve().parents[1] / "test-results"
# How long a browser step may wait (page loads, locators, `expect`). Generous: on 2 cores the
# live server shares the CPU with a second test worker (and, on MongoDB, the stand-in). Browser
# steps of the MongoDB pass used to time out after 30-60 s: each process's pymongo monitor spun
# against the stand-in (load average 40-60; fixed by shim 8 in tools/congodb/server.mjs). Alone
# every page loads in a second or two, and a passing step never waits for the limit.
BROWSER_TIMEOUT_MS = 150_000


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page actions are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def output_dir():
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


# --- a real redis-server (the Redis/RQ queue, a shared cache) -------------------------------------
@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A redis-server of the test run's own, on a free port, keeping nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (`make test` installs it)")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path_factory.mktemp("redis"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            server.poll()
            assert server.returncode is None, server.stdout.read().decode()
            threading.Event().wait(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)
