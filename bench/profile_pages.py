"""Where a page's time goes: each benchmarked page under cProfile, in one process, split into
middleware, session save, queries, audit write, template rendering, compiling SQL, reversing
URLs, translating and serialisation.

Run through `manage.py shell` with the benchmark's settings (bench/run.sh profile does that, on
the benchmark's own SQLite file). It signs in as the demo clinician with the test client (a
real session row, as after a login) and an API token, requests each page `--requests` times
under cProfile after a warm-up, and prints per page: milliseconds of CPU per request by part,
and the queries of one request, the columns they select and its Python calls. The parts
overlap where one calls the other (queries made while auditing count in both); "middleware" is
the whole request minus the view and its response. A sampling profiler (py-spy, 100 stacks a
second, 2026-12-04) found the same shares within a few points: templates 37 % of the patient
page (cProfile 37 %), compiling SQL 21 % (25 %), reversing URLs 5 % (5 %).
"""

import cProfile
import gc
import json
import pstats
import sys
import time
from collections import Counter

from django.db import connection
from django.template import base as template_base
from django.test import Client

EMAIL = "clinician@demo.clinic"
PASSWORD = "demo-passport-2026"  # seed_demo's default, as bench/harness.py

# part -> (file the function is in, its names); the cumulative time of the outermost call.
PARTS = {
    "view + response": ("django/core/handlers/base.py", {"_get_response"}),
    "session save": ("django/contrib/sessions/backends/db.py", {"save"}),
    "queries": ("django/db/backends/utils.py", {"_execute"}),
    "audit write": ("core/audit.py", {"audit", "audit_patients_read"}),
    "templates": ("django/template/backends/django.py", {"render"}),
    "SQL compile": ("django/db/models/sql/compiler.py", {"as_sql"}),
    "URL reversing": ("django/urls/base.py", {"reverse"}),
    "translation": ("django/utils/translation/trans_real.py", {"gettext", "ngettext"}),
    "serialisation": ("rest_framework/serializers.py", {"data"}),
    "JSON render": ("rest_framework/renderers.py", {"render"}),
}


def parts_of(profile: cProfile.Profile, requests: int) -> dict:
    stats = pstats.Stats(profile).stats
    total = sum(tt for (_f, _l, _n), (_cc, _nc, tt, _ct, _callers) in stats.items())
    found = {"request": total}
    for name, (path, functions) in PARTS.items():

        def matches(filename, func, path=path, functions=functions):
            return filename.endswith(path) and func in functions

        found[name] = 0.0
        for (filename, _line, func), (_cc, _nc, _tt, cumulative, callers) in stats.items():
            if not matches(filename, func):
                continue
            # Only calls from outside the same function (recursion is counted once).
            outer = {k: v for k, v in callers.items() if not matches(k[0], k[2])}
            found[name] += cumulative if outer or not callers else 0.0
    found["middleware"] = found["request"] - found["view + response"]
    return {k: 1000 * v / requests for k, v in found.items()}


def profile_page(client, path: str, headers: dict, requests: int, warmup: int = 5) -> dict:
    for _ in range(warmup):
        assert client.get(path, **headers).status_code == 200, path
    statements, columns = [], []

    def record(execute, sql, params, many, context):
        statements.append(sql.split(None, 1)[0].upper())
        if statements[-1] == "SELECT":  # each selected column costs the ORM ~20 µs a query
            columns.append(sql.split(" FROM ", 1)[0].count(", ") + 1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):  # request_started clears connection.queries
        client.get(path, **headers)
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(requests):
        client.get(path, **headers)
    profile.disable()
    wall = 1000 * (time.perf_counter() - started) / requests
    result = parts_of(profile, requests)
    result["wall (profiled)"] = wall
    result["queries (count)"] = len(statements)
    result["writes (count)"] = sum(s in {"INSERT", "UPDATE", "DELETE"} for s in statements)
    result["columns (count)"] = sum(columns)
    # Python calls per request: on a machine whose speed moves, a measure that does not.
    result["calls (count)"] = pstats.Stats(profile).total_calls // requests
    result["_top"] = top_functions(profile)
    return result


def top_functions(profile, limit=12) -> list[str]:
    stats = pstats.Stats(profile)
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:limit]
    return [
        f"{own * 1000:8.1f} ms  {filename.split('site-packages/')[-1]}:{func}"
        for (filename, _line, func), (_cc, _nc, own, _cum, _callers) in rows
    ]


def calls_by_node(client, path: str, headers: dict, requests: int) -> Counter:
    """Python calls per request made by each template node itself (its tag, variable or
    filter; what nodes inside it make is theirs), keyed "template:line {% tag %}"; calls
    outside any node are "(no template node)": middleware, the view, its queries."""
    counts, inside = Counter(), ["(no template node)"]
    render = template_base.Node.render_annotated

    def tagged(node, context):
        origin, token = getattr(node, "origin", None), getattr(node, "token", None)
        inside.append(
            f"{origin.template_name if origin else '?'}:{token.lineno if token else 0} "
            f"{token.contents[:60] if token else type(node).__name__}"
        )
        try:
            return render(node, context)
        finally:
            inside.pop()

    def count(_frame, event, _arg):
        if event in ("call", "c_call"):
            counts[inside[-1]] += 1

    client.get(path, **headers)
    template_base.Node.render_annotated = tagged
    sys.setprofile(count)
    try:
        for _ in range(requests):
            client.get(path, **headers)
    finally:
        sys.setprofile(None)
        template_base.Node.render_annotated = render
    return Counter({key: n // requests for key, n in counts.items()})


def api_client() -> tuple[Client, dict]:
    """A test client and the headers of the demo clinician's API token (a real login)."""
    api = Client()
    answer = api.post(
        "/api/v1/auth/login",
        data=json.dumps({"email": EMAIL, "password": PASSWORD}),
        content_type="application/json",
    )
    return api, {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['access_token']}"}


def main(requests: int = 30, top: bool = False, timed: bool = False, nodes: bool = False) -> None:
    """The parts table (under cProfile); `timed=True`: median and p90 ms of each page without
    the profiler, and its ratio to the bare view (API reads: the bare DRF view; sequential
    requests, one process);
    `nodes=True`: per HTML page, its calls by template (base.html's are every page's) and the
    template nodes that make the most."""
    from accounts.models import User
    from patients.models import Patient
    from patients.selectors import SORTS

    # As a gunicorn worker is (core.warmup): the loaded application out of the collector's
    # reach. Unfrozen, a full collection walked it every few allocation-heavy requests (any
    # provider's week of slots: 14.5 ms a request of collecting against 2.9 frozen).
    gc.collect()
    gc.freeze()
    html = Client()
    html.force_login(User.objects.get(email=EMAIL))  # a session row, as the login form leaves
    api, token = api_client()
    patient = Patient.objects.order_by("mrn").values_list("pk", flat=True).first()
    clinician = User.objects.get(email=EMAIL)
    listed = Patient.objects.filter(clinic_id=clinician.clinic_id, is_archived=False)
    deep = max(2, min(4000, listed.count() // 25 // 2))  # the first half: no end to read from
    edge = listed.order_by(*SORTS["name"]).values_list("pk", flat=True)[(deep - 1) * 25 - 1]
    api_size = len(api.get("/api/v1/patients/?search=smi", **token).content)
    pages = [
        ("bare view", html, "/bench/bare/?size=30000", {}),
        ("bare DRF view", api, f"/bench/bare/api/?size={api_size}", token),
        ("patient list, search (HTML)", html, "/patients/?q=smi", {}),
        ("patient list (HTML)", html, "/patients/", {}),
        ("patient list, page 400 (HTML)", html, "/patients/?page=400", {}),
        (f"list, page {deep} by Next (HTML)", html, f"/patients/?page={deep}&after={edge}", {}),
        ("patient page (HTML)", html, f"/patients/{patient}/", {}),
        ("review queue (HTML)", html, "/labs/review/", {}),
        ("patient list, search (API)", api, "/api/v1/patients/?search=smi", token),
        ("patient list (API)", api, "/api/v1/patients/", token),
    ]
    if timed:
        return time_pages(pages, requests)
    if nodes:
        return print_nodes([page for page in pages if page[1] is html], requests)
    columns = ["request", "middleware", "session save", "view + response", "queries"]
    columns += ["audit write", "templates", "SQL compile", "URL reversing", "translation"]
    columns += ["serialisation", "JSON render"]
    counted = ["queries", "writes", "columns", "calls"]
    print("| page (ms of one request) | " + " | ".join(columns + counted) + " |")
    print("|---" * (len(columns) + len(counted) + 1) + "|")
    tops = []
    for name, client, path, headers in pages:
        result = profile_page(client, path, headers, requests)
        cells = " | ".join(f"{result[c]:.1f}" for c in columns)
        counts = " | ".join(str(result[f"{c} (count)"]) for c in counted)
        print(f"| {name} | {cells} | {counts} |", flush=True)
        tops.append((name, result["_top"]))
    if top:
        for name, lines in tops:
            print(f"\n{name}: own time, {requests} requests")
            print("\n".join(lines))


def time_pages(pages, requests: int) -> None:
    """Wall and CPU milliseconds per request. On a shared, loaded machine the wall time mostly
    measures the other processes; the CPU time this process spent (`time.process_time`: Python,
    templates, SQLite's own work; not the fsync waits) moves far less between runs."""
    print("| page | median ms | p90 ms | ÷ bare (median) | CPU ms (median) | CPU ÷ bare |", end="")
    print(" queries | writes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    floors = {}  # per client, its first page: the bare view (HTML) or the bare DRF view (API)
    for name, client, path, headers in pages:
        counted = profile_page(client, path, headers, 1)
        times, cpu = [], []
        for _ in range(requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path, **headers)
            times.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - started_cpu))
        times.sort()
        cpu.sort()
        median, p90, cpu_median = (
            times[len(times) // 2],
            times[int(len(times) * 0.9)],
            cpu[len(cpu) // 2],
        )
        bare, bare_cpu = floors.setdefault(client, (median, cpu_median))
        print(
            f"| {name} | {median:.1f} | {p90:.1f} | {median / bare:.1f}× | {cpu_median:.1f} "
            f"| {cpu_median / bare_cpu:.1f}× | {counted['queries (count)']} "
            f"| {counted['writes (count)']} |",
            flush=True,
        )


def print_nodes(pages, requests: int, limit: int = 15) -> None:
    for name, client, path, headers in pages:
        counts = calls_by_node(client, path, headers, requests)
        templates = Counter()
        for key, n in counts.items():
            templates[key.split(":", 1)[0]] += n
        print(f"\n{name}: {sum(counts.values()):,} Python calls a request")
        print("  by template: " + ", ".join(f"{t} {n:,}" for t, n in templates.most_common(6)))
        for key, n in counts.most_common(limit):
            print(f"  {n:7,}  {key}")
