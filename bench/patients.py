"""Benchmark the patient pages against gunicorn with production settings (stdlib only).

    bench/run.sh                      # or: make bench
    bench/run.sh --requests 200 --patients 5000   # a quick look

What it does, every step bounded and on loopback (127.0.0.1) only:
1. prepares its own SQLite file (bench/results/bench.sqlite3): migrate, collectstatic, and
   `seed_demo --patients N` (tops up to N, so later runs reuse the data);
2. starts gunicorn on a free port with DEBUG=False, a freshly generated SECRET_KEY, the HTTPS
   switches off (plain HTTP on loopback) and DJANGO_SETTINGS_MODULE=bench.settings, which adds
   the bare baseline views at /bench/bare/ (HTML) and /bench/bare/api/ (DRF);
3. logs in as the demo clinician twice: the HTML login form (CSRF token + session cookie) and
   the API (`POST /api/v1/auth/login`, JWT);
4. per scenario: a few warm-up requests, then a fixed number of requests from C threads, each
   with its own keep-alive http.client connection, capped by a time limit;
5. prints a table and writes bench/results/latest.md.

A page that does not exist yet, or answers anything but 200, shows as errors in the table;
it never stops the run. The steps are bench/harness.py's, shared with the other benchmarks.
"""

import argparse
import contextlib
import random
import sqlite3
import sys
import urllib.parse
from pathlib import Path

from bench.harness import add_run_args, bare_api_scenario, bare_scenario, prepare, report, run


def patients_in(db: Path) -> int:
    """What the file holds: with --skip-seed it need not be --patients."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT COUNT(*) FROM patients_patient").fetchone()[0]


def patient_ids(db: Path, count: int) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        ids = [row[0] for row in conn.execute("SELECT _id FROM patients_patient")]
    return random.Random(0).sample(ids, min(count, len(ids)))  # noqa: S311


def deep_page(db: Path) -> tuple[int, str]:
    """The list's page 4,000 as its Next link reaches it (or the middle page of a smaller clinic:
    pages in the second half are read from the end anyway): `?page=N&after=<edge row>`."""
    listed = (
        " FROM patients_patient WHERE is_archived = 0 AND clinic_id = (SELECT clinic_id"
        " FROM accounts_user WHERE email = 'clinician@demo.clinic')"
    )
    with contextlib.closing(sqlite3.connect(db)) as conn:
        count = conn.execute("SELECT COUNT(*)" + listed).fetchone()[0]  # noqa: S608 - constant
        number = max(2, min(4000, count // 25 // 2))
        row = conn.execute(
            "SELECT _id" + listed + " ORDER BY last_name_key, first_name_key, _id LIMIT 1 OFFSET ?",
            ((number - 1) * 25 - 1,),
        ).fetchone()
    return number, f"/patients/?page={number}&after={row[0] if row else ''}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000, help="seeded patients (100000)")
    parser.add_argument("--query", default="smi", help="the name prefix searched ('smi')")
    parser.add_argument(
        "--two-words", default="jo smi", help="a first and last name searched ('jo smi')"
    )
    parser.add_argument(
        "--letter", default="a", help="a one-letter search, the list's and the header's ('a')"
    )
    add_run_args(parser, requests=600, warmup=20, output="latest.md")
    args = parser.parse_args(argv)

    # Lab history is the labs benchmark's (bench/labs.py): none added here.
    env, seed_seconds = prepare(args, f"{args.patients} patients", "--labs-per-patient", "0")
    ids = patient_ids(args.db, 200)
    query = urllib.parse.quote(args.query)
    list_path = f"/patients/?q={query}"
    api_list_path = f"/api/v1/patients/?search={query}"
    two_words_path = f"/patients/?q={urllib.parse.quote(args.two_words)}"
    letter = urllib.parse.quote(args.letter)
    deep_number, deep_path = deep_page(args.db)

    def scenarios(port, html, api):
        return [
            bare_scenario(port, list_path, html),
            bare_api_scenario(port, api_list_path, api),
            ("patient list (HTML)", [list_path], html),
            ("patient list (API)", [api_list_path], api),
            (f"patient list, search '{args.two_words}' (HTML)", [two_words_path], html),
            (f"patient list, search '{args.letter}' (HTML)", [f"/patients/?q={letter}"], html),
            (f"header search '{args.letter}' (HTML)", [f"/patients/search/?q={letter}"], html),
            ("patient list, no search (HTML)", ["/patients/"], html),
            (f"patient list, page {deep_number:,} by Next (HTML)", [deep_path], html),
            (
                "patient page (HTML)",
                [f"/patients/{pk}/" for pk in ids] or ["/patients/none/"],
                html,
            ),
            ("patient list, no search (API)", ["/api/v1/patients/"], api),
            ("review queue (HTML)", ["/labs/review/"], html),
        ]

    def shown(paths):
        return paths[0] if len(paths) == 1 else paths[0].replace(ids[0], "<id>")

    measured = run(env, args, scenarios, shown)
    seeded = f" (seeding/top-up took {seed_seconds:.0f} s)" if seed_seconds is not None else ""
    return report(
        args,
        measured,
        "Patients",
        data=f"{patients_in(args.db):,} patients{seeded}",
        load=(
            f", search `{args.query}`, `{args.two_words}` and `{args.letter}`;"
            f" the patient page cycles through {len(ids)} patients"
        ),
        bare_rows="25 static rows through a template, padded to the list page's size",
    )


if __name__ == "__main__":
    sys.exit(main())
