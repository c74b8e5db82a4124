"""Forgot-password timing: do an existing and an unknown e-mail take the same time?

In-process (Django's test client through the whole middleware stack, no network), production
settings (DEBUG=False), a fresh SQLite file and the database task queue, as a server runs it.
Requests alternate between an existing account and unknown addresses; it prints the two
distributions and how separable they are (AUC: 0.5 = indistinguishable, 1.0 = always apart).

    .venv/bin/python -m bench.reset_timing [--requests 300]
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path


def setup(db_path: Path) -> None:
    os.environ.update(
        ENV_FILE="",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=f"sqlite:///{db_path}",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="False",
        AUTH_RATE_LIMIT="1000000/minute",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "health_passport.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def auc(slow: list[float], fast: list[float]) -> float:
    """P(a random `slow` sample > a random `fast` one): 0.5 when the two overlap completely."""
    wins = sum((s > f) + 0.5 * (s == f) for s in slow for f in fast)
    return wins / (len(slow) * len(fast))


def summary(name: str, samples: list[float]) -> str:
    ms = sorted(x * 1000 for x in samples)
    q = statistics.quantiles(ms, n=100)
    return (
        f"| {name} | {len(ms)} | {ms[0]:.2f} | {q[49]:.2f} | {q[89]:.2f} | {q[98]:.2f} "
        f"| {ms[-1]:.2f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per group (default 300)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hp-reset-timing-") as tmp:
        setup(Path(tmp) / "bench.sqlite3")
        from django.test import Client

        from accounts.models import User
        from clinics.models import Clinic

        clinic = Clinic.objects.create(name="Timing Clinic", slug="timing")
        User.objects.create_user(
            "known@timing.example", "pw-Timing-2026", name="Known", clinic=clinic
        )
        client = Client()
        known, unknown = [], []

        def ask(email):
            start = time.perf_counter()
            response = client.post(
                "/api/v1/auth/forgot-password", {"email": email}, content_type="application/json"
            )
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.content
            return elapsed

        for _ in range(20):  # warm-up, not counted
            ask("known@timing.example")
            ask(f"warm-{secrets.token_hex(4)}@timing.example")
        for _ in range(args.requests):
            known.append(ask("known@timing.example"))
            unknown.append(ask(f"nobody-{secrets.token_hex(4)}@timing.example"))

    print("| e-mail | requests | min ms | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    print(summary("existing account", known))
    print(summary("unknown address", unknown))
    print(f"\nAUC (existing slower than unknown): {auc(known, unknown):.3f}  (0.5 = no signal)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
