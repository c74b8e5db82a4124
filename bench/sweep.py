"""Every page a user can reach and every value of its filters, timed on a benchmark file.

The benchmarks measure the pages someone chose; a filter nobody put in a scenario can still read
a whole table (the review queue's "critical only" read every result of the clinic, 0.66 s at
1,000,000 results, until the twenty-sixth round found it this way). Run through `manage.py
shell` with the benchmark's settings, as bench/profile_pages.py (bench/README.md, "Every page
and every filter").

- HTML: from the staff home, as the demo clinician and one user of each other staff role, it
  follows the site's own links (at most PER_SHAPE URLs of each shape, ids replaced by `{id}`;
  nothing that signs out or deletes), and on each page fills every GET form (the list filters)
  one field at a time: each option of a select, each checkbox, a search box with "smi" and "a"
  (with the form's hidden fields, as a browser sends them).
- API: each GET path of the OpenAPI schema without an id in it, and a patient's own lists (the
  patient with the most lab results, else notes), with each value of each enum or true/false
  parameter and "smi" / "a" for `search`.

Each URL is requested once to warm up, then `repeat` times; it prints the slowest (the minimum
of the repeats, in ms, with the statements of one request) and every answer that is not 200,
302, 400, 403 or 404: a 500 is a bug, whatever its speed."""

import re
import time
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.test import Client

from bench.profile_pages import EMAIL, api_client

PER_SHAPE = 2
MAX_PAGES = 400
SEARCHES = ("smi", "a")
SKIPPED = re.compile(r"logout|delete|/static/|/media/|/admin/|/bench/|download|\.ics$|\.csv$")
ID = re.compile(r"[0-9a-f]{24}")
EXPECTED = {200, 302, 400, 403, 404}


class Page(HTMLParser):
    """The links and the GET forms of one page: {field: [values to try]} for each form."""

    def __init__(self):
        super().__init__()
        self.links, self.forms = [], []
        self._form = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self._form = {"action": attrs.get("action") or "", "fields": {}, "hidden": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "select" and attrs.get("name"):
            self._select = self._form["fields"].setdefault(attrs["name"], [])
        elif tag == "option" and self._select is not None and attrs.get("value"):
            self._select.append(attrs["value"])
        elif tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind == "hidden":  # kept in every variant, as the browser sends it (the patient)
                self._form["hidden"][attrs["name"]] = attrs.get("value") or ""
            elif kind == "checkbox":
                self._form["fields"][attrs["name"]] = [attrs.get("value") or "on"]
            elif kind in ("text", "search") and attrs["name"] in ("q", "search"):
                self._form["fields"][attrs["name"]] = list(SEARCHES)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def shape(url: str) -> str:
    path, _, query = url.partition("?")
    path = ID.sub("{id}", path)
    return f"{path}?{'&'.join(sorted(p.split('=')[0] for p in query.split('&') if p))}"


def timed(client, url: str, headers: dict, repeat: int) -> tuple[float, int, int, object]:
    response = client.get(url, **headers)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, **headers)
        best = min(best, time.perf_counter() - started)
    return 1000 * best, response.status_code, int(response.get("X-Queries", 0)), response


def crawl(client, who: str, repeat: int, rows: list) -> None:
    seen, shapes, queue = set(), Counter(), ["/"]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        ms, status, queries, response = timed(client, url, {}, repeat)
        rows.append((ms, status, queries, f"{who} {url}"))
        if status != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = Page()
        page.feed(response.content.decode())
        found = [urljoin(url, link) for link in page.links]
        for form in page.forms:
            action = urljoin(url, form["action"]) if form["action"] else url.split("?")[0]
            for field, values in form["fields"].items():
                found += [
                    f"{action}?{urlencode({**form['hidden'], field: value})}" for value in values
                ]
        for link in found:
            parts = urlsplit(link)
            elsewhere = parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver")
            if elsewhere or SKIPPED.search(parts.path):  # tel:, mailto:, other sites
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link not in seen and shapes[shape(link)] < PER_SHAPE:
                shapes[shape(link)] += 1
                queue.append(link)


def api_urls(patient_id: str | None) -> list[str]:
    from drf_spectacular.generators import SchemaGenerator

    urls = []
    for path, operations in (
        SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    ):
        if "get" not in operations:
            continue
        if "{" in path:
            own_list = re.fullmatch(r"/api/v1/patients/\{id\}/[a-z-]+/", path)
            if not (own_list and patient_id):
                continue
            path = path.replace("{id}", patient_id)
        urls.append(path)
        for parameter in operations["get"].get("parameters", []):
            schema, name = parameter.get("schema", {}), parameter["name"]
            if parameter.get("in") != "query":
                continue
            values = schema.get("enum") or (SEARCHES if name == "search" else ())
            urls += [f"{path}?{urlencode({name: value})}" for value in values if value]
    return urls


def main(repeat: int = 2, slowest: int = 40) -> None:
    from django.db.models import Count

    from accounts.models import User
    from labs.models import LabResult
    from notes.models import Note

    clinician = User.objects.get(email=EMAIL)
    rows: list = []
    staff = User.objects.filter(clinic=clinician.clinic, is_active=True).order_by("email")
    for role in ("clinician", "admin", "nurse", "receptionist", "lab_tech"):
        user = clinician if role == "clinician" else staff.filter(role=role).first()
        if user is not None:  # each role's pages, and its 403s, are its own
            client = Client()
            client.force_login(user)
            crawl(client, role, repeat, rows)
    api, token = api_client()
    busiest = None
    for model in (LabResult, Note):
        counted = model.objects.filter(clinic_id=clinician.clinic_id).values("patient_id")
        top = counted.annotate(n=Count("pk")).order_by("-n").first()
        busiest = busiest or (top and top["patient_id"])
    for url in api_urls(busiest):
        ms, status, queries, _response = timed(api, url, token, repeat)
        rows.append((ms, status, queries, f"api {url}"))
    rows.sort(reverse=True)
    print(f"{len(rows)} requests; the slowest {slowest} (ms, the minimum of {repeat}):\n")
    print("| ms | status | queries | who and URL |\n|---:|---:|---:|---|")
    for ms, status, queries, what in rows[:slowest]:
        print(f"| {ms:.1f} | {status} | {queries} | `{what}` |")
    unexpected = [row for row in rows if row[1] not in EXPECTED]
    print(f"\nAnswers other than {sorted(EXPECTED)}: {len(unexpected)}")
    for ms, status, queries, what in unexpected:
        print(f"| {ms:.1f} | {status} | {queries} | `{what}` |")
