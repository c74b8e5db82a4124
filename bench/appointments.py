"""Benchmark the appointment pages at a busy clinic (stdlib only).

    bench/run.sh appointments                                  # 50 providers, a year each
    bench/run.sh appointments --providers 10 --requests 100    # a quick look
    bench/run.sh appointments --skip-seed                      # reuse its rows (still migrated)

The shared harness (bench/harness.py: its own SQLite file, gunicorn with production settings on
loopback, HTML and API logins as the demo clinician, bounded scenarios). The demo clinic is
topped up to `--patients` patients and given `--providers` more clinicians working 08:00-18:00
on weekdays with 14 appointments a day from six months back to six ahead (about 3,600 each),
and one provider with 10-minute slots 07:00-21:00 every day holding 2,000 appointments in the
coming month (bench/appointments_data.py). Then, against the bare views in the same run: free
slots of that provider over the month and of any provider over a week, every slot and each time
once (API), the booking page for any provider on a day, the week calendar of the whole clinic
and of that provider, the whole clinic's day and its Today list (HTML), and a week of the
appointments API. Writes bench/results/latest-appointments.md.
"""

import argparse
import datetime
import json
import sys

from bench.harness import (
    RESULTS,
    add_run_args,
    bare_api_scenario,
    bare_scenario,
    prepare,
    report,
    run,
    shell,
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=2000, help="seeded patients (2000)")
    parser.add_argument("--providers", type=int, default=50, help="busy providers (50)")
    add_run_args(parser, requests=300, warmup=10, output="latest-appointments.md")
    parser.set_defaults(db=RESULTS / "appointments.sqlite3")  # not the patients benchmark's
    args = parser.parse_args(argv)

    env, seed_seconds = prepare(
        args,
        f"{args.patients} patients, {args.providers} providers with a year of appointments",
        "--labs-per-patient", "0",
        "--notes-per-patient", "0",
    )  # fmt: skip
    found = shell(env, f"from bench.appointments_data import seed; print(seed({args.providers}))")
    ids = json.loads(found.splitlines()[-1])
    counted = shell(
        env,
        "from appointments.models import Appointment; "
        "print(Appointment.objects.filter(clinic__slug='demo-clinic').count())",
    )
    today = datetime.date.today()
    week, month = today + datetime.timedelta(days=6), today + datetime.timedelta(days=30)
    # The calendars show a Wednesday one to two weeks ahead, whatever day the run is on: every
    # provider works it, and its week is all inside the busy provider's booked month (470
    # appointments). Today is today's: short on a weekend (the report says when it ran).
    wednesday = today + datetime.timedelta(days=7 + (2 - today.weekday()) % 7)
    busy_slots = (
        f"/api/v1/appointments/slots/?type={ids['quick']}&provider={ids['busy']}"
        f"&start={today + datetime.timedelta(days=1)}&end={month}"
    )
    any_slots = f"/api/v1/appointments/slots/?type={ids['follow_up']}&start={today}&end={week}"
    once = "once_per_time=true"  # what a phone showing times, not providers, asks for

    def scenarios(port, html, api):
        return [
            bare_scenario(port, "/appointments/", html),
            bare_api_scenario(port, busy_slots, api),
            ("slots, one provider, 30 days (API)", [busy_slots], api),
            ("slots, any provider, 7 days (API)", [any_slots], api),
            ("slots, any provider, 7 days, each time once (API)", [f"{any_slots}&{once}"], api),
            (
                "booking page, any provider, one day (HTML)",
                [
                    f"/appointments/new/?patient={ids['patient']}&type={ids['follow_up']}"
                    f"&provider=&date={wednesday}"
                ],
                html,
            ),
            ("week calendar, whole clinic (HTML)", [f"/appointments/?date={wednesday}"], html),
            (
                "week calendar, one provider (HTML)",
                [f"/appointments/?date={wednesday}&provider={ids['busy']}"],
                html,
            ),
            (
                "day calendar, whole clinic (HTML)",
                [f"/appointments/?view=day&date={wednesday}"],
                html,
            ),
            ("Today, whole clinic (HTML)", ["/appointments/today/?all=1"], html),
            (
                "a week of appointments (API)",
                [f"/api/v1/appointments/?start={today}&end={week}"],
                api,
            ),
        ]

    measured = run(env, args, scenarios, lambda paths: paths[0])
    seeded = f"; seeding took {seed_seconds:.0f} s" if seed_seconds is not None else ""
    return report(
        args,
        measured,
        "Appointments",
        data=f"{counted} appointments, {args.providers} busy providers{seeded}",
        load=f", at most {args.limit:.0f} s",
        bare_rows="static rows through a template, padded to the week calendar's size",
    )


if __name__ == "__main__":
    sys.exit(main())
