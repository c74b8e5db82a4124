"""Benchmark the lab pages with a million results in the database (stdlib only).

    bench/run.sh labs                                  # or: make bench BENCH_ARGS=labs
    bench/run.sh labs --patients 5000 --labs-per-patient 10 --requests 100   # a quick look

The shared harness (bench/harness.py, as the patients benchmark: its own SQLite file, gunicorn
with production settings on loopback, HTML and API logins, bounded scenarios), with the demo
clinic's 100,000 patients topped up to 10 lab results each (`seed_demo --labs-per-patient`).
Before the load it prints the query plans of the lab reads (bench/labs_plans.py, through
`manage.py shell`), then measures, against the bare view in the same run:
the patient page (its labs panel shows the latest result of each test), the trend page of one
test, the same two through the API, the review queue (all of it, and critical only), the staff
home with its "Results to review" widget, and across the clinic the critically high results
and the orders (API). Writes bench/results/latest-labs.md.
"""

import argparse
import contextlib
import random
import sqlite3
import sys
from pathlib import Path

from bench.harness import (
    add_run_args,
    bare_api_scenario,
    bare_scenario,
    prepare,
    report,
    run,
    shell,
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000, help="seeded patients (100000)")
    parser.add_argument(
        "--labs-per-patient", type=int, default=10, help="results per patient (10: a million)"
    )
    parser.add_argument("--skip-plans", action="store_true", help="no query plans")
    add_run_args(parser, requests=400, warmup=20, output="latest-labs.md")
    args = parser.parse_args(argv)

    env, seed_seconds = prepare(
        args,
        f"{args.patients} patients × {args.labs_per_patient} results",
        "--labs-per-patient",
        str(args.labs_per_patient),
    )
    n_patients, n_results, n_unreviewed = counts(args.db)
    pairs, points = trend_pairs(args.db, 200)
    plan_text = ""
    if not args.skip_plans:
        print("Query plans…", flush=True)
        plan_text = shell(
            env,
            "from bench.labs_plans import main; main()",
            timeout=600,
            failed="query plans failed",
        )
        print(*plan_text.split("\n\n")[:2], sep="\n\n", flush=True)

    pids = [pid for pid, _tid in pairs] or ["none"]

    def scenarios(port, html, api):
        return [
            bare_scenario(port, f"/patients/{pids[0]}/", html),
            bare_api_scenario(port, f"/api/v1/patients/{pids[0]}/labs/", api),
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
            ("review queue, critical only (HTML)", ["/labs/review/?severity=critical"], html),
            ("staff home, results-to-review widget (HTML)", ["/"], html),
            (
                "clinic's critically high results (API)",
                ["/api/v1/labs/results/?flag=critical_high"],
                api,
            ),
            ("clinic's lab orders (API)", ["/api/v1/labs/orders/"], api),
        ]

    def shown(paths):
        if len(paths) > 1 and pairs:
            return paths[0].replace(pairs[0][0], "<id>").replace(pairs[0][1], "<test>")
        return paths[0]

    measured = run(env, args, scenarios, shown)
    mean_points = sum(points) / len(points) if points else 0
    seeded = f"; seeding/top-up took {seed_seconds:.0f} s" if seed_seconds is not None else ""
    return report(
        args,
        measured,
        "Labs",
        data=f"demo clinic with {n_patients} patients and {n_results} lab results "
        f"({n_unreviewed} unreviewed){seeded}",
        load=f"; patient pages cycle through {len(pids)} patients, trends through their most "
        f"repeated test ({mean_points:.1f} points on average)",
        bare_rows="static rows through a template, padded to the patient page's size",
        plans=plan_text,
    )


if __name__ == "__main__":
    sys.exit(main())
