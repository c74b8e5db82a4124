"""Benchmark the programme pages with 10,000 enrolments and about a million tasks (stdlib only).

    bench/run.sh programs                                  # 10,000 enrolments × ~99 tasks
    bench/run.sh programs --enrolments 1000 --requests 100 # a quick look
    bench/run.sh programs --skip-seed                      # reuse the database as it is

The shared harness (bench/harness.py: its own SQLite file, gunicorn with production settings on
loopback, HTML and API logins, bounded scenarios). The demo clinic is topped up to
`--patients` patients and `--enrolments` of them are enrolled `--days` days ago with their
history (`seed_demo --program-enrolments N --program-days D`; each 12-week programme gives ~99
tasks). Then, against the bare view in the same run: the dashboard (default sort, sorted by
adherence, filtered to those falling behind, a deep page), the enrolments API, one enrolment's
"today" (API) and its page with charts (HTML), the patient page with its Programs panel, and
the nightly job over every enrolment. Writes bench/results/latest-programs.md.
"""

import argparse
import contextlib
import random
import sqlite3
import sys
import time
from pathlib import Path

from bench.harness import add_run_args, bare_scenario, prepare, report, run, shell


def sample(db: Path, count: int) -> tuple[list[tuple[str, str]], int, int]:
    """((enrolment id, patient id) samples, enrolments in all, tasks in all)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = list(conn.execute("SELECT _id, patient_id FROM programs_enrollment"))
        picked = random.Random(0).sample(rows, min(count, len(rows)))  # noqa: S311
        total = conn.execute("SELECT COUNT(*) FROM programs_enrollment").fetchone()[0]
        tasks = conn.execute("SELECT COUNT(*) FROM programs_task").fetchone()[0]
    return picked, total, tasks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20_000, help="seeded patients (20000)")
    parser.add_argument("--enrolments", type=int, default=10_000, help="enrolments (10000)")
    parser.add_argument("--days", type=int, default=30, help="started this many days ago (30)")
    add_run_args(parser, requests=300, warmup=10, output="latest-programs.md")
    args = parser.parse_args(argv)

    env, seed_seconds = prepare(
        args,
        f"{args.patients} patients, {args.enrolments} enrolled {args.days} days ago",
        "--labs-per-patient", "0",
        "--notes-per-patient", "0",
        "--program-enrolments", str(args.enrolments),
        "--program-days", str(args.days),
    )  # fmt: skip
    picked, n_enrolments, n_tasks = sample(args.db, 200)
    started = time.monotonic()
    nightly = shell(env, "from programs.services import nightly_run; print(nightly_run())")
    nightly_seconds = time.monotonic() - started
    print(f"nightly job: {nightly} in {nightly_seconds:.1f} s", flush=True)

    def scenarios(port, html, api):
        return [
            bare_scenario(port, "/programs/", html),
            (f"dashboard ({n_enrolments} enrolments, HTML)", ["/programs/"], html),
            ("dashboard sorted by adherence (HTML)", ["/programs/?sort=adherence"], html),
            ("dashboard, falling behind (HTML)", ["/programs/?behind=on&sort=-activity"], html),
            ("dashboard, page 200 (HTML)", ["/programs/?page=200"], html),
            ("enrolments (API)", ["/api/v1/enrollments/"], api),
            ("an enrolment's today (API)",
             [f"/api/v1/enrollments/{e}/tasks/" for e, _p in picked], api),
            ("an enrolment with charts (HTML)",
             [f"/programs/enrollments/{e}/" for e, _p in picked], html),
            ("patient page with Programs panel (HTML)",
             [f"/patients/{p}/" for _e, p in picked], html),
        ]  # fmt: skip

    def shown(paths):
        return "(200 different)" if len(paths) > 1 else paths[0]

    measured = run(env, args, scenarios, shown)
    seeded = f"; seeding/top-up took {seed_seconds:.0f} s" if seed_seconds is not None else ""
    return report(
        args,
        measured,
        "Programmes",
        data=f"{n_enrolments} enrolments, {n_tasks} tasks{seeded}; nightly job "
        f"{nightly_seconds:.1f} s ({nightly})",
        load=f", at most {args.limit:.0f} s",
        bare_rows="static rows through a template, padded to the dashboard's size",
    )


if __name__ == "__main__":
    sys.exit(main())
