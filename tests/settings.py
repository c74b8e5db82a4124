"""Test settings: the real settings module, driven by a test environment (never by .env)."""

import os
import tempfile

os.environ["ENV_FILE"] = ""
os.environ.setdefault("DEBUG", "True")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="hp-test-media-"))

from health_passport.settings import *  # noqa: E402,F403

# Hashing is deliberately slow in production; tests need speed, not resistance to cracking.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT = tempfile.mkdtemp(prefix="hp-test-static-")
