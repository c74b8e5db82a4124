"""Benchmark the messaging inbox and unread count at 200,000 threads / 2,000,000 messages.

    bench/run.sh messaging                                     # 200,000 threads × 10 messages
    bench/run.sh messaging --threads 20000 --requests 100      # a quick look (200,000 messages)
    bench/run.sh messaging --skip-seed                         # reuse its rows (still migrated)

The shared harness (bench/harness.py: its own SQLite file, gunicorn with production settings on
loopback, HTML and API logins, bounded scenarios). The demo clinic is topped up to `--threads`
threads of `--messages-per-thread` messages (`seed_demo --message-threads`; 2 % of them open,
half of those assigned to the demo clinician). Before the load it prints the query plans of the
inbox reads (bench/messaging_plans.py), then measures, against the bare view: the inbox tabs,
four searches (a name; on the closed threads, a name, a common subject word and a word of no
subject), a thread page, the API lists and the unread count. The issue asks that the inbox and
the unread count stay flat as a clinic grows, so a second, 100× smaller clinic (its own
clinician, the same seeder) is measured in the same run, each of its scenarios right after the
big clinic's; the report ends with the big ÷ small ratios. Writes
bench/results/latest-messaging.md.
"""

import argparse
import contextlib
import random
import sqlite3
import sys
from pathlib import Path

from bench.harness import (
    PASSWORD,
    add_run_args,
    bare_api_scenario,
    bare_scenario,
    login_headers,
    prepare,
    report,
    run,
    shell,
)

SMALL_EMAIL = "clinician@small.bench.clinic"
SMALL = " — small clinic"
AGAIN = " (again)"


def merged(results) -> list:
    """Each "(again)" half added to its first half: one row per scenario."""
    by_name = {r.name: r for r in results}
    for again in [r for r in results if r.name.endswith(AGAIN)]:
        first = by_name[again.name.removesuffix(AGAIN)]
        first.latencies += again.latencies
        first.statuses.update(again.statuses)
        first.errors.update(again.errors)
        first.wall += again.wall
    return [r for r in results if not r.name.endswith(AGAIN)]


def flat_table(results) -> list[str]:
    """Each scenario measured in both clinics: big ÷ small p50 (1.0 = flat)."""
    by_name = {r.name: r for r in results}
    lines = [
        "| scenario | big p50 ms | small p50 ms | big ÷ small p50 | big req/s | small req/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        small = by_name.get(r.name + SMALL)
        if small is None or not r.latencies or not small.latencies:
            continue
        lines.append(
            f"| {r.name} | {r.pct(0.5):.1f} | {small.pct(0.5):.1f} "
            f"| {r.pct(0.5) / small.pct(0.5):.2f} | {r.rps:.1f} | {small.rps:.1f} |"
        )
    return lines


def sample(db: Path, count: int) -> tuple[list[str], int, int]:
    """(open thread ids, threads in all, messages in all) of the demo clinic."""
    clinic = "(SELECT _id FROM clinics_clinic WHERE slug = 'demo-clinic')"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                f"SELECT _id FROM messaging_thread WHERE status='open' AND clinic_id={clinic}"  # noqa: S608
            )
        ]
        threads = random.Random(0).sample(ids, min(count, len(ids)))  # noqa: S311
        n_threads, n_messages = (
            conn.execute(
                f"SELECT COUNT(*) FROM messaging_{table} WHERE clinic_id={clinic}"
            ).fetchone()[0]  # noqa: S608
            for table in ("thread", "message")
        )
    return threads, n_threads, n_messages


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20_000, help="seeded patients (20000)")
    parser.add_argument("--threads", type=int, default=200_000, help="threads (200000)")
    parser.add_argument("--messages-per-thread", type=int, default=10, help="messages (10)")
    parser.add_argument("--skip-plans", action="store_true", help="no query plans")
    parser.add_argument(
        "--small-threads", type=int, default=None, help="the small clinic's threads (threads/100)"
    )
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
    small_threads = args.small_threads or max(args.threads // 100, 1_500)
    # The control clinic: a top-up, quick when it is there already (also with --skip-seed).
    print(f"Small clinic: {small_threads} threads…", flush=True)
    print(
        shell(
            env,
            "from bench.messaging_plans import seed_small_clinic; "
            f"seed_small_clinic(email={SMALL_EMAIL!r}, password={PASSWORD!r}, "
            f"patients=200, threads={small_threads}, "
            f"per_thread={args.messages_per_thread})",
        ),
        flush=True,
    )
    thread_ids, n_threads, n_messages = sample(args.db, 200)
    plan_text = ""
    if not args.skip_plans:
        print("Query plans…", flush=True)
        plan_text = shell(env, "from bench.messaging_plans import main; main()")
        print(*plan_text.split("\n\n")[:2], sep="\n\n", flush=True)

    def scenarios(port, html, api):
        small_html, small_api = login_headers(port, SMALL_EMAIL)

        def both(name, path, big, small):
            """Big, small, small, big (the halves merged after the run): a change of the
            machine's load during the pair weighs on both clinics alike."""
            return [
                (name, [path], big),
                (name + SMALL, [path], small),
                (name + SMALL + AGAIN, [path], small),
                (name + AGAIN, [path], big),
            ]

        return [
            bare_scenario(port, "/messages/", html),
            bare_api_scenario(port, "/api/v1/messages/threads/?status=open", api),
            *both("inbox, assigned to me (HTML)", "/messages/", html, small_html),
            *both("inbox, team (HTML)", "/messages/?tab=team", html, small_html),
            *both("inbox, all open (HTML)", "/messages/?tab=open", html, small_html),
            *both("inbox, closed (HTML)", "/messages/?tab=closed", html, small_html),
            ("inbox, search 'smi' (HTML)", ["/messages/?tab=open&q=smi"], html),
            ("inbox, closed, search 'smi' (HTML)", ["/messages/?tab=closed&q=smi"], html),
            # A word of a fifteenth of the subjects ("Refill request"), and one of none (a typo).
            ("inbox, closed, search 'refill' (HTML)", ["/messages/?tab=closed&q=refill"], html),
            ("inbox, closed, search finding none (HTML)", ["/messages/?tab=closed&q=zqx"], html),
            ("thread page (HTML, marks read)", [f"/messages/{t}/" for t in thread_ids], html),
            *both("threads, API list", "/api/v1/messages/threads/?status=open", api, small_api),
            *both("threads, API list, every status", "/api/v1/messages/threads/", api, small_api),
            *both("unread count (API)", "/api/v1/messages/unread-count", api, small_api),
            (
                "thread's messages (API)",
                [f"/api/v1/messages/threads/{t}/messages/" for t in thread_ids],
                api,
            ),
        ]

    def shown(paths):
        return "(200 different)" if len(paths) > 1 else paths[0]

    measured = run(env, args, scenarios, shown)
    measured.results = merged(measured.results)
    seeded = f"; seeding/top-up took {seed_seconds:.0f} s" if seed_seconds is not None else ""
    status = report(
        args,
        measured,
        "Messaging",
        data=f"{n_threads} threads, {n_messages} messages in the demo clinic; the small "
        f"clinic {small_threads} threads × {args.messages_per_thread}{seeded}",
        load=f", at most {args.limit:.0f} s",
        bare_rows="static rows through a template, padded to the inbox page's size",
        plans=plan_text,
    )
    flat = flat_table(measured.results)
    heading = "## Flat as the clinic grows: the big clinic ÷ the small one, same run"
    text = args.output.read_text()
    args.output.write_text(text.rstrip("\n") + "\n\n" + "\n".join([heading, "", *flat, ""]))
    print("\n" + "\n".join(flat))
    return status


if __name__ == "__main__":
    sys.exit(main())
