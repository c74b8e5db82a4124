"""The list kit: one paginator for HTML pages and the API, auditing the patients each page shows.

A selector builds the queryset; `page_of` cuts the page and hands its rows to `on_page` (the
owning app's audit of the patients shown). HTML views render `includes/list_page.html`'s blocks;
API views answer with `core.api.page_response`.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from core.errors import TooBroad

PER_PAGE = 25
MAX_PER_PAGE = 100


def page_size(value, default: int = PER_PAGE) -> int:
    """A requested page size clamped to 1..MAX_PER_PAGE; anything unreadable is the default."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return default
    return max(1, min(size, MAX_PER_PAGE))


def positive_int_param(name: str, value, *, maximum: int | None = None) -> int:
    """A `?page=` / `?page_size=` value that must be a whole number from 1 (clamped to `maximum`);
    anything else is a ValidationError saying so (the API answers 400 with it)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:  # "²".isdigit()
        raise ValidationError({name: [_("Must be a whole number of at least 1.")]}, code="invalid")
    number = int(text)
    return min(number, maximum) if maximum else number


# Lists up to this many rows are counted exactly; a longer one is "about N" where allowed.
EXACT_COUNT_UP_TO = 10_000
ESTIMATE_SECONDS = 600
# A count kept this far past the limit stands without counting up to it again: a clinic's
# work does not take a list from there to under the limit within ESTIMATE_SECONDS.
TRUSTED_PAST = 1.25


class ListPaginator(Paginator):
    """Django's Paginator, but a first page shorter than a page is the whole list: its length is
    the count, and no count query is made. Most searches find a handful of rows, and page 1 is
    where every list opens. `counted`: the same rows written to be counted cheaply (a list
    whose page walks its order while a count reads an index of matches; see page_of)."""

    def __init__(self, object_list, per_page, *, counted=None):
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return super().count if self.counted is None else self.counted.count()

    def validate_number(self, number):
        if number == 1 or number == "1":  # page 1 always exists (an empty list has one)
            return 1
        return super().validate_number(number)

    def page(self, number):
        number = self.validate_number(number)
        if number != 1 or "count" in self.__dict__:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.count = len(rows)
        return self._get_page(rows, 1, self)


class EstimatingPaginator(ListPaginator):
    """Counts exactly up to EXACT_COUNT_UP_TO rows (one bounded count: the same cost for a
    clinic of 10,000 patients or 1,000,000), and above that shows the exact count taken at most
    once per ESTIMATE_SECONDS per query (cached), flagged `estimated` ("of about N"). Numbered
    pages need a total; counting a million index entries on every page view does not. A list
    even a bounded count would read too much of is given an `estimate` instead (see `page`)."""

    estimated = False

    def __init__(
        self, object_list, per_page, *, estimate: Callable[[], int] | None = None, counted=None
    ):
        super().__init__(object_list, per_page, counted=counted)
        self.estimate = estimate

    @cached_property
    def count(self) -> int:
        """A list recently counted well past the limit keeps that count without the bounded one
        (10,001 index entries, 1-3 ms a page at 100,000 patients). One near the limit is counted
        up to it every time: it may have fallen under it since, and a count too high places the
        pages read from the end (Walk) wrongly."""
        if self.estimate is not None:
            self.estimated = True
            return self.estimate()
        rows = (self.object_list if self.counted is None else self.counted).order_by()
        try:
            # Keyed on the rows, not on what a page reads of them: page 1 (whole rows) and the
            # pages after it (ids, page_of(by_id=True)) share one count.
            key = cache_key("count", rows.values("pk").query)
        except EmptyResultSet:  # a filter no row can meet (ids of none), which has no SQL
            return 0
        recent = cache.get(key)
        if recent is None or recent <= EXACT_COUNT_UP_TO * TRUSTED_PAST:
            if (bounded := count_up_to(rows, EXACT_COUNT_UP_TO)) <= EXACT_COUNT_UP_TO:
                return bounded
            if recent is None:
                recent = rows.count()
                cache.set(key, recent, ESTIMATE_SECONDS)
        self.estimated = True
        return recent

    def page(self, number):
        """With an `estimate`: the page read with one row more, which tells whether another
        follows; the count is then the estimate (held above what was seen) while rows remain,
        and exact once they do not. The caller bounds what a page past the end reads."""
        if self.estimate is None:
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        offset = (number - 1) * self.per_page
        rows = list(self.object_list[offset : offset + self.per_page + 1])
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        seen = offset + len(rows)
        self.count = max(self.estimate(), seen + 1) if more else seen
        self.estimated = more
        return self._get_page(rows, number, self)


def count_up_to(rows, limit: int) -> int:
    """How many rows, counting no further than `limit + 1` (more than `limit`: "limit+")."""
    # Count a column every clinic index starts with, not the primary key: SQLite then counts
    # from the index alone (4,653 matches of a name search at 1M patients: 9 ms -> 1 ms).
    fields = {field.attname for field in rows.model._meta.concrete_fields}
    narrow = rows.order_by().values("clinic_id" if "clinic_id" in fields else "pk")
    return narrow[: limit + 1].count()


def starts_with(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, written as a range so every backend walks its index."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\uffff"})


def showing(rows, columns):
    """`rows` reading only `columns` (the page's whole list of what it shows: the ORM spends ~20
    µs on each column of each query), joined to the relations they name and no others."""
    related = {column.rsplit("__", 1)[0] for column in columns if "__" in column}
    return rows.select_related(None).select_related(*related).only(*columns)


def cache_key(name: str, query) -> str:
    """`name` and the query a cached value describes (its SQL, hashed: a search term never
    becomes a cache key)."""
    return f"lists:{name}:" + hashlib.sha256(str(query).encode()).hexdigest()


def cached_for(name: str, query, compute: Callable, seconds: int):
    """`compute()` kept for `seconds`, so a costly total is taken at most that often."""
    return cache.get_or_set(cache_key(name, query), compute, seconds)


@dataclass
class Walk:
    """How a numbered HTML page may be reached without walking an OFFSET: from a neighbour's
    edge row (`after`: Next; `before`: Previous; ids from the page's `next_cursor` /
    `previous_cursor`) or, in the second half of the list, from its end. `order` is the list's
    sort (ending in a unique field; default: the queryset's own); `edges` the rows a cursor may
    name (default: the list).
    A cursor names a row, not its key: `order`'s fields must hold no NULL (after_key compares)
    and should not change while someone pages (a row whose key moved would move the next page
    with it, where an OFFSET shifts by a row)."""

    order: list[str] | None = None
    after: str = ""
    before: str = ""
    edges: object = None

    def rows(self, queryset, page) -> list | None:
        """The page's rows by keyset or from the end; None where only the OFFSET serves (the
        first half of the list, or a cursor that no longer names a row: stale, or made up)."""
        if page.number == 1:  # the list's start, wherever the cursor points: no keyset to walk
            return None
        order = list(self.order or queryset.query.order_by)
        reverse = [field[1:] if field.startswith("-") else f"-{field}" for field in order]
        per_page = page.paginator.per_page
        if self.after or self.before:
            edges = queryset if self.edges is None else self.edges  # (`or` would load a QuerySet)
            try:
                key = edge_key(edges, self.after or self.before, order)
            except ValidationError:
                return None
            if self.after:
                rows = queryset.filter(after_key(order, key)).order_by(*order)
                return list(rows[:per_page]) or None
            rows = queryset.filter(after_key(reverse, key)).order_by(*reverse)
            return list(rows[:per_page])[::-1] or None
        count = page.paginator.count
        from_end = count - page.end_index()
        if page.number > 1 and from_end < page.start_index() - 1:
            size = page.end_index() - page.start_index() + 1
            return list(queryset.order_by(*reverse)[from_end : from_end + size])[::-1]
        return None


def page_of(
    queryset,
    *,
    number=1,
    per_page: int = PER_PAGE,
    on_page: Callable[[list], None] | None = None,
    strict: bool = False,
    estimate_count: bool = False,
    walk: Walk | None = None,
    load: Callable[[list], list] | None = None,
    estimate: Callable[[], int] | None = None,
    counted=None,
    by_id: bool = False,
) -> Page:
    """The page `number` with its rows loaded once, handed to `on_page` (the audit).

    HTML pages get the nearest page for an out-of-range or malformed number; `strict=True` (the
    API) raises django.core.paginator.InvalidPage instead, which the API answers with a 404.
    `estimate_count=True` (a list that can hold a whole clinic): an EstimatingPaginator; an
    estimate a little above the truth leaves pages past the end empty, and those are 404s too.
    `walk` (an HTML list that can be long): Next, Previous and the last pages cost what the
    first does (see Walk); the page then carries `next_cursor` and `previous_cursor`.
    `load`: the page's rows read again with what the queryset leaves out (see `loaded_by_id`).
    `estimate`: the list's size as the caller can tell it cheaply, shown as "about" (where
    counting the rows would read more than the page does: a search for common words); see
    EstimatingPaginator.page.
    `counted`: the same rows as `queryset`, written for the count (the patient list's short
    searches walk the list's order for a page, which would read the whole clinic to count).
    `by_id`: a page past the first is found by its ids alone, without the queryset's joins,
    and then read by id (as keyset_page's; not with a `load` of the caller's): an OFFSET
    otherwise joins every row it skips (the clinic's documents, page 4,000 typed by its
    number: 100,000 rows joined to their patient and uploader). Page 1 is read whole: one
    query, where the ids would add one. For a list that can hold a clinic: one patient's
    pages skip a few rows, and the ids would cost a query more for nothing (but a patient's
    access log, a row for every read of the record, can run to thousands).
    """
    if by_id and load is not None:
        raise ValueError("page_of: by_id reads the page's rows itself; give it no `load`.")
    if by_id and not is_first_page(number):
        load, queryset = loaded_by_id(queryset), ids_only(queryset)
    if estimate is not None:
        paginator = EstimatingPaginator(queryset, per_page, estimate=estimate, counted=counted)
    else:
        kind = EstimatingPaginator if estimate_count else ListPaginator
        paginator = kind(queryset, per_page, counted=counted)
    page = paginator.page(number) if strict else paginator.get_page(number)
    walked = walk.rows(queryset, page) if walk is not None else None
    page.object_list = walked if walked is not None else list(page.object_list)
    if load is not None and page.object_list:
        page.object_list = load(page.object_list)
    if strict and not page.object_list and page.number > 1:
        raise EmptyPage(paginator.error_messages["no_results"])
    rows = page.object_list
    page.next_cursor = cursor_for(rows[-1]) if walk and rows and page.has_next() else None
    page.previous_cursor = cursor_for(rows[0]) if walk and rows and page.has_previous() else None
    if on_page is not None and page.object_list:
        on_page(page.object_list)
    return page


def is_first_page(number) -> bool:
    """Whether a page number asks for page 1 (none does too). Any other, malformed or out of
    range, may be answered with the last page, by OFFSET: an HTML list's `?page=0` is."""
    return number in (None, "", 1, "1")


def filtered_page(form, read_page: Callable[..., Page], **filters) -> Page:
    """`read_page(**filters)` for an HTML list; when its service refuses the filters (TooBroad),
    an empty page, with the refusal on `form` for includes/list_page.html to show in place of the
    list. (The API answers the same refusal with a 400.)"""
    try:
        return read_page(**filters)
    except TooBroad as exc:
        form.add_error(None, exc.message)
        return ListPaginator([], PER_PAGE).page(1)


def loaded_by_id(queryset) -> Callable[[list], list]:
    """A `load` for `page_of` / `keyset_page`: the page's rows again from `queryset` (with its
    joins) by id, in the page's order. The page is then cut from the list without the joins:
    SQLite joins every match before it sorts (an API name search at 1,000,000 patients, three
    users joined: 15 ms -> 2 ms + one query of 25 ids)."""

    def load(rows: list) -> list:
        found = queryset.in_bulk([row.pk for row in rows])
        return [found[row.pk] for row in rows if row.pk in found]

    return load


def ids_only(rows):
    """`rows` without their joins, reading the id alone (`keyset_page(by_id=True)`)."""
    return rows.select_related(None).prefetch_related(None).only("id")


def audited_by_patient(*, actor, patient_of: Callable = lambda row: row.patient_id, detail=""):
    """An `on_page` that writes one 'view' row per patient on the page (the list audit policy)."""
    from core.audit import audit_patients_read

    def on_page(rows):
        audit_patients_read(actor=actor, patient_ids=[patient_of(r) for r in rows], detail=detail)

    return on_page


# --- keyset pages: page 4,000 costs what page 1 costs ------------------------------------------
def cursor_for(row) -> str:
    """A cursor (`?cursor=`, `?after=`, `?before=`): the id of the page's edge row. Only an
    opaque id: the sort key itself (a name) would put patient data into addresses and logs."""
    return str(row.pk)


def edge_key(edges, cursor: str, order: list[str]) -> list:
    """The sort key of the row a cursor names, looked up among `edges` (so within reach); a
    ValidationError (400) for anything that is not one of those rows."""
    fields = [field.lstrip("-") for field in order]
    values = None
    if isinstance(cursor, str) and 0 < len(cursor) <= 64:
        try:
            values = edges.filter(pk=cursor).values_list(*fields).first()
        except (ValueError, TypeError, ValidationError):  # an id the backend cannot read
            values = None
    if values is None:
        raise ValidationError({"cursor": [_("Not a cursor from this list.")]}, code="invalid")
    return list(values)


def after_key(order: list[str], values: list) -> Q:
    """Rows strictly after `values` in `order`, written so an index on `order` is walked from
    that point: `a >= x AND (a > x OR (a = x AND (b > y OR ...)))` (both backends)."""
    condition = None
    for field, value in reversed(list(zip(order, values, strict=True))):
        name = field.lstrip("-")
        beyond = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        condition = beyond if condition is None else beyond | (Q(**{name: value}) & condition)
    first, value = order[0], values[0]
    start = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": value})
    return start & condition


def keyset_page(
    queryset,
    *,
    order: list[str] | None = None,
    cursor: str = "",
    per_page: int = PER_PAGE,
    on_page: Callable[[list], None] | None = None,
    edges=None,
    load: Callable[[list], list] | None = None,
    by_id: bool = False,
) -> tuple[list, str | None]:
    """The `per_page` rows after `cursor` (the first ones for ""), in `order` (default: the
    queryset's own; it must end in a unique field and hold no NULL), handed to `on_page`; and
    the cursor of the next page, None on the last. No count and no OFFSET: each page is one
    index walk of per_page + 1 rows (and, after the first, one lookup of the edge row among
    `edges`, default the list itself). `load`: as `page_of`'s. `by_id`: walk ids alone,
    without the queryset's joins, then read the page's rows with them by id. With the joins
    SQLite may drive the query from a joined table: the clinic's lab results after a cursor
    scanned every patient (1.1 s at 1,000,000 results)."""
    order = list(order or queryset.query.order_by)
    if not order:
        raise ValueError("keyset_page needs an order: the queryset's order_by() or its own.")
    if by_id:
        load, queryset = loaded_by_id(queryset), ids_only(queryset)
    if cursor:
        key = edge_key(queryset if edges is None else edges, cursor, order)
        queryset = queryset.filter(after_key(order, key))
    rows = list(queryset.order_by(*order)[: per_page + 1])
    more, rows = len(rows) > per_page, rows[:per_page]
    if load is not None and rows:
        rows = load(rows)
    if on_page is not None and rows:
        on_page(rows)
    return rows, cursor_for(rows[-1]) if more else None
