"""Benchmark the messaging inbox and unread count at 200,000 threads / 2,000,000 messages.

    bench/run.sh messaging                                     # 200,000 threads × 10 messages
    bench/run.sh messaging --threads 20000 --requests 100      # a quick look (200,000 messages)
    bench/run.sh messaging --skip-seed                         # reuse the database as it is

The shared harness (bench/harness.py: its own SQLite file, gunicorn with production settings on
loopback, HTML and API logins, bounded scenarios). The demo clinic is topped up to `--threads`
threads of `--messages-per-thread` messages (`seed_demo --message-threads`; 2 % of them open,
half of those assigned to the demo clinician). Before the load it prints the query plans of the
inbox reads (bench/messaging_plans.py), then measures, against the bare view: the inbox tabs,
a search, a thread page, the API list and the unread count. Writes
bench/results/latest-messaging.md.
"""

import argparse
import contextlib
import random
import sqlite3
import sys
from pathlib import Path

from bench.harness import add_run_args, bare_scenario, prepare, report, run, shell


def sample(db: Path, count: int) -> tuple[list[str], int, int]:
    """(open thread ids, threads in all, messages in all)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        ids = [r[0] for r in conn.execute("SELECT _id FROM messaging_thread WHERE status='open'")]
        threads = random.Random(0).sample(ids, min(count, len(ids)))  # noqa: S311
        n_threads = conn.execute("SELECT COUNT(*) FROM messaging_thread").fetchone()[0]
        n_messages = conn.execute("SELECT COUNT(*) FROM messaging_message").fetchone()[0]
    return threads, n_threads, n_messages


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20_000, help="seeded patients (20000)")
    parser.add_argument("--threads", type=int, default=200_000, help="threads (200000)")
    parser.add_argument("--messages-per-thread", type=int, default=10, help="messages (10)")
    parser.add_argument("--skip-plans", action="store_true", help="no query plans")
    add_run_args(parser, requests=300, warmup=10, output="latest-messaging.md")
    args = parser.parse_args(argv)

    env, seed_seconds = prepare(
        args,
        f"{args.threads} threads × {args.messages_per_thread} messages",
        "--labs-per-patient",
        "0",
        "--notes-per-patient",
        "0",
        "--message-threads",
        str(args.threads),
        "--messages-per-thread",
        str(args.messages_per_thread),
    )
    thread_ids, n_threads, n_messages = sample(args.db, 200)
    plan_text = ""
    if not args.skip_plans:
        print("Query plans…", flush=True)
        plan_text = shell(env, "from bench.messaging_plans import main; main()")
        print(*plan_text.split("\n\n")[:2], sep="\n\n", flush=True)

    def scenarios(port, html, api):
        return [
            bare_scenario(port, "/messages/", html),
            ("inbox, assigned to me (HTML)", ["/messages/"], html),
            ("inbox, team (HTML)", ["/messages/?tab=team"], html),
            ("inbox, all open (HTML)", ["/messages/?tab=open"], html),
            (
                f"inbox, closed ({n_threads} threads in the clinic, HTML)",
                ["/messages/?tab=closed"],
                html,
            ),
            ("inbox, search 'smi' (HTML)", ["/messages/?tab=open&q=smi"], html),
            ("thread page (HTML, marks read)", [f"/messages/{t}/" for t in thread_ids], html),
            ("threads, API list", ["/api/v1/messages/threads/?status=open"], api),
            ("unread count (API)", ["/api/v1/messages/unread-count"], api),
            (
                "thread's messages (API)",
                [f"/api/v1/messages/threads/{t}/messages/" for t in thread_ids],
                api,
            ),
        ]

    def shown(paths):
        return "(200 different)" if len(paths) > 1 else paths[0]

    measured = run(env, args, scenarios, shown)
    seeded = f"; seeding/top-up took {seed_seconds:.0f} s" if seed_seconds is not None else ""
    return report(
        args,
        measured,
        "Messaging",
        data=f"{n_threads} threads, {n_messages} messages in the demo clinic{seeded}",
        load=f", at most {args.limit:.0f} s",
        bare_rows="static rows through a template, padded to the inbox page's size",
        plans=plan_text,
    )


if __name__ == "__main__":
    sys.exit(main())
