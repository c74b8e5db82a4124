"""Benchmark the clinic's documents list (`/files/`) with hundreds of thousands of files (stdlib
only).

    bench/run.sh documents                        # 200,000 files on 10,000 patients
    bench/run.sh documents --skip-seed            # reuse its rows (still migrated)
    bench/run.sh documents --files 20000          # a quick look

The shared harness (bench/harness.py: gunicorn with production settings on loopback, HTML
login, bounded scenarios) on its own SQLite file (bench/results/bench-documents.sqlite3): the
demo clinic with `--patients` patients, topped up to `--files` file records
(bench/documents_data.py: records without their bytes, five categories, uploads over three
years). Then, against the bare view in the same run: the list's first page, page 4,000 by its
number and by Next (from the file before it, as the Next link reaches it), one category's first
page and its page 800 by Next, and two title searches ("scan 19": 11,111 files; a word of
none). Writes bench/results/latest-documents.md.
"""

import argparse
import contextlib
import sqlite3
import sys
import time
from pathlib import Path

from bench.harness import RESULTS, add_run_args, bare_scenario, prepare, report, run, shell

LIST = "/files/"


def edge(db: Path, number: int, category: str = "") -> str:
    """The id of the file just before page `number` (25 a page) of the demo clinic's live
    files, newest first (of one category): the Next link's `after`."""
    where = (
        "clinic_id = (SELECT _id FROM clinics_clinic WHERE slug = 'demo-clinic')"
        " AND deleted_at IS NULL" + (" AND category = ?" if category else "")
    )
    with contextlib.closing(sqlite3.connect(db)) as conn:
        row = conn.execute(
            f"SELECT _id FROM files_storedfile WHERE {where}"  # noqa: S608 - constant
            " ORDER BY created_at DESC, _id DESC LIMIT 1 OFFSET ?",
            (*([category] if category else []), (number - 1) * 25 - 1),
        ).fetchone()
    if row is None:  # a "by Next" scenario without its cursor would measure the OFFSET
        raise SystemExit(f"No file before page {number} of the documents ({category or 'all'}).")
    return row[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000, help="seeded patients (10000)")
    parser.add_argument("--files", type=int, default=200_000, help="file records (200000)")
    add_run_args(parser, requests=300, warmup=10, output="latest-documents.md")
    parser.set_defaults(db=RESULTS / "bench-documents.sqlite3")
    args = parser.parse_args(argv)

    env, seed_seconds = prepare(
        args,
        f"{args.patients} patients, {args.files} files",
        "--labs-per-patient",
        "0",
        "--notes-per-patient",
        "0",
    )
    if not args.skip_seed:
        print(f"Topping up to {args.files} files…", flush=True)
        started = time.monotonic()
        shell(env, f"from bench.documents_data import top_up; top_up({args.files})")
        seed_seconds += time.monotonic() - started
    deep = max(2, min(4000, args.files // 50))  # page 4,000, or the list's middle when smaller
    category_deep = max(2, min(800, args.files // 250))  # imaging's middle at 200,000

    def scenarios(port, html, api):
        return [
            bare_scenario(port, LIST, html),
            ("documents, first page", [LIST], html),
            (f"documents, page {deep:,} by number", [f"{LIST}?page={deep}"], html),
            (
                f"documents, page {deep:,} by Next",
                [f"{LIST}?page={deep}&after={edge(args.db, deep)}"],
                html,
            ),
            ("one category, first page", [f"{LIST}?category=imaging"], html),
            (
                f"one category, page {category_deep:,} by Next",
                [
                    f"{LIST}?category=imaging&page={category_deep}"
                    f"&after={edge(args.db, category_deep, 'imaging')}"
                ],
                html,
            ),
            ("title search 'scan 19'", [f"{LIST}?q=scan+19"], html),
            ("title search finding none (a typo)", [f"{LIST}?q=zqx"], html),
        ]

    measured = run(env, args, scenarios, lambda paths: paths[0])
    seeded = f"; seeding/top-up took {seed_seconds:.0f} s" if seed_seconds is not None else ""
    return report(
        args,
        measured,
        "Documents",
        data=f"{args.files} file records in the demo clinic{seeded}",
        load=f", at most {args.limit:.0f} s",
        bare_rows="static rows through a template, padded to the documents page's size",
    )


if __name__ == "__main__":
    sys.exit(main())
