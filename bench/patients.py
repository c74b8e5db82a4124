"""Benchmark the patient pages against gunicorn with production settings (stdlib only).

    bench/run.sh                      # or: make bench
    bench/run.sh --requests 200 --patients 5000   # a quick look

What it does, every step bounded and on loopback (127.0.0.1) only:
1. prepares its own SQLite file (bench/results/bench.sqlite3): migrate, collectstatic, and
   `seed_demo --patients N` (tops up to N, so later runs reuse the data);
2. starts gunicorn on a free port with DEBUG=False, a freshly generated SECRET_KEY, the HTTPS
   switches off (plain HTTP on loopback) and DJANGO_SETTINGS_MODULE=bench.settings, which adds
   the bare baseline view at /bench/bare/;
3. logs in as the demo clinician twice: the HTML login form (CSRF token + session cookie) and
   the API (`POST /api/v1/auth/login`, JWT);
4. per scenario: a few warm-up requests, then a fixed number of requests from C threads, each
   with its own keep-alive http.client connection, capped by a time limit;
5. prints a table and writes bench/results/latest.md.

A page that does not exist yet, or answers anything but 200, shows as errors in the table;
it never stops the run.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
EMAIL = "clinician@demo.clinic"
PASSWORD = "demo-passport-2026"  # seed_demo's default; the runner sets it explicitly
BIN = Path(sys.executable).parent


@dataclass
class Result:
    name: str
    path: str
    latencies: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    wall: float = 0.0
    size: int = 0

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def failed(self) -> int:
        return sum(self.statuses.values()) - self.ok + sum(self.errors.values())

    @property
    def rps(self) -> float:
        return self.ok / self.wall if self.wall and self.ok else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[max(math.ceil(p * len(ordered)) - 1, 0)] * 1000

    def problems(self) -> str:
        bad = {f"HTTP {s}": n for s, n in self.statuses.items() if s != 200}
        bad.update(self.errors)
        return ", ".join(f"{k} x{n}" for k, n in sorted(bad.items()))


# --- the server --------------------------------------------------------------------------------
def server_env(db: Path) -> dict:
    return {
        **os.environ,
        "ENV_FILE": "",  # never a developer's .env
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "False",
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": f"sqlite:///{db}",
        "STATIC_ROOT": str(RESULTS / "static"),
        "MEDIA_ROOT": str(RESULTS / "media"),
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "health_passport.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}); see {log}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if request(port, "GET", "/healthz")[0] == 200:
                return process
        time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn did not answer /healthz within 30 s; see {log}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# --- HTTP --------------------------------------------------------------------------------------
def request(port, method, path, body=None, headers=None, conn=None):
    """One request; returns (status, headers as a list, body bytes)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        if own:
            conn.close()


def cookies(headers) -> dict:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def login_html(port) -> str:
    """The session cookie, through the login form as a browser would (CSRF token included)."""
    status, headers, body = request(port, "GET", "/accounts/login/")
    if status != 200:
        raise SystemExit(f"GET /accounts/login/ answered {status}")
    csrf_cookie = cookies(headers).get("csrftoken", "")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not csrf_cookie or not match:
        raise SystemExit("The login page carries no CSRF token")
    form = urllib.parse.urlencode(
        {"username": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1).decode()}
    )
    status, headers, _body = request(
        port,
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": f"http://{HOST}:{port}/accounts/login/",
        },
    )
    session = cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"HTML login failed: HTTP {status}")
    return f"sessionid={session}; csrftoken={csrf_cookie}"


def login_api(port) -> str:
    body = json.dumps({"email": EMAIL, "password": PASSWORD})
    status, _headers, data = request(
        port, "POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"}
    )
    if status != 200:
        raise SystemExit(f"API login failed: HTTP {status}: {data[:200]!r}")
    return json.loads(data)["access_token"]


def load(port, result: Result, paths, headers, requests, concurrency, limit, warmup):
    """`requests` GETs from `concurrency` threads (stopping at `limit` seconds)."""
    for path in itertools.islice(itertools.cycle(paths), warmup):
        with contextlib.suppress(OSError, http.client.HTTPException):
            request(port, "GET", path, headers=headers)
    tickets = itertools.count()  # next() is atomic under the GIL
    lock = threading.Lock()
    deadline = time.monotonic() + limit

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies, statuses, errors = [], Counter(), Counter()
        while time.monotonic() < deadline:
            n = next(tickets)
            if n >= requests:
                break
            started = time.perf_counter()
            try:
                conn.request("GET", paths[n % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                statuses[response.status] += 1
                if response.status == 200:
                    latencies.append(time.perf_counter() - started)
            except (OSError, http.client.HTTPException) as exc:
                errors[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.close()
        with lock:
            result.latencies += latencies
            result.statuses.update(statuses)
            result.errors.update(errors)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - started
    return result


# --- the run -----------------------------------------------------------------------------------
def patient_ids(db: Path, count: int) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        ids = [row[0] for row in conn.execute("SELECT _id FROM patients_patient")]
    return random.Random(0).sample(ids, min(count, len(ids)))  # noqa: S311


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores{f' ({model})' if model else ''}, {platform.system()}"


def versions() -> str:
    import django  # the venv's, for the report only

    return (
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def table(results: list[Result], bare: Result | None) -> list[str]:
    lines = [
        "| scenario | path | req/s | p50 ms | p99 ms | bytes | ok | errors | bare req/s ÷ this |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        ratio = ""
        if bare and bare.rps and r.rps and r is not bare:
            ratio = f"{bare.rps / r.rps:.1f}×"
        lines.append(
            f"| {r.name} | `{r.path}` | {r.rps:.1f} | {r.pct(0.50):.1f} | {r.pct(0.99):.1f} "
            f"| {r.size} | {r.ok} | {r.problems() or '—'} | {ratio} |"
        )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000, help="seeded patients (100000)")
    parser.add_argument("--requests", type=int, default=600, help="requests per scenario (600)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--limit", type=float, default=60, help="seconds per scenario, at most")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per scenario")
    parser.add_argument("--query", default="smi", help="the name prefix searched ('smi')")
    parser.add_argument("--db", type=Path, default=RESULTS / "bench.sqlite3")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the database as it is")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.md")
    args = parser.parse_args(argv)

    RESULTS.mkdir(parents=True, exist_ok=True)
    env = server_env(args.db.resolve())
    seed_seconds = None
    if not args.skip_seed:
        print(f"Preparing {args.db} ({args.patients} patients)…", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        started = time.monotonic()
        # Lab history is the labs benchmark's (bench/labs.py): none added here.
        manage(
            env,
            "seed_demo",
            "--patients",
            str(args.patients),
            "--labs-per-patient",
            "0",
            "--password",
            PASSWORD,
        )
        seed_seconds = time.monotonic() - started
    ids = patient_ids(args.db, 200)

    load_before = os.getloadavg()
    port = free_port()
    server = start_gunicorn(env, port, args.workers, RESULTS / "gunicorn.log")
    try:
        session = login_html(port)
        token = login_api(port)
        html = {"Cookie": session}
        api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        query = urllib.parse.quote(args.query)
        list_path = f"/patients/?q={query}"
        status, _headers, body = request(port, "GET", list_path, headers=html)
        page_size = len(body) if status == 200 else 30_000
        scenarios = [
            ("bare Django view", [f"/bench/bare/?size={page_size}"], html),
            ("patient list (HTML)", [list_path], html),
            ("patient list (API)", [f"/api/v1/patients/?search={query}"], api),
            ("patient list, no search (HTML)", ["/patients/"], html),
            (
                "patient page (HTML)",
                [f"/patients/{pk}/" for pk in ids] or ["/patients/none/"],
                html,
            ),
        ]
        results = []
        for name, paths, headers in scenarios:
            status, _h, body = request(port, "GET", paths[0], headers=headers)
            shown = paths[0] if len(paths) == 1 else paths[0].replace(ids[0], "<id>")
            result = Result(name=name, path=shown, size=len(body))
            print(f"  {name}: {shown} (HTTP {status}, {len(body)} bytes)…", flush=True)
            load(
                port,
                result,
                paths,
                headers,
                args.requests,
                args.concurrency,
                args.limit,
                args.warmup,
            )
            results.append(result)
    finally:
        stop(server)

    load_after = os.getloadavg()
    bare = results[0]
    rows = table(results, bare)
    header = [
        "# Patients benchmark — latest run",
        "",
        f"- When: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {machine()}; {versions()}",
        f"- Server: gunicorn, {args.workers} sync workers, DEBUG=False, SQLite "
        f"({args.db.name}), load generator on the same machine over loopback",
        f"- Load average (1 min) before/after: {load_before[0]:.1f} / {load_after[0]:.1f} "
        "(other work on the machine skews absolute figures; the ratios hold up better)",
        f"- Data: demo clinic with {args.patients} patients"
        + (f" (seeding/top-up took {seed_seconds:.0f} s)" if seed_seconds is not None else ""),
        f"- Load: {args.requests} requests per scenario after {args.warmup} warm-up, "
        f"{args.concurrency} client threads (keep-alive http.client), search `{args.query}`; "
        f"the patient page cycles through {len(ids)} patients",
        "- `bare req/s ÷ this`: how many times slower than the bare view (25 static rows "
        "through a template, padded to the list page's size, same middleware and session)",
        "",
    ]
    report = "\n".join(header + rows) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print()
    print("\n".join(rows))
    print(f"\nWritten to {args.output}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
