"""Benchmark the programme pages with 10,000 enrolments and about a million tasks (stdlib only).

    bench/run.sh programs --db bench/results/programs.sqlite3  # 10,000 enrolments × ~99 tasks
    bench/run.sh programs --enrolments 1000 --requests 100 # a quick look
    bench/run.sh programs --skip-seed                      # reuse its rows (still migrated)

The shared harness (bench/harness.py: its own SQLite file, gunicorn with production settings on
loopback, HTML and API logins, bounded scenarios). The demo clinic is topped up to
`--patients` patients and `--enrolments` of them are enrolled `--days` days ago with their
history (`seed_demo --program-enrolments N --program-days D`; each 12-week programme gives ~99
tasks). A small clinic (`--small` enrolments, default 20, on 100 patients) is seeded in the same
database, with its own clinician. Then, against the bare view in the same run: the dashboard
(default sort, sorted by adherence, filtered to those falling behind, page 200 by its number
and by its Next link), the enrolments API, one enrolment's "today" (API) and its page with
charts (HTML), the patient page with its Programs panel, and the nightly job over every
enrolment; the dashboard and "today" are also measured as the small clinic's clinician, and the
report ends with their ratios (large ÷ small p50: about 1 means flat). Writes
bench/results/latest-programs.md.
"""

import argparse
import contextlib
import random
import sqlite3
import sys
import time
from pathlib import Path

from bench import harness
from bench.harness import (
    add_run_args,
    bare_api_scenario,
    bare_scenario,
    prepare,
    report,
    run,
    shell,
)

SMALL_EMAIL = "clinician@small.bench"
SMALL_CLINIC = """
from accounts.models import User
from clinics.models import Clinic
from core.contributions import clinic_created
from core.roles import Role
from patients.demo import seed_patients
from programs import demo
clinic, created = Clinic.objects.get_or_create(slug="bench-small", defaults={{
    "name": "Small clinic", "timezone": "Europe/London"}})
if created:
    clinic_created(clinic)
user = User.objects.filter(email="{email}").first() or User(email="{email}")
user.name, user.role, user.clinic, user.is_active, user.is_verified = (
    "Sam Small", Role.CLINICIAN, clinic, True, True)
user.set_password("{password}")
user.save()
seed_patients(clinic=clinic, target=100, staff=user, recorder=user)
demo.seed_enrollments(clinic=clinic, users={{Role.CLINICIAN: user}}, count={count},
                      days={days})
from programs.models import Enrollment
print(Enrollment.objects.filter(clinic=clinic).count())
"""


def sample(db: Path, count: int, slug: str) -> tuple[list[tuple[str, str]], int, int]:
    """((enrolment id, patient id) samples, enrolments in all, tasks in all) of one clinic."""
    clinic = "(SELECT _id FROM clinics_clinic WHERE slug = ?)"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = list(
            conn.execute(
                f"SELECT _id, patient_id FROM programs_enrollment WHERE clinic_id = {clinic}",  # noqa: S608
                (slug,),
            )
        )
        picked = random.Random(0).sample(rows, min(count, len(rows)))  # noqa: S311
        tasks = conn.execute(
            f"SELECT COUNT(*) FROM programs_task WHERE clinic_id = {clinic}",  # noqa: S608
            (slug,),
        ).fetchone()[0]
    return picked, len(rows), tasks


def next_to_page(db: Path, number: int, sort: str, order: str) -> str:
    """The large clinic's dashboard page `number` as its Next link reaches it (from the edge row
    of the page before: `?page=N&after=<id>`); `order` is `sort`'s ORDER BY (programs.selectors.
    SORTS, as SQLite writes it)."""
    listed = (
        " FROM programs_enrollment WHERE state = 'active' AND clinic_id ="
        " (SELECT _id FROM clinics_clinic WHERE slug = 'demo-clinic')"
    )
    with contextlib.closing(sqlite3.connect(db)) as conn:
        row = conn.execute(
            "SELECT _id" + listed + f" ORDER BY {order} LIMIT 1 OFFSET ?",  # noqa: S608 - constant
            ((number - 1) * 25 - 1,),
        ).fetchone()
    return f"/programs/?sort={sort}&page={number}&after={row[0] if row else ''}"


FLAT = (  # (large clinic's scenario, small clinic's scenario), names without "(…)"
    ("dashboard, default sort", "small clinic: dashboard"),
    ("dashboard sorted by adherence", "small clinic: dashboard sorted by adherence"),
    ("an enrolment's today", "small clinic: an enrolment's today"),
    ("patient page with Programs panel", "small clinic: patient page with Programs panel"),
)


def flat_lines(results, load) -> list[str]:
    """Large ÷ small p50 for the pages that must stay flat (1.0× = no growth)."""
    by_name = {r.name.split(" (")[0]: r for r in results}
    lines = [
        "## Flat? The large clinic against the small one, same run",
        "",
        f"Load average (1/5/15 min) at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.",
        "",
        "| page | large p50 ms | small p50 ms | large ÷ small |",
        "|---|---:|---:|---:|",
    ]
    for large_name, small_name in FLAT:
        large, small = by_name.get(large_name), by_name.get(small_name)
        if large and small and large.ok and small.ok and small.pct(0.5):
            lines.append(
                f"| {large_name} | {large.pct(0.5):.1f} | {small.pct(0.5):.1f} "
                f"| {large.pct(0.5) / small.pct(0.5):.2f}× |"
            )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20_000, help="seeded patients (20000)")
    parser.add_argument("--enrolments", type=int, default=10_000, help="enrolments (10000)")
    parser.add_argument("--days", type=int, default=30, help="started this many days ago (30)")
    parser.add_argument("--small", type=int, default=20, help="the small clinic's enrolments (20)")
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
    if not args.skip_seed:
        small = shell(
            env,
            SMALL_CLINIC.format(
                email=SMALL_EMAIL, password=harness.PASSWORD, count=args.small, days=args.days
            ),
        )
        print(f"small clinic: {small} enrolments", flush=True)
    picked, n_enrolments, n_tasks = sample(args.db, 200, "demo-clinic")
    small_picked, n_small, _small_tasks = sample(args.db, 200, "bench-small")
    started = time.monotonic()
    nightly = shell(env, "from programs.services import nightly_run; print(nightly_run())")
    nightly_seconds = time.monotonic() - started
    print(f"nightly job: {nightly} in {nightly_seconds:.1f} s", flush=True)

    by_next = next_to_page(args.db, 200, "-start", "start_date DESC, _id DESC")

    def scenarios(port, html, api):
        small_html, small_api = harness.login_headers(port, SMALL_EMAIL)
        # Each small-clinic page right after its large-clinic twin: the load on a shared
        # machine drifts, and neighbours see nearly the same load.
        return [
            bare_scenario(port, "/programs/", html),
            bare_api_scenario(port, "/api/v1/enrollments/", api),
            (f"dashboard, default sort ({n_enrolments} enrolments, HTML)", ["/programs/"], html),
            (f"small clinic: dashboard ({n_small} enrolments)", ["/programs/"], small_html),
            ("dashboard sorted by adherence (HTML)", ["/programs/?sort=adherence"], html),
            ("small clinic: dashboard sorted by adherence", ["/programs/?sort=adherence"],
             small_html),
            ("an enrolment's today (API)",
             [f"/api/v1/enrollments/{e}/tasks/" for e, _p in picked], api),
            ("small clinic: an enrolment's today",
             [f"/api/v1/enrollments/{e}/tasks/" for e, _p in small_picked], small_api),
            ("patient page with Programs panel (HTML)",
             [f"/patients/{p}/" for _e, p in picked], html),
            ("small clinic: patient page with Programs panel",
             [f"/patients/{p}/" for _e, p in small_picked], small_html),
            ("dashboard, falling behind (HTML)", ["/programs/?behind=on&sort=-activity"], html),
            ("dashboard, page 200 (HTML)", ["/programs/?page=200"], html),
            ("dashboard, page 200 by Next (HTML)", [by_next], html),
            ("enrolments (API)", ["/api/v1/enrollments/"], api),
            ("an enrolment with charts (HTML)",
             [f"/programs/enrollments/{e}/" for e, _p in picked], html),
        ]  # fmt: skip

    def shown(paths):
        return "(200 different)" if len(paths) > 1 else paths[0]

    measured = run(env, args, scenarios, shown)
    seeded = f"; seeding/top-up took {seed_seconds:.0f} s" if seed_seconds is not None else ""
    failed = report(
        args,
        measured,
        "Programmes",
        data=f"{n_enrolments} enrolments, {n_tasks} tasks{seeded}; nightly job "
        f"{nightly_seconds:.1f} s ({nightly})",
        load=f", at most {args.limit:.0f} s",
        bare_rows="static rows through a template, padded to the dashboard's size",
    )
    flat = flat_lines(measured.results, measured.load_after)
    with args.output.open("a") as out:
        out.write("\n".join(flat) + "\n")
    print("\n".join(flat))
    return failed


if __name__ == "__main__":
    sys.exit(main())
