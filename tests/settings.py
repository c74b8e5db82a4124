"""Test settings: the real settings module, driven by a test environment (never by .env)."""

import os
import tempfile

os.environ["ENV_FILE"] = ""
os.environ.setdefault("DEBUG", "True")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="hp-test-media-"))
# TEST_DATABASE=mongodb runs the suite on MongoDB: MONGODB_TEST_URL names a real server;
# without it tests/conftest.py starts the CongoDB stand-in and points HOST at it.
if os.environ.get("TEST_DATABASE") == "mongodb":
    os.environ["DATABASE_URL"] = os.environ.get(
        "MONGODB_TEST_URL", "mongodb://127.0.0.1:27017/health_passport"
    )
else:
    os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

from health_passport.settings import *  # noqa: E402,F403

# Hashing is deliberately slow in production; tests need speed, not resistance to cracking.
PRODUCTION_PASSWORD_HASHERS = PASSWORD_HASHERS  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT = tempfile.mkdtemp(prefix="hp-test-static-")
if DATABASES["default"]["ENGINE"] == "core.sqlite":  # noqa: F405
    # pytest-django knows SQLite only by the stock engine's name: without this it would give
    # each xdist worker a database file instead of its own in-memory database.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"  # noqa: F405
