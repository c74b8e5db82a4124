"""The benchmarks' shared harness (stdlib only): server, logins, load, scenarios, report.

bench/patients.py, bench/labs.py and bench/notes.py (and bench/files.py for the server and
logins) run the same steps, every one bounded and on loopback (127.0.0.1) only: their own
SQLite file seeded by `seed_demo` (`prepare`), gunicorn with production settings on a free port
and HTML + API logins (`run`), a bare-view baseline and a fixed number of requests per scenario
from C keep-alive threads (`load`), then one Markdown table written and printed (`report`).
The *_plans modules use `explain_table` inside Django for their query plans.
"""

import contextlib
import http.client
import itertools
import json
import math
import os
import platform
import re
import secrets
import socket
import sqlite3
import statistics
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
    queries: set = field(default_factory=set)  # X-Queries of the answers (bench/settings)
    server_ms: list = field(default_factory=list)  # X-Server-Ms: the time inside the server
    write_ms: list = field(default_factory=list)  # X-Write-Ms: of it, write lock and commit
    api: bool = False  # read with a bearer token: compared with the bare DRF view

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
        return nearest_rank(self.latencies, p) * 1000

    @property
    def server_p99(self) -> str:
        """The 99th percentile of the server's own time: when it is far below the client's p99,
        the tail is the wait for a free worker, not a slow answer."""
        return f"{nearest_rank(self.server_ms, 0.99):.1f}" if self.server_ms else "—"

    @property
    def query_count(self) -> str:
        """The statements every answer took ("8"), or their range where they differ ("8–9")."""
        counts = sorted(int(q) for q in self.queries if q.isdigit())
        if not counts:
            return "—"
        return str(counts[0]) if counts[0] == counts[-1] else f"{counts[0]}–{counts[-1]}"

    @staticmethod
    def mean(values: list) -> str:
        return f"{statistics.fmean(values):.1f}" if values else "—"

    def problems(self) -> str:
        bad = {f"HTTP {s}": n for s, n in self.statuses.items() if s != 200}
        bad.update(self.errors)
        return ", ".join(f"{k} x{n}" for k, n in sorted(bad.items()))


def nearest_rank(values: list, p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)]


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


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    """`manage.py worker`, as `make run` starts it beside gunicorn: the queue and the periodic
    jobs, the audit trail's sealer among them (it seals the pages' audit rows as they come)."""
    with log.open("w") as out:
        return subprocess.Popen(
            [str(BIN / "python"), "manage.py", "worker"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


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


def login_html(port, email: str = EMAIL) -> str:
    """The session cookie, through the login form as a browser would (CSRF token included)."""
    status, headers, body = request(port, "GET", "/accounts/login/")
    if status != 200:
        raise SystemExit(f"GET /accounts/login/ answered {status}")
    csrf_cookie = cookies(headers).get("csrftoken", "")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not csrf_cookie or not match:
        raise SystemExit("The login page carries no CSRF token")
    form = urllib.parse.urlencode(
        {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1).decode()}
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
        raise SystemExit(f"HTML login of {email} failed: HTTP {status}")
    return f"sessionid={session}; csrftoken={csrf_cookie}"


def login_api(port, email: str = EMAIL) -> str:
    body = json.dumps({"email": email, "password": PASSWORD})
    status, _headers, data = request(
        port, "POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"}
    )
    if status != 200:
        raise SystemExit(f"API login of {email} failed: HTTP {status}: {data[:200]!r}")
    return json.loads(data)["access_token"]


def login_headers(port, email: str = EMAIL) -> tuple[dict, dict]:
    """Request headers of `email` signed in: HTML (session cookie) and API (bearer, JSON)."""
    html = {"Cookie": login_html(port, email)}
    api = {"Authorization": f"Bearer {login_api(port, email)}", "Accept": "application/json"}
    return html, api


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
        latencies, statuses, errors, queries = [], Counter(), Counter(), set()
        server_ms, write_ms = [], []
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
                queries.add(response.getheader("X-Queries", ""))
                if response.status == 200:
                    latencies.append(time.perf_counter() - started)
                    with contextlib.suppress(TypeError, ValueError):  # a server without them
                        server_ms.append(float(response.getheader("X-Server-Ms")))
                        write_ms.append(float(response.getheader("X-Write-Ms")))
            except (OSError, http.client.HTTPException) as exc:
                errors[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.close()
        with lock:
            result.latencies += latencies
            result.statuses.update(statuses)
            result.errors.update(errors)
            result.queries.update(queries)
            result.server_ms += server_ms
            result.write_ms += write_ms

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - started
    return result


# --- the report ------------------------------------------------------------------------------
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


def table(results: list[Result]) -> list[str]:
    """The run's rows; each page's ratio is to the bare view of its kind (the API's reads to the
    bare DRF view when the run has one, else to the bare Django view). `server ms` is the mean
    time an answer took inside the server, `server p99` its 99th percentile, and `writes ms` the
    mean part of it spent waiting for the write lock and committing: the rest of a latency is the
    wait for a free worker."""
    floors = {r.api: r for r in results if r.name in (BARE_HTML, BARE_API)}
    lines = [
        "| scenario | path | req/s | p50 ms | p99 ms | server ms | server p99 | writes ms "
        "| queries | bytes | ok | errors | bare req/s ÷ this |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        ratio = ""
        bare = floors.get(r.api) or floors.get(False)
        if bare and bare.rps and r.rps and r is not bare:
            ratio = f"{bare.rps / r.rps:.1f}×"
        lines.append(
            f"| {r.name} | `{r.path}` | {r.rps:.1f} | {r.pct(0.50):.1f} | {r.pct(0.99):.1f} "
            f"| {r.mean(r.server_ms)} | {r.server_p99} | {r.mean(r.write_ms)} | {r.query_count} "
            f"| {r.size} "
            f"| {r.ok} | {r.problems() or '—'} | {ratio} |"
        )
    return lines


# --- the run -----------------------------------------------------------------------------------
def add_run_args(parser, *, requests: int, warmup: int, output: str) -> None:
    """The options every load benchmark takes; `requests`, `warmup` and `output` are its own."""
    parser.add_argument(
        "--requests", type=int, default=requests, help=f"requests per scenario ({requests})"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--limit", type=float, default=60, help="seconds per scenario, at most")
    parser.add_argument("--warmup", type=int, default=warmup, help="warm-up requests per scenario")
    parser.add_argument("--db", type=Path, default=RESULTS / "bench.sqlite3")
    parser.add_argument("--skip-seed", action="store_true", help="reuse its rows (still migrated)")
    parser.add_argument("--output", type=Path, default=RESULTS / output)
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help="run `manage.py worker` beside gunicorn, as `make run` does (the audit sealer)",
    )


def prepare(args, description: str, *seed_args: str) -> tuple[dict, float | None]:
    """The server's environment, the database migrated (a file kept from an older checkout
    would otherwise be measured with that checkout's indexes) and, unless --skip-seed, topped
    up by `seed_demo --patients N *seed_args`; returns the seeding's seconds (None if skipped).
    The static files are collected either way: a checkout reusing a file seeded elsewhere has
    none (its pages answered 500)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = server_env(args.db.resolve())
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    if args.skip_seed:
        return env, None
    print(f"Preparing {args.db} ({description})…", flush=True)
    started = time.monotonic()
    manage(env, "seed_demo", "--patients", str(args.patients), *seed_args, "--password", PASSWORD)
    return env, time.monotonic() - started


def shell(env: dict, code: str, *, timeout: int = 3600, failed: str = "failed") -> str:
    """`code` run by `manage.py shell` with the server's settings; its output, or why not."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        return f"({failed}: {done.stderr.strip()[-500:]})"
    return done.stdout.strip()


BARE_HTML, BARE_API = "bare Django view", "bare DRF view"


def bare_scenario(port, page: str, html: dict) -> tuple:
    """The baseline: the bare view padded to the size of `page` (30 kB if it fails)."""
    return (BARE_HTML, [f"/bench/bare/?size={_size_of(port, page, html)}"], html)


def bare_api_scenario(port, page: str, api: dict) -> tuple:
    """The API reads' baseline: the bare DRF view padded to the size of the API read `page`."""
    return (BARE_API, [f"/bench/bare/api/?size={_size_of(port, page, api)}"], api)


def _size_of(port, page: str, headers: dict) -> int:
    status, _headers, body = request(port, "GET", page, headers=headers)
    return len(body) if status == 200 else 30_000


@dataclass
class Run:
    results: list
    load_before: tuple
    load_after: tuple


def run(env: dict, args, scenarios, shown) -> Run:
    """Serve, log in, then load each scenario in turn.

    `scenarios(port, html, api)` gives (name, paths, headers) triples, the bare one first;
    `shown(paths)` is the path the table prints for a scenario.
    """
    load_before = os.getloadavg()
    port = free_port()
    server = start_gunicorn(env, port, args.workers, RESULTS / "gunicorn.log")
    worker = start_worker(env, RESULTS / "worker.log") if args.with_worker else None
    try:
        html, api = login_headers(port)
        results = []
        for name, paths, headers in scenarios(port, html, api):
            try:  # a first request slower than the client's timeout (a cold cache) is no answer
                status, _h, body = request(port, "GET", paths[0], headers=headers)
            except (OSError, http.client.HTTPException) as exc:
                status, body = type(exc).__name__, b""
            path = shown(paths)
            api_read = "Authorization" in headers  # a bearer token, whoever's
            result = Result(name=name, path=path, size=len(body), api=api_read)
            print(f"  {name}: {path} (HTTP {status}, {len(body)} bytes)…", flush=True)
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
        if worker is not None:
            stop(worker)
    return Run(results, load_before, os.getloadavg())


def report(
    args, measured: Run, title: str, *, data: str, load: str, bare_rows: str, plans: str = ""
) -> int:
    """Write the Markdown report (the run's facts, the table, any query plans), print the table;
    exit status 1 when a scenario had no successful request.

    `data` describes the database, `load` ends the load line, `bare_rows` what the bare view
    renders ("25 static rows", "static rows") and the page it is padded to.
    """
    rows = table(measured.results)
    lines = [
        f"# {title} benchmark — latest run",
        "",
        f"- When: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {machine()}; {versions()}",
        f"- Server: gunicorn, {args.workers} sync workers, DEBUG=False, SQLite "
        f"({args.db.name}), load generator on the same machine over loopback; "
        + (
            "`manage.py worker` beside it (the audit sealer and the periodic jobs)"
            if args.with_worker
            else "no background worker (the pages' audit rows wait unsealed: `--with-worker`)"
        ),
        f"- Load average (1 min) before/after: {measured.load_before[0]:.1f} / "
        f"{measured.load_after[0]:.1f} "
        "(other work on the machine skews absolute figures; the ratios hold up better)",
        f"- Data: {data}",
        f"- Load: {args.requests} requests per scenario after {args.warmup} warm-up, "
        f"{args.concurrency} client threads (keep-alive http.client){load}",
        "- `bare req/s ÷ this`: how many times slower than the bare view "
        f"({bare_rows}, same middleware and session)"
        + (
            "; an API read than the bare DRF view (the same rows as JSON, padded to the API "
            "read's size, through the project's DRF defaults: JWT, permissions, renderer)"
            if any(r.name == BARE_API for r in measured.results)
            else ""
        ),
        "",
        *rows,
        "",
    ]
    if plans:
        lines += ["## Query plans (`QuerySet.explain()`)", "", plans, ""]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines))
    print()
    print("\n".join(rows))
    print(f"\nWritten to {args.output}")
    return 0 if all(r.ok for r in measured.results) else 1


# --- query plans (inside Django, from the *_plans modules) ---------------------------------------
def timed(read, runs=5) -> float:
    """The median milliseconds of `runs` calls of `read`."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        read()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def explain_table(reads) -> list[tuple[str, str]]:
    """Print a Markdown row per (name, queryset, expected index): the indexes the plan uses
    (⚠ without the expected one), a temporary B-tree sort, the median time. Returns the plans;
    the caller adds its own rows, then `print_plans`."""
    print("| read | expected index | index used | temp b-tree | median ms |")
    print("|---|---|---|---|---:|")
    plans = []
    for name, queryset, expected in reads:
        plan = queryset.explain()
        used = sorted(set(re.findall(r"INDEX (\w+)", plan)))
        sort = "yes" if "TEMP B-TREE" in plan else "no"
        mark = "" if expected in used else " ⚠"
        ms = timed(lambda q=queryset: list(q.all()))
        shown = ", ".join(f"`{u}`" for u in used) or "—"
        print(f"| {name} | `{expected}` | {shown}{mark} | {sort} | {ms:.1f} |")
        plans.append((name, plan))
    return plans


def print_plans(plans) -> None:
    print()
    for name, plan in plans:
        print(f"{name}:\n\n```\n{plan}\n```\n")
