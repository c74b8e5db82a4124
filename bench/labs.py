"""Benchmark the lab pages with a million results in the database (stdlib only).

    bench/run.sh labs                                  # or: make bench BENCH_ARGS=labs
    bench/run.sh labs --patients 5000 --labs-per-patient 10 --requests 100   # a quick look

The same harness as the patients benchmark (bench/patients.py: its own SQLite file, gunicorn
with production settings on loopback, HTML and API logins, bounded scenarios), with the demo
clinic's 100,000 patients topped up to 10 lab results each (`seed_demo --labs-per-patient`).
Before the load it prints the query plans of the lab reads (bench/labs_plans.py, through
`manage.py shell`), then measures, against the bare view in the same run:
the patient page (its labs panel shows the latest result of each test), the trend page of one
test, the same two through the API, the review queue and the staff home with its "Results to
review" widget. Writes bench/results/latest-labs.md.
"""

import argparse
import contextlib
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.patients import (
    PASSWORD,
    RESULTS,
    ROOT,
    Result,
    free_port,
    load,
    login_api,
    login_html,
    machine,
    manage,
    request,
    server_env,
    start_gunicorn,
    stop,
    table,
    versions,
)


def trend_pairs(db: Path, count: int) -> list[tuple[str, str]]:
    """(patient id, test id) pairs with the most results among `count` random patients."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        ids = [row[0] for row in conn.execute("SELECT _id FROM patients_patient")]
        chosen = random.Random(0).sample(ids, min(count, len(ids)))  # noqa: S311
        pairs = []
        for patient_id in chosen:
            row = conn.execute(
                "SELECT test_id, COUNT(*) AS n FROM labs_labresult WHERE patient_id = ? "
                "GROUP BY test_id ORDER BY n DESC, test_id LIMIT 1",
                (patient_id,),
            ).fetchone()
            if row:
                pairs.append((patient_id, row[0]))
        points = [
            conn.execute(
                "SELECT COUNT(*) FROM labs_labresult WHERE patient_id = ? AND test_id = ?", pair
            ).fetchone()[0]
            for pair in pairs
        ]
    return pairs, points


def counts(db: Path) -> tuple[int, int, int]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        patients = conn.execute("SELECT COUNT(*) FROM patients_patient").fetchone()[0]
        results = conn.execute("SELECT COUNT(*) FROM labs_labresult").fetchone()[0]
        unreviewed = conn.execute(
            "SELECT COUNT(*) FROM labs_labresult WHERE reviewed_at IS NULL"
        ).fetchone()[0]
    return patients, results, unreviewed


def plans(env: dict) -> str:
    code = "from bench.labs_plans import main; main()"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode:
        return f"(query plans failed: {done.stderr.strip()[-500:]})"
    return done.stdout.strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000, help="seeded patients (100000)")
    parser.add_argument(
        "--labs-per-patient", type=int, default=10, help="results per patient (10: a million)"
    )
    parser.add_argument("--requests", type=int, default=400, help="requests per scenario (400)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--limit", type=float, default=60, help="seconds per scenario, at most")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per scenario")
    parser.add_argument("--db", type=Path, default=RESULTS / "bench.sqlite3")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the database as it is")
    parser.add_argument("--skip-plans", action="store_true", help="no query plans")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest-labs.md")
    args = parser.parse_args(argv)

    RESULTS.mkdir(parents=True, exist_ok=True)
    env = server_env(args.db.resolve())
    seed_seconds = None
    if not args.skip_seed:
        print(
            f"Preparing {args.db} ({args.patients} patients × {args.labs_per_patient} results)…",
            flush=True,
        )
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        started = time.monotonic()
        manage(
            env,
            "seed_demo",
            "--patients",
            str(args.patients),
            "--labs-per-patient",
            str(args.labs_per_patient),
            "--password",
            PASSWORD,
        )
        seed_seconds = time.monotonic() - started
    n_patients, n_results, n_unreviewed = counts(args.db)
    pairs, points = trend_pairs(args.db, 200)
    plan_text = ""
    if not args.skip_plans:
        print("Query plans…", flush=True)
        plan_text = plans(env)
        print(*plan_text.split("\n\n")[:2], sep="\n\n", flush=True)

    load_before = os.getloadavg()
    port = free_port()
    server = start_gunicorn(env, port, args.workers, RESULTS / "gunicorn.log")
    try:
        session = login_html(port)
        token = login_api(port)
        html = {"Cookie": session}
        api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        pids = [pid for pid, _tid in pairs] or ["none"]
        page = f"/patients/{pids[0]}/"
        status, _headers, body = request(port, "GET", page, headers=html)
        page_size = len(body) if status == 200 else 30_000
        scenarios = [
            ("bare Django view", [f"/bench/bare/?size={page_size}"], html),
            ("patient page with labs panel (HTML)", [f"/patients/{p}/" for p in pids], html),
            (
                "trend of one test (HTML)",
                [f"/labs/patients/{p}/tests/{t}/" for p, t in pairs],
                html,
            ),
            ("patient's results (API)", [f"/api/v1/patients/{p}/labs/" for p in pids], api),
            (
                "trend of one test (API)",
                [f"/api/v1/patients/{p}/labs/trend/{t}/" for p, t in pairs],
                api,
            ),
            ("review queue (HTML)", ["/labs/review/"], html),
            ("staff home, results-to-review widget (HTML)", ["/"], html),
        ]
        results = []
        for name, paths, headers in scenarios:
            status, _h, body = request(port, "GET", paths[0], headers=headers)
            shown = paths[0]
            if len(paths) > 1 and pairs:
                shown = shown.replace(pairs[0][0], "<id>").replace(pairs[0][1], "<test>")
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
    rows = table(results, results[0])
    mean_points = sum(points) / len(points) if points else 0
    header = [
        "# Labs benchmark — latest run",
        "",
        f"- When: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {machine()}; {versions()}",
        f"- Server: gunicorn, {args.workers} sync workers, DEBUG=False, SQLite "
        f"({args.db.name}), load generator on the same machine over loopback",
        f"- Load average (1 min) before/after: {load_before[0]:.1f} / {load_after[0]:.1f} "
        "(other work on the machine skews absolute figures; the ratios hold up better)",
        f"- Data: demo clinic with {n_patients} patients and {n_results} lab results "
        f"({n_unreviewed} unreviewed)"
        + (f"; seeding/top-up took {seed_seconds:.0f} s" if seed_seconds is not None else ""),
        f"- Load: {args.requests} requests per scenario after {args.warmup} warm-up, "
        f"{args.concurrency} client threads (keep-alive http.client); patient pages cycle "
        f"through {len(pids)} patients, trends through their most repeated test "
        f"({mean_points:.1f} points on average)",
        "- `bare req/s ÷ this`: how many times slower than the bare view (static rows through "
        "a template, padded to the patient page's size, same middleware and session)",
        "",
        *rows,
        "",
    ]
    if plan_text:
        header += ["## Query plans (`QuerySet.explain()`)", "", plan_text, ""]
    report = "\n".join(header)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print()
    print("\n".join(rows))
    print(f"\nWritten to {args.output}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
