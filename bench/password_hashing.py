"""CPU per password check: PBKDF2 (Django 5.2's 1,000,000 iterations) against the project's
Argon2id. Logins a core can check per second are 1 / CPU seconds per check.

    .venv/bin/python bench/password_hashing.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "health_passport.settings")
os.environ.setdefault("ENV_FILE", "")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import PBKDF2PasswordHasher  # noqa: E402

from accounts.hashers import Argon2idHasher  # noqa: E402

CHECKS = 20

for hasher in (PBKDF2PasswordHasher(), Argon2idHasher()):
    encoded = hasher.encode("correct horse battery staple", hasher.salt())
    started = time.process_time()
    for _ in range(CHECKS):
        assert hasher.verify("correct horse battery staple", encoded)
    cpu = (time.process_time() - started) / CHECKS
    name = type(hasher).__name__
    print(f"{name:<22} {cpu * 1000:4.0f} ms CPU a check {1 / cpu:5.1f} logins/s a core")
