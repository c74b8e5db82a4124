"""Soak: minutes of mixed traffic from many clients against gunicorn with production settings.

    bench/run.sh soak                      # or: make soak — 10 minutes, 32 clients
    bench/run.sh soak --minutes 2          # a shorter run on a shared machine

Built on bench/harness.py (its own SQLite file, seeded by `seed_demo`; gunicorn on loopback with
DEBUG=False and the HTTPS switches off). C client threads, each with its own keep-alive
connection and its own logins, loop without pause over a weighted mix of staff pages, API reads
and writes, logins and lab results for the whole run. The report: requests, 5xx (must be 0),
other unexpected statuses, p50/p99 per route, and the workers' resident anonymous memory (their
heap: `RssAnon`) after the warm-up and at the end (growth must stay under 10 %). Exit status 1
when either fails.

Two settings differ from a default production start, both on purpose:
- `AUTH_RATE_LIMIT` is raised: every client shares 127.0.0.1, where production clients have
  their own addresses (the limit is per address), so it would answer 429 to the login mix;
- `GUNICORN_MAX_REQUESTS=0`: workers are not recycled, so a leak shows in the memory figures
  instead of being hidden by a restart.
"""

import argparse
import contextlib
import datetime
import http.client
import itertools
import json
import os
import random
import re
import sqlite3
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

from bench.harness import (
    HOST,
    PASSWORD,
    RESULTS,
    cookies,
    free_port,
    machine,
    prepare,
    start_gunicorn,
    stop,
    versions,
)

CLINICIAN = "clinician@demo.clinic"
LAB = "lab@demo.clinic"
GLUCOSE = "2345-7"
SEARCHES = ["smi", "jo", "mar", "lee", "pat", "ali"]
MAX_RSS_GROWTH = 0.10


# --- the seeded data the traffic uses -------------------------------------------------------------
def seeded(db: Path) -> dict:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        patients = [row[0] for row in conn.execute("SELECT _id FROM patients_patient")]
        test = conn.execute(
            "SELECT _id FROM labs_labtest WHERE loinc_code = ? LIMIT 1", (GLUCOSE,)
        ).fetchone()
    if not patients or test is None:
        raise SystemExit(f"{db} has no patients or no glucose test: seed it first")
    return {"patients": random.Random(0).sample(patients, min(300, len(patients))), "test": test[0]}


# --- worker memory -----------------------------------------------------------------------------
def worker_rss(master: int) -> dict[int, int]:
    """The resident anonymous memory (kB) of each gunicorn worker (the master's children): its
    own heap, where a leak shows. Not VmRSS, which also counts the pages of the SQLite file the
    worker has read through its memory map and grows as a long run reaches more of the file."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            status = (entry / "status").read_text()
            ppid = int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))
            if ppid == master:
                found[int(entry.name)] = int(re.search(r"^RssAnon:\s+(\d+)", status, re.M).group(1))
    return found


# --- one client --------------------------------------------------------------------------------
class Client:
    """One simulated user: a keep-alive connection, a staff session and two API tokens."""

    def __init__(self, port: int, data: dict, seed: int):
        self.port = port
        self.data = data
        self.random = random.Random(seed)
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.session = ""
        self.csrf = ""
        self.tokens = {}

    def send(self, method, path, body=None, headers=None):
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
            return response.status, response.getheaders(), response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            raise

    def patient(self) -> str:
        return self.random.choice(self.data["patients"])

    # Each step below returns [(route, status, seconds)] for the requests it made.
    def timed(self, route, method, path, body=None, headers=None):
        started = time.perf_counter()
        status, response_headers, data = self.send(method, path, body, headers)
        return route, status, time.perf_counter() - started, response_headers, data

    def html(self) -> dict:
        return {"Cookie": f"sessionid={self.session}; csrftoken={self.csrf}"}

    def api(self, who=CLINICIAN) -> dict:
        return {
            "Authorization": f"Bearer {self.tokens[who]}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def login_html(self):
        get = self.timed("GET /accounts/login/", "GET", "/accounts/login/")
        csrf = cookies(get[3]).get("csrftoken", "")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', get[4])
        form = urllib.parse.urlencode(
            {
                "username": CLINICIAN,
                "password": PASSWORD,
                "csrfmiddlewaretoken": match.group(1).decode() if match else "",
            }
        )
        post = self.timed(
            "POST /accounts/login/",
            "POST",
            "/accounts/login/",
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
                "Referer": f"http://{HOST}:{self.port}/accounts/login/",
            },
        )
        session = cookies(post[3]).get("sessionid")
        if post[1] == 302 and session:
            self.session, self.csrf = session, csrf
        return [get[:3], post[:3]]

    def login_api(self, who=CLINICIAN):
        body = json.dumps({"email": who, "password": PASSWORD})
        step = self.timed(
            "POST /api/v1/auth/login",
            "POST",
            "/api/v1/auth/login",
            body,
            {"Content-Type": "application/json"},
        )
        if step[1] == 200:
            self.tokens[who] = json.loads(step[4])["access_token"]
        return [step[:3]]

    def get(self, route, path, headers):
        return [self.timed(route, "GET", path, headers=headers)[:3]]

    def staff_home(self):
        return self.get("GET / (staff home)", "/", self.html())

    def patient_search(self):
        return self.get(
            "GET /patients/?q=", f"/patients/?q={self.random.choice(SEARCHES)}", self.html()
        )

    def patient_page(self):
        return self.get("GET /patients/{id}/", f"/patients/{self.patient()}/", self.html())

    def review_queue(self):
        return self.get("GET /labs/review/", "/labs/review/", self.html())

    def api_search(self):
        path = f"/api/v1/patients/?search={self.random.choice(SEARCHES)}"
        return self.get("GET /api/v1/patients/?search=", path, self.api())

    def api_patient(self):
        path = f"/api/v1/patients/{self.patient()}/"
        return self.get("GET /api/v1/patients/{id}/", path, self.api())

    def api_labs(self):
        path = f"/api/v1/patients/{self.patient()}/labs/"
        return self.get("GET /api/v1/patients/{id}/labs/", path, self.api())

    def api_export(self):
        path = f"/api/v1/patients/{self.patient()}/export"
        return self.get("GET /api/v1/patients/{id}/export", path, self.api())

    def api_condition(self):
        body = json.dumps({"name": f"Soak check {self.random.randrange(10**6)}"})
        path = f"/api/v1/patients/{self.patient()}/conditions/"
        route = "POST /api/v1/patients/{id}/conditions/"
        return [self.timed(route, "POST", path, body, self.api())[:3]]

    def api_result(self):
        collected = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
        body = json.dumps(
            {
                "patient": self.patient(),
                "test": self.data["test"],
                "value": str(self.random.randint(60, 180)),
                "collected_at": collected.isoformat(timespec="milliseconds"),
                "status": "final",
            }
        )
        # Results are entered by lab staff: the lab technician's token.
        path = "/api/v1/labs/results"
        return [self.timed("POST /api/v1/labs/results", "POST", path, body, self.api(LAB))[:3]]


# The mix: (weight, step). Reads dominate, as in a clinic's day; every kind of traffic is in it.
MIX = [
    (6, Client.staff_home),
    (10, Client.patient_search),
    (14, Client.patient_page),
    (4, Client.review_queue),
    (10, Client.api_search),
    (12, Client.api_patient),
    (10, Client.api_labs),
    (4, Client.api_export),
    (5, Client.api_condition),
    (6, Client.api_result),
    (2, Client.login_api),
    (1, Client.login_html),
]


# --- the run -----------------------------------------------------------------------------------
class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.statuses = defaultdict(Counter)
        self.errors = Counter()

    def add(self, steps):
        with self.lock:
            for route, status, seconds in steps:
                self.latencies[route].append(seconds)
                self.statuses[route][status] += 1

    def error(self, name):
        with self.lock:
            self.errors[name] += 1


def pct(values, p) -> float:
    ordered = sorted(values)
    return ordered[max(int(p * len(ordered) + 0.999999) - 1, 0)] * 1000 if ordered else 0.0


EXPECTED = {200, 201, 302}


def soak(port, data, args, master) -> dict:
    stop_at = time.monotonic() + args.warmup + args.minutes * 60
    measuring = threading.Event()
    tally, warm = Tally(), Tally()
    steps = [step for weight, step in MIX for _ in range(weight)]
    seeds = itertools.count(1)

    def client_loop():
        client = Client(port, data, next(seeds))
        with contextlib.suppress(OSError, http.client.HTTPException):
            client.login_html()
            client.login_api(CLINICIAN)
            client.login_api(LAB)
        while time.monotonic() < stop_at:
            step = client.random.choice(steps)
            sink = tally if measuring.is_set() else warm
            try:
                sink.add(step(client))
            except (OSError, http.client.HTTPException) as exc:
                sink.error(type(exc).__name__)
        client.conn.close()

    threads = [threading.Thread(target=client_loop) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    time.sleep(args.warmup)
    rss_start = worker_rss(master)
    measuring.set()
    started = time.monotonic()
    samples = []
    while time.monotonic() < stop_at - 1:
        time.sleep(min(30, max(stop_at - time.monotonic() - 1, 0)))
        samples.append(sum(worker_rss(master).values()))
    rss_end = worker_rss(master)
    for thread in threads:
        thread.join()
    return {
        "tally": tally,
        "warm": warm,
        "seconds": time.monotonic() - started,
        "rss_start": rss_start,
        "rss_end": rss_end,
        "samples": samples,
    }


def report(args, result, load_before, load_after) -> int:
    tally = result["tally"]
    total = sum(sum(c.values()) for c in tally.statuses.values())
    server_errors = sum(n for c in tally.statuses.values() for s, n in c.items() if s >= 500)
    unexpected = {
        route: {s: n for s, n in c.items() if s not in EXPECTED and s < 500}
        for route, c in tally.statuses.items()
    }
    start_kb = sum(result["rss_start"].values())
    end_kb = sum(result["rss_end"].values())
    same_workers = set(result["rss_start"]) == set(result["rss_end"])
    growth = (end_kb - start_kb) / start_kb if start_kb else float("nan")
    rows = [
        "| route | requests | p50 ms | p99 ms | statuses |",
        "|---|---:|---:|---:|---|",
    ]
    for route in sorted(tally.statuses, key=lambda r: -sum(tally.statuses[r].values())):
        statuses = ", ".join(f"{s}×{n}" for s, n in sorted(tally.statuses[route].items()))
        lat = tally.latencies[route]
        rows.append(
            f"| `{route}` | {len(lat)} | {pct(lat, 0.5):.0f} | {pct(lat, 0.99):.0f} | {statuses} |"
        )
    per_worker = ", ".join(
        f"{pid}: {result['rss_start'].get(pid, 0) / 1024:.0f} → "
        f"{result['rss_end'].get(pid, 0) / 1024:.0f} MB"
        for pid in sorted(set(result["rss_start"]) | set(result["rss_end"]))
    )
    trend = " → ".join(f"{kb / 1024:.0f}" for kb in result["samples"])
    passed = server_errors == 0 and same_workers and growth < MAX_RSS_GROWTH
    lines = [
        "# Soak — latest run",
        "",
        f"- When: {time.strftime('%Y-%m-%d %H:%M %Z')}; measured for "
        f"{result['seconds'] / 60:.1f} minutes after a {args.warmup:.0f} s warm-up "
        f"(asked: `--minutes {args.minutes:g}`)",
        f"- Machine: {machine()}; {versions()}",
        f"- Server: gunicorn, {args.workers} sync workers, DEBUG=False, no worker recycling, "
        f"SQLite ({args.db.name}), load generator on the same machine over loopback",
        f"- Load average (1 min) before/after: {load_before[0]:.1f} / {load_after[0]:.1f}",
        f"- Clients: {args.concurrency} threads, each with its own keep-alive connection, "
        "session and tokens, no think time",
        f"- **Requests: {total}** ({total / result['seconds']:.1f}/s); **5xx: {server_errors}**; "
        f"connection errors: {sum(tally.errors.values())}; other unexpected statuses: "
        f"{sum(sum(c.values()) for c in unexpected.values())}",
        f"- **Worker memory (RssAnon): {start_kb / 1024:.0f} MB → {end_kb / 1024:.0f} MB "
        f"({growth:+.1%})** ({per_worker}); every 30 s: {trend or '—'} MB"
        + ("" if same_workers else " — the workers changed during the run"),
        f"- Verdict: {'PASS' if passed else 'FAIL'} (0 × 5xx, memory growth < 10 %)",
        "",
        *rows,
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"Written to {args.output}")
    return 0 if passed else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="measured minutes (10)")
    parser.add_argument("--warmup", type=float, default=30, help="seconds before measuring (30)")
    parser.add_argument("--concurrency", type=int, default=32, help="client threads (32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--patients", type=int, default=1000, help="seeded patients (1000)")
    parser.add_argument("--db", type=Path, default=RESULTS / "soak.sqlite3")
    parser.add_argument("--skip-seed", action="store_true", help="reuse its rows (still migrated)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest-soak.md")
    args = parser.parse_args(argv)

    env, _seconds = prepare(args, f"{args.patients} patients", "--labs-per-patient", "5")
    env |= {"AUTH_RATE_LIMIT": "100000/minute", "GUNICORN_MAX_REQUESTS": "0"}
    data = seeded(args.db)
    load_before = os.getloadavg()
    port = free_port()
    server = start_gunicorn(env, port, args.workers, RESULTS / "gunicorn-soak.log")
    try:
        print(
            f"Soaking {args.minutes:g} min (+{args.warmup:g} s warm-up), "
            f"{args.concurrency} clients…",
            flush=True,
        )
        result = soak(port, data, args, server.pid)
    finally:
        stop(server)
    return report(args, result, load_before, os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
