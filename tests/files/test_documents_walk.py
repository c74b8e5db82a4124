"""The clinic's documents list (`/files/`) pages like the other clinic-wide lists: Next,
Previous and the last pages from the neighbouring page's edge row or from the end
(core.lists.Walk), without skipping the files before them, filters kept; a cursor from
elsewhere falls back to the page number; and "of about" past the exact count's limit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import lists, words
from core.planner import statistics_refresh
from core.roles import Role
from files.models import StoredFile
from files.selectors import file_list
from tests.cursor_walk import follow_next, link, linked_ids, skipped
from tests.files.factories import make_patient, stored_file

pytestmark = pytest.mark.django_db

LIST = "/files/"


@pytest.fixture
def files(clinic, staff, patient):
    """Twelve files of two patients, every third one imaging."""
    grace = make_patient(clinic, first_name="Grace")
    for n in range(12):
        stored_file(
            staff[Role.NURSE],
            patient if n % 2 else grace,
            name=f"letter-{n}.pdf",
            title=f"Letter {n}",
            category="imaging" if n % 3 == 0 else "referral",
        )


@pytest.fixture
def web(client, staff):
    client.force_login(staff[Role.CLINICIAN])
    return client


def newest_first(clinic, **filters) -> list[str]:
    rows = StoredFile.objects.filter(clinic=clinic, deleted_at__isnull=True, **filters)
    return list(rows.order_by("-created_at", "-id").values_list("pk", flat=True))


def rows(response) -> list[str]:
    return linked_ids(response, "/files/")


@pytest.mark.parametrize(
    ("params", "sizes"),
    [({}, [5, 5, 2]), ({"category": "imaging"}, [2, 2])],
    ids=["every file", "one category"],
)
def test_next_and_previous_walk_the_numbered_pages_files(web, clinic, files, params, sizes):
    expected = newest_first(clinic, **params)
    per_page = sizes[0]
    walked, page, steps = follow_next(
        web, LIST, web.get(LIST, {"page_size": per_page, **params}), rows
    )

    assert all("after=" in following and not offset for following, offset in steps), steps
    assert walked == [expected[n : n + per_page] for n in range(0, len(expected), per_page)]
    assert [len(names) for names in walked] == sizes
    with CaptureQueriesContext(connection) as read:
        back = web.get(LIST + link(page, "prev"))
    assert "before=" in link(page, "prev")
    assert not skipped(read)
    assert rows(back) == walked[-2]


def test_a_cursor_from_elsewhere_falls_back_to_the_page_number(
    web, clinic, files, other_clinic, other_staff
):
    elsewhere = stored_file(other_staff[Role.ADMIN], make_patient(other_clinic), name="x.pdf")
    expected = newest_first(clinic)
    for cursor in ("nonsense", "6b15c268fd2e968ceb45fc89", "x" * 200, elsewhere.pk):
        page = web.get(LIST, {"page_size": 5, "page": 2, "after": cursor})
        assert rows(page) == expected[5:10]


def test_a_cursor_naming_a_file_the_list_does_not_hold_falls_back_to_the_page_number(
    client, staff, clinic, patient, files
):
    """A receptionist's documents are the front desk's categories: a cursor naming a clinical
    file, or a deleted one, shows them the numbered page and nothing of that file."""
    for n in range(7):
        stored_file(staff[Role.ADMIN], patient, name=f"card-{n}.pdf", category="id_insurance")
    deleted = StoredFile.objects.filter(category="id_insurance").first()  # the newest card
    StoredFile.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    # Newer than every card: were its key taken, the page after it would hold no card at all.
    clinical = stored_file(staff[Role.ADMIN], patient, name="scan.pdf", category="imaging")
    client.force_login(staff[Role.RECEPTIONIST])
    expected = newest_first(clinic, category="id_insurance")

    for cursor in (clinical.pk, deleted.pk):
        page = client.get(LIST, {"page_size": 5, "page": 2, "after": cursor})
        assert rows(page) == expected[5:6]
        assert clinical.title not in page.content.decode()


def test_the_documents_list_says_about_past_the_exact_count_s_limit(
    web, clinic, files, monkeypatch
):
    assert "Showing 1–5 of 12" in web.get(LIST, {"page_size": 5}).content.decode()

    monkeypatch.setattr(lists, "EXACT_COUNT_UP_TO", 10)

    assert "Showing 1–5 of about 12" in web.get(LIST, {"page_size": 5}).content.decode()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    ("filters", "index"),
    [({}, "file_clinic"), ({"category": "imaging"}, "file_clinic_category")],
    ids=["every file", "one category"],
)
def test_the_documents_are_read_newest_first_off_an_index(files, staff, filters, index):
    """At 200,000 files the page sorted each time's ties by id (no id in the index), and one
    category was counted by reading every live file's row (143 ms)."""
    statistics_refresh()
    listed = file_list(actor=staff[Role.CLINICIAN], **filters)

    page_plan = listed.select_related("patient", "uploaded_by")[:25].explain()
    count_plan = listed.order_by().values("clinic_id")[:10_001].explain()  # count_up_to's

    assert f"INDEX {index} (clinic_id=? AND deleted_at=?" in page_plan, page_plan
    assert "TEMP B-TREE" not in page_plan, page_plan
    # Either index counts the whole list; one category is counted on its own.
    searched = "deleted_at=? AND category=?)" if filters else "deleted_at=?)"
    assert "COVERING INDEX file_clinic" in count_plan, count_plan
    assert f"(clinic_id=? AND {searched}" in count_plan, count_plan


@pytest.fixture
def as_measured_at_200_000_files():
    """The planner's statistics of the benchmark's clinic (bench/run.sh documents: one clinic,
    200,000 live files in five categories) in place of the test's own few files, for the
    test's connection: the plan depends on them. The test's rows come back after it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'files_storedfile'")
        kept = cursor.fetchall()
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'files_storedfile'")
        cursor.executemany(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('files_storedfile', %s, %s)",
            [
                ("file_clinic", "200000 200000 200000 1 1 1"),
                ("file_clinic_category", "200000 200000 200000 40000 1 1"),
            ],
        )
        cursor.execute("ANALYZE sqlite_schema")  # the planner reads the table anew
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'files_storedfile'")
        cursor.executemany(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('files_storedfile', %s, %s)", kept
        )
        cursor.execute("ANALYZE sqlite_schema")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    "role, category",
    [
        (Role.CLINICIAN, "lab_report"),
        (Role.LAB_TECH, "lab_report"),
        (Role.RECEPTIONIST, "id_insurance"),
    ],
)
def test_a_categorys_next_page_walks_its_index_in_order(
    clinic, staff, patient, role, category, as_measured_at_200_000_files
):
    """After a cursor, a lab technician's lab reports were read off their index as two ranges
    and sorted (200,000 files: 66 ms a page against 15): the role's categories named the
    column a second time."""
    for n in range(30):
        stored_file(staff[Role.NURSE], patient, name=f"scan-{n}.pdf", category=category)
    listed = file_list(actor=staff[role], category=category)
    edge = listed[9]

    after = listed.filter(lists.after_key(["-created_at", "-id"], [edge.created_at, edge.pk]))
    plan = after.select_related("patient", "uploaded_by")[:26].explain()

    index = "file_clinic_category (clinic_id=? AND deleted_at=? AND category=? AND created_at<?)"
    assert f"USING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert list(after[:5]) == list(listed[10:15])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_a_common_title_word_is_checked_on_the_index(files, staff, monkeypatch):
    """A word of many titles is checked on each live file in the list's order: on the index,
    which holds the title's words, rather than each file's row (a title no file has: 172 ms a
    page and 175 ms to count at 200,000 files; 38 and 28 on the index)."""
    monkeypatch.setattr(words, "RARE_UP_TO", 0)  # "letter" is in every title here
    statistics_refresh()
    searched = file_list(actor=staff[Role.CLINICIAN], search="letter 1")

    page_plan = searched.select_related("patient", "uploaded_by")[:25].explain()
    count_plan = searched.order_by().values("clinic_id")[:10_001].explain()

    assert "INDEX file_clinic (clinic_id=? AND deleted_at=?)" in page_plan, page_plan
    assert "TEMP B-TREE" not in page_plan, page_plan
    assert "COVERING INDEX file_clinic (clinic_id=? AND deleted_at=?)" in count_plan, count_plan
    assert [f.title for f in searched] == ["Letter 11", "Letter 10", "Letter 1"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_a_rare_title_words_files_are_read_by_id(files, staff, patient):
    """Not every live file of the clinic checked: the word's files from the title index, by id
    (a typo or a rare word: 50 ms a page at 200,000 files)."""
    stored_file(staff[Role.NURSE], patient, name="echo.pdf", title="Echocardiogram report")
    statistics_refresh()
    searched = file_list(actor=staff[Role.CLINICIAN], search="echo")

    page_plan = searched.select_related("patient", "uploaded_by")[:25].explain()

    assert "file_clinic" not in page_plan, page_plan
    assert "sqlite_autoindex_files_storedfile_1 (_id=?)" in page_plan, page_plan
    assert [f.title for f in searched] == ["Echocardiogram report"]
