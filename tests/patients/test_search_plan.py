"""A name search reads the name indexes, not the whole clinic: with SQLite's planner statistics
refreshed (after `migrate` and nightly, core.planner) the query of the patient list's search is
planned as three index ranges whose entries hold the sort key, so a clinic of 1,000,000
patients is searched in about a millisecond. Without statistics SQLite walks every patient of
the clinic in name order (seconds at that size): the plan is the behaviour, so it is asserted.
"""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

import patients.selectors
from core.planner import statistics_refresh, statistics_refresh_after_migrate
from core.words import search_key
from patients.models import Patient
from patients.selectors import (
    ARCHIVED,
    LIST_COLUMNS,
    SORTS,
    STATUSES,
    ids_matching,
    patient_list,
    patient_page,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's planner statistics: other backends keep theirs"
)
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Smita"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Smith"]
NAMES = ("last_name_key", "first_name_key", "preferred_name_key")


@pytest.fixture
def clinic_of_800(clinic):
    """800 patients (bulk-inserted, as an import would) so that the planner has a choice."""
    patients = []
    for n in range(800):
        first, last = FIRST[n % 8], f"{LAST[(n // 8) % 8]}{n}"
        patients.append(
            Patient(
                clinic=clinic,
                mrn=f"P{n:05d}",
                first_name=first,
                last_name=last,
                first_name_key=search_key(first),
                last_name_key=search_key(last),
                date_of_birth=datetime.date(1970, 1, 1),
                sex="female",
            )
        )
    Patient.objects.bulk_create(patients)
    return clinic


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(row[-1] for row in cursor.fetchall())


def test_a_name_search_reads_three_index_ranges_after_the_statistics_refresh(
    clinic_of_800, admin_user
):
    assert statistics_refresh() is True

    page = patient_list(actor=admin_user, search="smi")[:25]
    steps = plan(page)

    assert "patient_name_sort (clinic_id=? AND is_archived=? AND last_name_key>?" in steps
    assert "patient_first_name (clinic_id=? AND is_archived=? AND first_name_key>?" in steps
    assert "patient_preferred_name (clinic_id=? AND is_archived=? AND preferred" in steps
    assert "SCAN" not in steps
    found = list(page)
    assert len(found) == 25
    assert all("smi" in (p.first_name_key[:3], p.last_name_key[:3]) for p in found)
    assert found == sorted(found, key=lambda p: (p.last_name_key, p.first_name_key, p.pk))


def test_the_statistics_are_refreshed_after_migrate_and_nightly(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1")  # written by the post_migrate hook
        assert cursor.fetchone()[0] > 0
    nightly = {entry["call"]: entry for entry in settings.PERIODIC_TASKS.values()}
    assert nightly["core.planner.statistics_refresh"]["every"] == 24 * 60 * 60


def test_the_api_sorts_a_search_before_joining_the_users_of_its_page(clinic_of_800, admin_api):
    with CaptureQueriesContext(connection) as queries:
        body = admin_api.get("/api/v1/patients/", {"search": "smi"}).json()

    matching = [n for n in range(800) if FIRST[n % 8] == "Smita" or LAST[(n // 8) % 8] == "Smith"]
    assert body["count"] == len(matching) and len(body["results"]) == 25
    sorted_pages = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
    assert sorted_pages and not any("JOIN" in sql for sql in sorted_pages)
    assert all("created_by" in row for row in body["results"])


def vm_steps(queryset) -> int:
    """SQLite's virtual-machine steps to read `queryset`: the work of a plan, counted the same on
    every run (sqlite3's progress handler, called every 100 steps)."""
    steps = 0

    def count():
        nonlocal steps
        steps += 100

    raw = connection.connection
    raw.set_progress_handler(count, 100)
    try:
        list(queryset.all())  # a fresh read, not the queryset's cache
    finally:
        raw.set_progress_handler(None, 100)
    return steps


def test_a_two_word_search_walks_the_names_of_its_longer_word(clinic_of_800, admin_user):
    """SQLite walks the names that start with the first word it is given and checks the other
    word on each. "a" starts 300 of these names and "smith" 100 (3,100 steps against 4,500
    here), so the words are given longest first ("jo smi" at 1,000,000 patients: 49 -> 8 ms)."""
    statistics_refresh()
    shorter_first = patient_list(actor=admin_user).filter(
        Q.create([Q(**{f"{key}__gte": "a", f"{key}__lt": "a\uffff"}) for key in NAMES], "OR"),
        Q.create(
            [Q(**{f"{key}__gte": "smith", f"{key}__lt": "smith\uffff"}) for key in NAMES], "OR"
        ),
    )

    either_order = [patient_list(actor=admin_user, search=q) for q in ("a smith", "smith a")]

    assert [list(found) for found in either_order] == [list(shorter_first)] * 2
    assert {(p.first_name[0], p.last_name[:5]) for p in shorter_first} == {("A", "Smith")}
    assert all(vm_steps(found) < vm_steps(shorter_first) * 0.8 for found in either_order)


def test_a_two_word_search_is_counted_from_the_name_indexes_alone(clinic_of_800, admin_user):
    """Every name index holds all three names, so the second word is checked on the index entry
    and counting a search never reads a patient's row ("jo smi" at 1,000,000 patients: the count
    5.0 -> 0.7 ms, the HTML list 28 -> 13 ms)."""
    statistics_refresh()
    found = patient_list(actor=admin_user, search="a smith")

    steps = plan(found.order_by().values("pk"))

    for index in ("patient_name_sort", "patient_first_name", "patient_preferred_name"):
        assert f"USING COVERING INDEX {index} " in steps
    assert "SCAN" not in steps
    expected = [n for n in range(800) if FIRST[n % 8][0] == "A" and LAST[(n // 8) % 8] == "Smith"]
    assert found.count() == len(expected) == 24


@pytest.fixture
def some_archived(clinic_of_800):
    """One patient in ten archived (80 of 800), then the statistics refreshed."""
    Patient.objects.filter(mrn__endswith="6").update(is_archived=True)
    statistics_refresh()
    return clinic_of_800


def in_order(patients, status: str, sort: str) -> list:
    """The patients of `status` in the list's `sort`, sorted in Python."""
    fields = [name.lstrip("-").replace("id", "pk") for name in SORTS[sort]]
    kept = [p for p in patients if p.is_archived in ARCHIVED[status]]
    key = lambda p: [getattr(p, name) for name in fields]  # noqa: E731
    return sorted(kept, key=key, reverse=sort.startswith("-"))


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_is_listed_in_each_order_from_an_index(some_archived, admin_user, status):
    """A page reads its 25 entries in order from an index, whatever the clinic's size: sorting
    the clinic instead cost 0.3-1.4 s a page at 1,000,000 patients ("Active and archived" by
    name or newest first, "Archived" by date of birth)."""
    patients = list(Patient.objects.filter(clinic=some_archived))

    for sort in SORTS:
        found = patient_list(actor=admin_user, status=status, sort=sort)
        steps = plan(found[:25])

        assert "TEMP B-TREE" not in steps and "SCAN" not in steps, (sort, steps)
        assert list(found[:25]) == in_order(patients, status, sort)[:25], sort


@pytest.mark.parametrize("status", STATUSES)
def test_a_search_of_any_status_reads_the_name_indexes(some_archived, admin_user, status):
    """ "Active and archived" is `is_archived IN (0, 1)`, not no condition: a search then reads
    the three name ranges of each status instead of every name of the clinic (the labs, files
    and messaging searches for a patient: 116 ms -> 0.8 at 1,000,000 patients)."""
    patients = list(Patient.objects.filter(clinic=some_archived))

    found = patient_list(actor=admin_user, status=status, search="a smith")
    steps = plan(found)

    assert "patient_name_sort (clinic_id=? AND is_archived=? AND last_name_key>?" in steps
    assert "patient_first_name (clinic_id=? AND is_archived=? AND first_name_key>?" in steps
    assert "SCAN" not in steps
    expected = [
        p
        for p in in_order(patients, status, "name")
        if p.first_name[0] == "A" and p.last_name.startswith("Smith")
    ]
    assert list(found) == expected and expected


def test_another_apps_patient_filter_reads_the_name_indexes_without_a_sort(
    clinic_of_800, admin_user
):
    """The lab, file and message lists' patient filter wants ids, not a name order: sorting
    every match of "a" took 6.4 ms at 100,000 patients, 0.4 without."""
    statistics_refresh()
    with CaptureQueriesContext(connection) as queries:
        found = ids_matching(actor=admin_user, search="a")
    [sql] = [query["sql"] for query in queries if "patients_patient" in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        steps = "\n".join(row[-1] for row in cursor.fetchall())

    assert "patient_name_sort (clinic_id=? AND is_archived=? AND last_name_key>?" in steps
    assert "TEMP B-TREE" not in steps, steps
    starts_a = Q(first_name_key__startswith="a") | Q(last_name_key__startswith="a")
    assert sorted(found) == sorted(Patient.objects.filter(starts_a).values_list("pk", flat=True))


@pytest.fixture
def clinic_of_1500(clinic):
    """More patients than a sampled ANALYZE reads of an index (about 1,000), 3 in 8 named A…."""
    last = ["Adams", "Allen", "Baker", "Smith", "Jones", "Brown", "Avery", "Clark"]
    Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            mrn=f"P{n:05d}",
            first_name="Jo",
            last_name=f"{last[n % 8]}{n}",
            first_name_key="jo",
            last_name_key=search_key(f"{last[n % 8]}{n}"),
            date_of_birth=datetime.date(1970, 1, 1),
            sex="female",
        )
        for n in range(1500)
    )
    return clinic


def test_a_page_of_a_broad_search_is_read_by_id_once_the_clinic_is_counted(
    clinic_of_1500, admin_user
):
    """The API reads a page's 25 rows again by id (core.lists.loaded_by_id). Statistics from
    SQLite's usual sample of each index (about 1,000 entries) count the clinic as about 1,000
    patients, and SQLite read those 25 through the name indexes instead: every patient "a"
    starts (562 here; 15,844 of 100,000 in the benchmark, 7.3 ms against 0.2). Counted, they
    are read by id."""
    found = patient_list(actor=admin_user, search="a")
    page = found.filter(pk__in=list(found.values_list("pk", flat=True)[:25]))

    statistics_refresh()
    steps = plan(page)

    assert "USING INDEX sqlite_autoindex_patients_patient_1 (_id=?)" in steps
    assert "MULTI-INDEX OR" not in steps
    assert len(page) == 25


NAME_INDEXES = ("patient_name_sort", "patient_first_name")


def test_after_migrate_only_indexes_never_counted_are_read(clinic_of_800):
    """A deploy's `migrate` counts the indexes it added; the others keep the night's statistics
    (reading every index of a large file again would take minutes)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1 WHERE idx IN (%s, %s)", NAME_INDEXES)
        cursor.execute(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) "
            "VALUES ('patients_patient', 'patient_first_name', '7 7')"
        )

    statistics_refresh_after_migrate()

    with connection.cursor() as cursor:
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE idx IN (%s, %s)", NAME_INDEXES)
        stats = dict(cursor.fetchall())
    assert stats["patient_name_sort"].startswith("800 800 ")  # counted: 800 of one clinic
    assert stats["patient_first_name"] == "7 7"


def count_plans(queries) -> list[str]:
    """The plans of the counts among the captured queries."""
    plans = []
    for query in queries:
        if "COUNT(*)" in query["sql"] and "patients_patient" in query["sql"]:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
                plans.append("\n".join(row[-1] for row in cursor.fetchall()))
    return plans


@pytest.mark.parametrize(
    ("status", "sort", "index"),
    [
        ("active", "name", "patient_name_sort (clinic_id=? AND is_archived=?)"),
        ("active", "dob", "patient_status_dob (clinic_id=? AND is_archived=?)"),
        ("all", "name", "patient_all_names (clinic_id=?)"),
        ("all", "-created", "patient_all_created (clinic_id=?)"),
    ],
)
def test_a_short_word_many_first_names_start_walks_the_lists_order(
    clinic_of_800, admin_user, monkeypatch, status, sort, index
):
    """ "a" starts 200 first names here (Ada, Alan) and 100 surnames (Allen): past DENSE_FROM the
    page walks the list's index in its order and stops at 25, instead of fetching and sorting
    every match (at 1,000,000 patients 72 -> 2.3 ms by name, 267 -> 2.4 by date of birth). Its
    count still reads the name indexes: counting a walk reads the whole clinic."""
    monkeypatch.setattr(patients.selectors, "DENSE_FROM", 150)
    statistics_refresh()
    listed = {"search": "a", "status": status, "sort": sort}
    indexed = patient_list(actor=admin_user, **listed, may_walk=False)

    with CaptureQueriesContext(connection) as queries:
        page = patient_page(actor=admin_user, **listed, columns=LIST_COLUMNS)
    walked = patient_list(actor=admin_user, **listed)

    steps = plan(walked[:25])
    assert f"USING INDEX {index}" in steps
    assert "TEMP B-TREE" not in steps and "MULTI-INDEX OR" not in steps
    assert vm_steps(walked[:25]) < vm_steps(indexed[:25]) / 2
    assert [p.pk for p in page] == [p.pk for p in indexed[:25]]
    starts_a = [n for n in range(800) if FIRST[n % 8][0] == "A" or LAST[(n // 8) % 8][0] == "A"]
    assert page.paginator.count == len(starts_a)
    probe, count = count_plans(queries)  # the first and preferred names; every match
    assert "COVERING INDEX patient_first_name" in probe and "last_name" not in probe
    assert "COVERING INDEX patient_name_sort" in count and "SCAN patients" not in count
    assert page.paginator.count == len(indexed)


@pytest.mark.parametrize("search", ["kn", "sm"])
def test_other_short_searches_read_the_name_indexes(clinic_of_800, admin_user, monkeypatch, search):
    """Surnames do not make a word common: Knuth's 100 sit together in the name order, where a
    walk could read the whole clinic before it met them. "sm" starts 100 first names (Smita),
    not more than DENSE_FROM."""
    monkeypatch.setattr(patients.selectors, "DENSE_FROM", 150)
    statistics_refresh()

    steps = plan(patient_list(actor=admin_user, search=search)[:25])

    assert "MULTI-INDEX OR" in steps


def test_a_page_jumped_to_by_number_reads_the_name_indexes(clinic_of_800, admin_user, monkeypatch):
    """Page 4 by its number is read by OFFSET: a walk would read every entry before it (at
    1,000,000 patients and the rarest common word, page 100 by birth date: about 0.7 s)."""
    monkeypatch.setattr(patients.selectors, "DENSE_FROM", 150)
    statistics_refresh()

    with CaptureQueriesContext(connection) as queries:
        page = patient_page(actor=admin_user, search="a", number=4, columns=LIST_COLUMNS)

    [read] = [q["sql"] for q in queries if "LIMIT 25 OFFSET 75" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {read}")
        assert "MULTI-INDEX OR" in "\n".join(row[-1] for row in cursor.fetchall())
    indexed = patient_list(actor=admin_user, search="a", may_walk=False)
    assert [p.pk for p in page] == [p.pk for p in indexed[75:100]]


@pytest.mark.parametrize(
    "path", ["/patients/?q=a", "/patients/?q=a&page=1", "/patients/search/?q=a"]
)
def test_the_list_and_the_header_walk_a_common_short_word(
    clinic_of_800, admin_web, monkeypatch, path
):
    monkeypatch.setattr(patients.selectors, "DENSE_FROM", 150)

    with CaptureQueriesContext(connection) as queries:
        assert admin_web.get(path).status_code == 200

    reads = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
    assert any("SUBSTR" in sql for sql in reads if "patients_patient" in sql)


def test_the_api_walks_a_common_short_word(clinic_of_800, admin_api, monkeypatch):
    monkeypatch.setattr(patients.selectors, "DENSE_FROM", 150)

    with CaptureQueriesContext(connection) as queries:
        body = admin_api.get("/api/v1/patients/", {"search": "a"}).json()

    reads = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
    assert any("SUBSTR" in sql for sql in reads) and len(body["results"]) == 25
