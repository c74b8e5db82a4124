"""Benchmark the notes pages with millions of notes in the clinic (stdlib only).

    bench/run.sh notes                                   # 100,000 patients × 20 = 2,000,000
    bench/run.sh notes --patients 5000 --requests 100    # a quick look (100,000 notes)
    bench/run.sh notes --skip-seed                       # reuse its rows (still migrated)

The shared harness (bench/harness.py, as the patients benchmark: its own SQLite file, gunicorn
with production settings on loopback, HTML and API logins, bounded scenarios). The demo clinic
is topped up to `--patients` patients with `--notes-per-patient` notes each
(`seed_demo --notes-per-patient`), and its first patient by MRN to `--heavy` notes (500). Before
the load it prints the query plans of the notes reads (bench/notes_plans.py), then measures,
against the bare view in the same run: the heavy patient's notes list (HTML and API), a text
search in it, the patient page with its Notes panel, one note's page, the clinic-wide API list
(its first page, and page 4,000 by `?page=` and by `?cursor=`) and clinic-wide searches for a
common word, for a word in no note and for two common words never in one note (which looks
through the newest 100,000 notes, no further). Writes
bench/results/latest-notes.md.
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


def sample(db: Path, heavy_id: str, count: int) -> tuple[list[str], list[str], int, int]:
    """(patient ids, note ids of the heavy patient, notes in all, the heavy patient's)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        ids = [row[0] for row in conn.execute("SELECT _id FROM patients_patient")]
        patients = random.Random(0).sample(ids, min(count, len(ids)))  # noqa: S311
        notes = [
            row[0]
            for row in conn.execute(
                "SELECT _id FROM notes_note WHERE patient_id = ? LIMIT ?", (heavy_id, count)
            )
        ]
        total = conn.execute("SELECT COUNT(*) FROM notes_note").fetchone()[0]
        heavy = conn.execute(
            "SELECT COUNT(*) FROM notes_note WHERE patient_id = ?", (heavy_id,)
        ).fetchone()[0]
    return patients, notes, total, heavy


def deep_page(db: Path, wanted: int = 4000) -> tuple[int, str]:
    """(a deep page's number, the id of the note just before it): page 4,000 of the demo
    clinic's notes, newest first (the last full page of a smaller clinic), read by `?page=` and,
    as a phone walking the list reaches it, by `?cursor=` from the note before it."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        listed = (
            " FROM notes_note WHERE clinic_id ="
            " (SELECT _id FROM clinics_clinic WHERE slug = 'demo-clinic')"
        )
        total = conn.execute("SELECT COUNT(*)" + listed).fetchone()[0]  # noqa: S608 - constant
        number = max(2, min(wanted, total // 25))
        row = conn.execute(
            "SELECT _id" + listed + " ORDER BY created_at DESC, _id DESC LIMIT 1 OFFSET ?",  # noqa: S608
            ((number - 1) * 25 - 1,),
        ).fetchone()
    return number, row[0] if row else ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000, help="seeded patients (100000)")
    parser.add_argument(
        "--notes-per-patient", type=int, default=20, help="notes per patient (20: two million)"
    )
    parser.add_argument("--heavy", type=int, default=500, help="notes of the heavy patient (500)")
    parser.add_argument("--skip-plans", action="store_true", help="no query plans")
    add_run_args(parser, requests=300, warmup=10, output="latest-notes.md")
    args = parser.parse_args(argv)

    env, seed_seconds = prepare(
        args,
        f"{args.patients} patients × {args.notes_per_patient} notes, one with {args.heavy}",
        "--labs-per-patient",
        "0",
        "--notes-per-patient",
        str(args.notes_per_patient),
    )
    heavy_id = shell(env, f"from bench.notes_plans import heavy; heavy({args.heavy})")
    heavy_id = heavy_id.splitlines()[-1].strip() if heavy_id else ""
    pids, note_ids, n_notes, n_heavy = sample(args.db, heavy_id, 200)
    plan_text = ""
    if not args.skip_plans:
        print("Query plans…", flush=True)
        plan_text = shell(env, "from bench.notes_plans import main; main()")
        print(*plan_text.split("\n\n")[:2], sep="\n\n", flush=True)

    listing = f"/notes/patients/{heavy_id}/"
    deep, before_deep = deep_page(args.db)

    def scenarios(port, html, api):
        return [
            bare_scenario(port, listing, html),
            bare_api_scenario(port, f"/api/v1/notes/?patient={heavy_id}", api),
            (f"patient's notes list ({n_heavy} notes, HTML)", [listing], html),
            ("patient's notes, search 'sputum' (HTML)", [f"{listing}?q=sputum"], html),
            ("patient's notes (API)", [f"/api/v1/notes/?patient={heavy_id}"], api),
            (
                "patient's notes, search 'cough' (API)",
                [f"/api/v1/notes/?patient={heavy_id}&search=cough"],
                api,
            ),
            ("patient page with Notes panel (HTML)", [f"/patients/{p}/" for p in pids], html),
            ("one note (HTML)", [f"/notes/{n}/" for n in note_ids], html),
            (f"clinic's notes, newest first ({n_notes} notes, API)", ["/api/v1/notes/"], api),
            (f"clinic's notes, page {deep:,} (API)", [f"/api/v1/notes/?page={deep}"], api),
            (
                f"clinic's notes, page {deep:,} by cursor (API)",
                [f"/api/v1/notes/?cursor={before_deep}"],
                api,
            ),
            ("clinic's notes, search 'asthma' (API)", ["/api/v1/notes/?search=asthma"], api),
            (
                "clinic's notes, search a word in no note (API)",
                ["/api/v1/notes/?search=salbutamol"],
                api,
            ),
            (
                "clinic's notes, search two common words never in one note (API)",
                ["/api/v1/notes/?search=telephone+eczematous"],
                api,
            ),
            ("staff home, my drafts widget (HTML)", ["/"], html),
        ]

    def shown(paths):
        if len(paths) > 1:
            return "(200 different)"
        return paths[0].replace(heavy_id, "<heavy>") if heavy_id else paths[0]

    measured = run(env, args, scenarios, shown)
    seeded = f"; seeding/top-up took {seed_seconds:.0f} s" if seed_seconds is not None else ""
    return report(
        args,
        measured,
        "Notes",
        data=f"{n_notes} notes in the demo clinic; the heavy patient has {n_heavy}{seeded}",
        load=f", at most {args.limit:.0f} s",
        bare_rows="static rows through a template, padded to the notes list's size",
        plans=plan_text,
    )


if __name__ == "__main__":
    sys.exit(main())
