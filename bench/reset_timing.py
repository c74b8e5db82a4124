"""Enumeration timing: do an existing and an unknown e-mail take the same time?

Times forgot-password and sign-up (the API's `POST /api/v1/auth/signup`), each with the address
of an existing account against free addresses. In-process (Django's test client through the
whole middleware stack, no network), production settings (DEBUG=False), a fresh SQLite file and
the database task queue, as a server runs it. Requests alternate between the two kinds; it
prints both distributions, how separable they are (AUC: 0.5 = indistinguishable, 1.0 = always
apart) and whether they overlap.

    .venv/bin/python -m bench.reset_timing [--requests 300] [--only reset|signup]
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


def overlap(a: list[float], b: list[float]) -> str:
    """Whether the middle halves (p25–p75) of the two distributions overlap, and the AUC band."""
    qa, qb = statistics.quantiles(a, n=4), statistics.quantiles(b, n=4)
    middles = qa[0] <= qb[2] and qb[0] <= qa[2]
    score = auc(a, b)
    verdict = "yes" if middles and 0.35 <= score <= 0.65 else "NO"
    return f"distributions overlap: {verdict} (AUC {score:.3f}; 0.5 = no signal)"


def summary(name: str, samples: list[float]) -> str:
    ms = sorted(x * 1000 for x in samples)
    q = statistics.quantiles(ms, n=100)
    return (
        f"| {name} | {len(ms)} | {ms[0]:.2f} | {q[49]:.2f} | {q[89]:.2f} | {q[98]:.2f} "
        f"| {ms[-1]:.2f} |"
    )


def timed(client, path: str, body: dict, status: int) -> float:
    start = time.perf_counter()
    response = client.post(path, body, content_type="application/json")
    elapsed = time.perf_counter() - start
    assert response.status_code == status, response.content
    return elapsed


def compare(title, ask_known, ask_unknown, requests: int) -> None:
    """Alternate the two kinds of request (after a warm-up) and print the comparison."""
    for _ in range(20):  # warm-up, not counted
        ask_known()
        ask_unknown()
    known, unknown = [], []
    for _ in range(requests):
        known.append(ask_known())
        unknown.append(ask_unknown())
    print(f"\n{title}\n")
    print("| e-mail | requests | min ms | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    print(summary("existing account", known))
    print(summary("unknown address", unknown))
    print(f"\n{overlap(known, unknown)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per group (default 300)")
    parser.add_argument("--only", choices=["reset", "signup"], help="time one flow only")
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

        def reset(email):
            return timed(client, "/api/v1/auth/forgot-password", {"email": email}, 200)

        def signup(email):
            body = {
                "name": "Timing Founder",
                "email": email,
                "password": "Quartz-meadow-7731",
                "clinic_name": "Timing Practice",
            }
            return timed(client, "/api/v1/auth/signup", body, 202)

        def fresh():
            return f"nobody-{secrets.token_hex(4)}@timing.example"

        if args.only in (None, "reset"):
            compare(
                "Forgot-password (POST /api/v1/auth/forgot-password)",
                lambda: reset("known@timing.example"),
                lambda: reset(fresh()),
                args.requests,
            )
        if args.only in (None, "signup"):
            compare(
                "Sign-up (POST /api/v1/auth/signup)",
                lambda: signup("known@timing.example"),
                lambda: signup(fresh()),
                args.requests,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
