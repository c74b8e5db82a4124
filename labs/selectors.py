"""Reads of lab data, built on the one access rule (core.access).

- `<thing>_get(*, actor, id, permission=...)`: one record, 404 outside reach, then 403 unless the
  role grants `permission`; reads of patient data are audited (writes pass `audited=False`: the
  service audits the write).
- `<thing>_list(*, actor, ...)`: the rows in reach, filtered (unaudited; the page that shows them
  declares its permission).
- `<thing>_page(*, actor, number, per_page, strict, ...)`: one page of a list, with one audit
  'view' row per patient shown (core.lists.audited_by_patient), for the HTML pages and the API.

Staff reach their clinic's rows; a patient user reaches the final and corrected results of their
own (non-archived) record, and nothing of the catalogue or the orders.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.access import MAX_ID_LENGTH, get_in_reach, get_or_404, in_reach, is_patient_user
from core.audit import EXPORT, VIEW, audit, audit_patients_read
from core.lists import (
    PER_PAGE,
    Walk,
    audited_by_patient,
    cached_for,
    count_up_to,
    keyset_page,
    page_of,
    showing,
)
from core.roles import Role, require
from core.words import containing
from labs.flags import ABNORMAL_PRIORITY, CRITICAL_PRIORITY, applicable_range
from labs.models import (
    CRITICAL_FLAGS,
    LabOrder,
    LabOrderItem,
    LabPanel,
    LabResult,
    LabTest,
    PanelItem,
    ReferenceRange,
)
from patients.models import Patient
from patients.selectors import ids_matching, patient_get

# Staff read results under labs.view; patients their own final ones (both in this one entry).
RESULT_READ = "labs.result.view"
PATIENT_VISIBLE_STATUSES = (LabResult.Status.FINAL, LabResult.Status.CORRECTED)
OPEN_ORDER_STATUSES = (LabOrder.Status.ORDERED, LabOrder.Status.COLLECTED)


def _each_in_reach(queryset, *, actor, ids: list[str], permission: str | None) -> list:
    """`core.access.get_in_reach` for several ids at once (duplicates dropped)."""
    ids = list(dict.fromkeys(ids))
    if any(not isinstance(i, str) or not i or len(i) > MAX_ID_LENGTH for i in ids):
        raise Http404(_("Not found."))
    found = {
        str(row.pk): row for row in in_reach(queryset, actor=actor, patient=None).filter(pk__in=ids)
    }
    if len(found) != len(ids):
        raise Http404(_("Not found."))
    if permission is not None:
        require(actor, permission)
    return [found[i] for i in ids]


# --- the catalogue ---------------------------------------------------------------------------
def labtest_list(*, actor, search: str = "", active_only: bool = False):
    tests = in_reach(LabTest.objects.prefetch_related("ranges"), actor=actor, patient=None)
    if search:
        tests = tests.filter(
            containing(tests, ["name"], search) | Q(loinc_code__startswith=search.strip())
        )
    if active_only:
        tests = tests.filter(is_active=True)
    return tests.order_by("name", "id")


def labtest_page(*, actor, number=1, per_page: int = PER_PAGE, strict: bool = False, **filters):
    """A page of the catalogue (no patient data: nothing to audit)."""
    tests = labtest_list(actor=actor, **filters)
    return page_of(tests, number=number, per_page=per_page, strict=strict)


def labtest_get(*, actor, id: str, permission: str | None = "labs.view") -> LabTest:
    tests = LabTest.objects.prefetch_related("ranges")
    return get_in_reach(tests, actor=actor, id=id, permission=permission, patient=None)


def labtests_get(*, actor, ids: list[str], permission: str | None = "labs.view") -> list[LabTest]:
    """Several tests by id (a request naming many), in that order: one query; 404 if any is
    unknown or out of reach, then 403 unless the role grants `permission`."""
    return _each_in_reach(LabTest.objects.all(), actor=actor, ids=ids, permission=permission)


def reference_range_get(
    *, actor, test_id: str, id: str, permission: str | None = "labs.catalogue.edit"
) -> ReferenceRange:
    """One reference range of one test (its `test` loaded with it)."""
    ranges = ReferenceRange.objects.filter(test_id=test_id).select_related("test")
    return get_in_reach(ranges, actor=actor, id=id, permission=permission, patient=None)


def _panels():
    items = PanelItem.objects.select_related("test").order_by("position")
    return LabPanel.objects.prefetch_related(Prefetch("items", queryset=items))


def panel_list(*, actor):
    return in_reach(_panels(), actor=actor, patient=None).order_by("name", "id")


def panel_page(*, actor, number=1, per_page: int = PER_PAGE, strict: bool = False) -> Page:
    return page_of(panel_list(actor=actor), number=number, per_page=per_page, strict=strict)


def panels_get(*, actor, ids: list[str], permission: str | None = "labs.view") -> list[LabPanel]:
    """Several panels by id with their tests, like `labtests_get`."""
    return _each_in_reach(_panels(), actor=actor, ids=ids, permission=permission)


def panel_get(*, actor, id: str, permission: str | None = "labs.view") -> LabPanel:
    return get_in_reach(_panels(), actor=actor, id=id, permission=permission, patient=None)


# --- orders ------------------------------------------------------------------------------------
def _order_items():
    return LabOrderItem.objects.select_related("test", "panel")


def _orders(*, with_ranges: bool = False):
    items = _order_items()
    if with_ranges:  # result entry flags against the tests' ranges
        items = items.prefetch_related("test__ranges")
    return LabOrder.objects.select_related("patient", "ordered_by").prefetch_related(
        Prefetch("items", queryset=items)
    )


def order_list(*, actor, patient_id: str | None = None, status: str = "", search: str = ""):
    """Orders, newest first; `status` "open" means ordered or collected."""
    orders = in_reach(_orders(), actor=actor)
    if patient_id is not None:
        orders = orders.filter(patient_id=patient_id)
    if status == "open":
        orders = orders.filter(status__in=OPEN_ORDER_STATUSES)
    elif status:
        orders = orders.filter(status=status)
    if search:
        orders = orders.filter(patient_id__in=ids_matching(actor=actor, search=search))
    return orders.order_by("-created_at", "-id")


def order_page(
    *, actor, number=1, per_page: int = PER_PAGE, strict: bool = False, after: str = "",
    before: str = "", **filters
) -> Page:  # fmt: skip
    """One page of orders. `after` / `before`: the HTML list's Next / Previous cursors
    (core.lists.Walk): a deep page costs what page 1 does."""
    across_clinic = filters.get("patient_id") is None
    return page_of(
        order_list(actor=actor, **filters),
        number=number,
        per_page=per_page,
        strict=strict,
        walk=None if strict else Walk(after=after, before=before),
        estimate_count=across_clinic,  # as result_page
        by_id=across_clinic,
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("lab orders")),
    )


def order_keyset_page(*, actor, cursor: str = "", per_page: int = PER_PAGE, **filters):
    """`order_page` walked by cursor (the API's `?cursor=`): no count, no OFFSET. A cursor may
    name any order in reach (of the one patient): one collected mid-walk still leads on."""
    return keyset_page(
        order_list(actor=actor, **filters),
        cursor=cursor,
        per_page=per_page,
        by_id=True,
        edges=order_list(actor=actor, patient_id=filters.get("patient_id")),
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("lab orders")),
    )


def order_get(
    *,
    actor,
    id: str,
    permission: str | None = "labs.view",
    audited: bool = True,
    with_ranges: bool = False,
) -> LabOrder:
    """One order with its items (and the items' reference ranges for result entry)."""
    order = get_in_reach(
        _orders(with_ranges=with_ranges), actor=actor, id=id, permission=permission
    )
    if audited:
        audit(actor=actor, action=VIEW, obj=order, patient_id=order.patient_id)
    return order


def order_items_loaded(order: LabOrder) -> LabOrder:
    """A just-written order with its items and their tests loaded (one query), ready to show."""
    prefetch_related_objects([order], Prefetch("items", queryset=_order_items()))
    return order


def order_results(*, actor, order: LabOrder) -> list[LabResult]:
    """The results of an order, oldest first (read as part of reading the order)."""
    return list(_results(actor).filter(order_id=order.pk).order_by("collected_at", "id"))


def order_export(*, actor, id: str, detail: str = "FHIR DiagnosticReport"):
    """(order, its results oldest first) for export, audited as an 'export'."""
    order = order_get(actor=actor, id=id, audited=False)
    audit(actor=actor, action=EXPORT, obj=order, patient_id=order.patient_id, detail=detail)
    return order, order_results(actor=actor, order=order)


# --- results -----------------------------------------------------------------------------------
def _results(actor):
    return in_reach(_results_open_to(actor), actor=actor)


def _results_open_to(actor):
    """A patient reads their final values only (`in_reach` closes an archived record)."""
    results = LabResult.objects.select_related("test", "patient", "entered_by", "reviewed_by")
    if is_patient_user(actor):
        results = results.filter(status__in=PATIENT_VISIBLE_STATUSES)
    return results


def result_list(
    *,
    actor,
    patient_id: str | None = None,
    test_id: str | None = None,
    status: str = "",
    flag: str = "",
    collected_from=None,
    collected_to=None,
):
    """Results, newest first."""
    results = _results(actor)
    if patient_id is not None:
        results = results.filter(patient_id=patient_id)
    if test_id is not None:
        results = results.filter(test_id=test_id)
    if status:
        results = results.filter(status=status)
    if flag:
        results = results.filter(flag=flag)
    if collected_from:
        results = results.filter(collected_at__gte=collected_from)
    if collected_to:
        results = results.filter(collected_at__lte=collected_to)
    return results.order_by("-collected_at", "-id")


def result_page(
    *, actor, number=1, per_page: int = PER_PAGE, strict: bool = False, **filters
) -> Page:
    across_clinic = filters.get("patient_id") is None
    return page_of(
        result_list(actor=actor, **filters),
        number=number,
        per_page=per_page,
        strict=strict,
        # Across the clinic: counted up to 10,000, then "about" (1,000,000 final results took
        # 60-90 ms to count on every page).
        estimate_count=across_clinic,
        by_id=across_clinic,
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("lab results")),
    )


def result_keyset_page(*, actor, cursor: str = "", per_page: int = PER_PAGE, **filters):
    """`result_page` walked by cursor (the API's `?cursor=`): no count, no OFFSET (page 4,000 of
    a clinic's 1,000,000 results: 632 ms by OFFSET). A cursor may name any result in reach (of
    the one patient): one reviewed or corrected mid-walk still leads on."""
    return keyset_page(
        result_list(actor=actor, **filters),
        cursor=cursor,
        per_page=per_page,
        by_id=True,
        edges=result_list(actor=actor, patient_id=filters.get("patient_id")),
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("lab results")),
    )


def result_get(
    *, actor, id: str, permission: str | None = RESULT_READ, audited: bool = True
) -> LabResult:
    result = get_in_reach(_results_open_to(actor), actor=actor, id=id, permission=permission)
    if audited:
        audit(actor=actor, action=VIEW, obj=result, patient_id=result.patient_id)
    return result


def result_export(*, actor, id: str, detail: str = "FHIR Observation") -> LabResult:
    """One result for export, audited as an 'export' with the patient's id."""
    result = result_get(actor=actor, id=id, audited=False)
    audit(actor=actor, action=EXPORT, obj=result, patient_id=result.patient_id, detail=detail)
    return result


def result_history(*, result: LabResult) -> list:
    """A result's earlier values (replaced by corrections), newest first."""
    return list(result.revisions.select_related("changed_by").order_by("-created_at", "-id"))


# --- trends ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Band:
    """The reference range a trend chart shades."""

    low: Decimal | None
    high: Decimal | None
    text: str


@dataclass(frozen=True)
class Trend:
    patient: Patient
    test: LabTest
    results: list[LabResult]  # oldest first
    band: Band | None


def trend_band(*, patient: Patient, test: LabTest, results: list[LabResult]) -> Band | None:
    """The band of a trend: the range the laboratory reported with the newest value (copied onto
    the latest result), so the band and the newest point's flag always agree; before any result,
    the range that applies to the patient today."""
    if results:
        latest = results[-1]
        low, high, text = latest.reference_low, latest.reference_high, latest.reference_text
    else:
        reference = applicable_range(test.ranges.all(), sex=patient.sex, age=patient.age())
        if reference is None:
            return None
        low, high, text = reference.low, reference.high, reference.display
    if low is None and high is None and not text:
        return None
    return Band(low=low, high=high, text=text)


def trend_get(*, actor, patient_id: str, test_id: str, permission=RESULT_READ) -> Trend:
    """Every result of one test for one patient, oldest first, with the chart's band: the one
    read behind the trend page and the trend endpoint, audited once."""
    patient = patient_get(actor=actor, id=patient_id, permission=permission, audited=False)
    test = get_or_404(LabTest.objects.filter(clinic_id=patient.clinic_id), test_id)
    results = list(
        result_list(actor=actor, patient_id=patient.pk, test_id=test.pk).order_by(
            "collected_at", "id"
        )
    )
    audit(
        actor=actor,
        action=VIEW,
        obj=patient,
        patient_id=patient.pk,
        detail=gettext_noop("lab trend"),
    )
    return Trend(
        patient=patient,
        test=test,
        results=results,
        band=trend_band(patient=patient, test=test, results=results),
    )


# --- the review queue --------------------------------------------------------------------------
SEVERITY_PRIORITIES = {"critical": CRITICAL_PRIORITY, "abnormal": ABNORMAL_PRIORITY}


def review_queue(*, actor, mine: bool = False, severity: str = "", search: str = ""):
    """Unreviewed results of the clinic: critical first, then abnormal, then the rest, newest
    first within each. `mine` keeps results of the actor's own orders and outside results,
    `severity` "critical" or "abnormal" narrows it, `search` finds patients."""
    # By the stored priority, not the flag: the queue's index then reads only that severity.
    # One condition on it, never "waiting AND critical": given both, SQLite walked the index
    # from the first waiting result, or every result of the clinic (1,000,000: 0.66 s a page).
    priority = SEVERITY_PRIORITIES.get(severity)
    waiting = Q(review_priority__isnull=False) if priority is None else Q(review_priority=priority)
    queue = in_reach(LabResult.objects.filter(waiting), actor=actor, patient=None)
    queue = queue.select_related("test", "patient", "entered_by", "reviewed_by")
    if mine:
        queue = queue.filter(Q(order__isnull=True) | Q(order__ordered_by=actor))
    if search:
        queue = queue.filter(patient_id__in=ids_matching(actor=actor, search=search))
    # The id last: a panel's results share their time and often their priority, and MongoDB keeps
    # no order among ties from one page's skip to the next (a result on two pages, one on none).
    return queue.order_by("review_priority", "-collected_at", "-id")


def review_queue_page(
    *, actor, number=1, per_page: int = PER_PAGE, strict: bool = False, **filters
) -> Page:
    return page_of(
        review_queue(actor=actor, **filters),
        number=number,
        per_page=per_page,
        strict=strict,
        by_id=True,
        on_page=audited_by_patient(actor=actor, detail=gettext_noop("lab review queue")),
    )


# --- what labs adds to the patient page and the staff home ---------------------------------------
LATEST_WINDOW = 500


def latest_results(*, actor, patient: Patient) -> list[LabResult]:
    """The newest result of each test for this patient (for the patient page's panel).

    One query over the patient's newest LATEST_WINDOW results (index result_patient_time), so
    a patient with years of history costs the same as one with a single result; tests last
    measured before that window are on the trend pages, not in this panel.
    """
    latest = {}
    newest = result_list(actor=actor, patient_id=patient.pk).order_by("-collected_at")
    newest = newest.select_related(None).select_related("test")  # the panel names only the test
    newest = newest.only(  # the columns the panel shows (the ORM spends ~20 µs on each)
        "test__name", "value_numeric", "value_places", "unit", "value_text", "flag",
        "reference_text", "collected_at", "status", "reviewed_at", "critical_communicated_at",
    )  # fmt: skip
    for result in newest[:LATEST_WINDOW]:
        latest.setdefault(result.test_id, result)
    return sorted(latest.values(), key=lambda r: r.test.name)


OPEN_ORDERS_SHOWN = 20


def patient_panel(*, actor, patient: Patient) -> dict:
    """The patient page's labs panel: latest result per test and the open orders.

    Part of the page's one audited view, so nothing here writes an audit row; a constant
    number of queries however many results the patient has.
    """
    orders = order_list(actor=actor, patient_id=patient.pk, status="open")
    orders = orders.select_related(None)  # the page has the patient; the panel names no orderer
    orders = orders.only("created_at", "status", "priority")  # what it shows (~20 µs a column)
    shown = list(orders[: OPEN_ORDERS_SHOWN + 1])  # one more: tells there are more than shown
    return {
        "latest_results": latest_results(actor=actor, patient=patient),
        "open_orders": shown[:OPEN_ORDERS_SHOWN],
        "more_open_orders": len(shown) > OPEN_ORDERS_SHOWN,
    }


# What the review queue's page and the staff home's widget show of each result waiting.
REVIEW_COLUMNS = (
    "patient_id", "order_id", "value_numeric", "value_places", "value_text", "unit", "flag",
    "status", "reference_text", "collected_at", "critical_communicated_at", "review_priority",
    "test__name",
    "patient__first_name", "patient__last_name", "patient__mrn",
    "order__created_at", "order__ordered_by__name",
)  # fmt: skip


def as_reviewed(queue):
    """The queue's rows with only what the review pages show: 24 columns, where the whole rows
    of the queue's joins (the API names who entered and reviewed) were 98 for the widget and 128
    for the page. The ORM spends ~20 µs on each: a page of ten groups takes 13 % fewer calls."""
    return showing(queue, REVIEW_COLUMNS)


# The home widget's badges say "99+" past this, as the bell does: counting a backlog of 20,000
# results (a clinician's own orders, joined) took 50 ms, twice, on every home page view.
WIDGET_COUNTS_UP_TO = 99


def review_widget(*, actor, limit: int = 8) -> dict:
    """The staff home's "Results to review": critical first, then abnormal, with the number
    waiting (and of them critical) up to WIDGET_COUNTS_UP_TO; one 'view' row per patient shown."""
    mine = actor.role == Role.CLINICIAN
    queue = review_queue(actor=actor, mine=mine)
    results = list(as_reviewed(queue)[:limit])
    total = count_up_to(queue, WIDGET_COUNTS_UP_TO) if len(results) == limit else len(results)
    audit_patients_read(
        actor=actor,
        patient_ids=[r.patient_id for r in results],
        detail=gettext_noop("review widget"),
    )
    critical = sum(1 for r in results if r.flag in CRITICAL_FLAGS)
    if total > limit and critical == len(results):  # critical ones may go on past the list
        critical = count_up_to(
            review_queue(actor=actor, mine=mine, severity="critical"), WIDGET_COUNTS_UP_TO
        )
    return {
        "results": results,
        "total": total,
        "more": total > limit,
        "critical": critical,
        "counts_up_to": WIDGET_COUNTS_UP_TO,
        "mine": mine,
    }


# --- the review queue grouped by patient and order ---------------------------------------------
@dataclass
class ReviewGroup:
    """The unreviewed results of one order (or a patient's outside results, `order` None)."""

    patient: Patient
    order: LabOrder | None
    results: list[LabResult]

    @property
    def normal(self) -> list[LabResult]:
        return [r for r in self.results if not r.is_abnormal]

    @property
    def abnormal(self) -> list[LabResult]:
        return [r for r in self.results if r.is_abnormal]

    @property
    def key(self) -> str:
        return group_key(self.patient.pk, self.order.pk if self.order else "")


def group_key(patient_id: str, order_id: str) -> str:
    """A review group's name on the queue's page: a patient's order, or their outside results."""
    return f"{patient_id}-{order_id or 'outside'}"


def review_groups_page(
    *, actor, number=1, per_page: int = 10, strict: bool = False, **filters
) -> Page:
    """A page of the review queue grouped by patient and order, the most urgent group first
    (its most urgent result decides). `page.paginator.count` is the number of groups and
    `page.result_count` the number of results waiting: exact up to GROUPED_EXACTLY_UP_TO
    results, else `page.paginator.estimated` ("about"); one 'view' row per patient."""
    queue = review_queue(actor=actor, **filters)
    keys = queue.values_list("patient_id", "order_id")
    head = list(keys[: GROUPED_EXACTLY_UP_TO + 1])
    estimated = len(head) > GROUPED_EXACTLY_UP_TO
    if not estimated:  # the whole queue, grouped: exact totals
        result_count = len(head)
        paginator = Paginator(list(dict.fromkeys(head)), per_page)
    else:
        totals = cached_for("review", keys.query, lambda: _totals(keys), TOTALS_SECONDS)
        result_count, group_count = totals
        paginator = Paginator(range(group_count), per_page)
    paginator.estimated = estimated  # "about N" (includes/pagination.html, review_queue.html)
    page = paginator.page(number) if strict else paginator.get_page(number)
    if estimated:
        groups = _groups_up_to(keys, head, page.end_index())
        page.object_list = groups[page.start_index() - 1 : page.end_index()]
    grouped: dict[tuple, list[LabResult]] = {key: [] for key in page.object_list}
    rows = []  # an empty queue compiles no query (it was a third of that page's Python calls)
    if grouped:
        rows = as_reviewed(queue.filter(patient_id__in={patient for patient, _ in grouped}))
    for result in rows:
        key = (result.patient_id, result.order_id)
        if key in grouped:
            grouped[key].append(result)
    page.object_list = [
        ReviewGroup(patient=results[0].patient, order=results[0].order, results=results)
        for results in grouped.values()
        if results
    ]
    page.result_count = result_count
    audit_patients_read(
        actor=actor,
        patient_ids=[group.patient.pk for group in page.object_list],
        detail=gettext_noop("lab review queue"),
    )
    return page


# A queue of more results than this is grouped only as far as the page asked for needs, and its
# totals are "about": the whole queue grouped at most once a minute (cached). Grouping all of a
# 20,000-result backlog on every view took ~90 ms; now a page reads its first 501 rows.
GROUPED_EXACTLY_UP_TO = 500
TOTALS_SECONDS = 60


def _totals(keys) -> tuple[int, int]:
    """(results, groups) of the whole queue."""
    every = list(keys)
    return len(every), len(set(every))


def _groups_up_to(keys, head: list, wanted: int) -> list:
    """The queue's first `wanted` groups (patient, order) in its order: those of `head`, its
    first rows, then more read in doubling slices (slices, not .iterator(): the page then
    writes its audit row, which SQLite refuses while a read is still open)."""
    groups, read, step = dict.fromkeys(head), len(head), len(head)
    while len(groups) < wanted:
        more = list(keys[read : read + step])
        groups.update(dict.fromkeys(more))
        if len(more) < step:
            break
        read, step = read + step, step * 2
    return list(groups)[:wanted]


def review_scope(*, actor, order_id: str | None = None, patient_id: str | None = None) -> list:
    """The unreviewed results one sign-off in bulk covers: an order's, or a patient's (404
    outside reach, 403 unless the role may review)."""
    if order_id:
        order = order_get(actor=actor, id=order_id, permission="labs.review", audited=False)
        queue = LabResult.objects.filter(order_id=order.pk)
    else:
        patient = patient_get(
            actor=actor, id=patient_id or "", permission="labs.review", audited=False
        )
        queue = LabResult.objects.filter(patient_id=patient.pk)
    return list(
        queue.filter(review_priority__isnull=False)
        .select_related("test", "patient", "order")
        .order_by("review_priority", "test__name")
    )


# --- worklists of the staff home ----------------------------------------------------------------
WORKLIST_LIMIT = 8


def worklist_widget(*, actor, limit: int = WORKLIST_LIMIT) -> dict:
    """Nurses' and lab technicians' home: orders to collect (ordered) and to result
    (collected), STAT first, with exact counts; one 'view' row per patient shown."""
    base = in_reach(LabOrder.objects.select_related("patient"), actor=actor)
    lists = {}
    for name, status in (("to_collect", "ordered"), ("to_result", "collected")):
        orders = base.filter(status=status).order_by("created_at", "id")
        shown = _most_urgent_first(orders, limit)
        count = orders.count() if len(shown) == limit else len(shown)
        lists[name] = {"orders": shown, "count": count, "more": count > len(shown)}
    audit_patients_read(
        actor=actor,
        patient_ids=[o.patient_id for part in lists.values() for o in part["orders"]],
        detail=gettext_noop("lab worklist"),
    )
    return lists


URGENT_PRIORITIES = (LabOrder.Priority.STAT, LabOrder.Priority.URGENT)


def _most_urgent_first(orders, limit: int) -> list[LabOrder]:
    """STAT, then urgent, then routine orders, oldest first within each: the urgent ones read
    by their own query, so a new STAT order is never hidden behind a backlog of older routine
    ones; always two queries of at most `limit` rows, however long the list."""
    urgent = orders.filter(priority__in=URGENT_PRIORITIES)
    # "stat" sorts before "urgent": STAT orders first even behind more than `limit` urgent ones
    urgent = urgent.order_by("priority", "created_at", "id")[:limit]
    routine = orders.exclude(priority__in=URGENT_PRIORITIES)[:limit]
    return (list(urgent) + list(routine))[:limit]


# --- test search (order form type-ahead) -------------------------------------------------------
def orderable_search(*, actor, query: str = "", limit: int = 20) -> list[dict]:
    """Panels first, then single tests, matching a name or LOINC code (active tests only)."""
    query = query.strip()[:100]
    panels = panel_list(actor=actor)
    tests = labtest_list(actor=actor, search=query, active_only=True)
    if query:
        panels = panels.filter(
            containing(panels, ["name"], query) | Q(loinc_code__startswith=query)
        )
    found = [
        {
            "kind": "panel",
            "id": str(p.pk),
            "name": p.name,
            "loinc_code": p.loinc_code,
            "tests": [i.test.name for i in p.items.all() if i.test.is_active],
        }
        for p in panels[:limit]
    ]
    found += [
        {"kind": "test", "id": str(t.pk), "name": t.name, "loinc_code": t.loinc_code, "tests": []}
        for t in tests[: max(limit - len(found), 0)]
    ]
    return found


def critical_waiting(*, actor, result: LabResult) -> list[LabResult]:
    """Critical values of the same order (or patient, for outside results) still waiting for
    their communication to be recorded, oldest entry first (unaudited: a link, not a read)."""
    siblings = in_reach(LabResult.objects.select_related("test"), actor=actor).filter(
        critical_communicated_at__isnull=True, flag__in=CRITICAL_FLAGS
    )
    if result.order_id:
        siblings = siblings.filter(order_id=result.order_id)
    else:
        siblings = siblings.filter(patient_id=result.patient_id, order__isnull=True)
    return list(siblings.exclude(pk=result.pk).order_by("created_at", "id")[:20])


# A preview shows its summary, the rows with errors (up to PREVIEW_ERRORS: one fault repeated on
# every row of a big file needs fixing once) and the first PREVIEW_OTHERS other rows: a file of
# 30,000 rows was otherwise a page of 12 MB.
PREVIEW_ERRORS, PREVIEW_OTHERS = 1000, 100


def import_preview(*, actor, report) -> dict:
    """The CSV import's report and the rows its page shows, in file order, with how many it
    leaves out. A row to import shows its patient's name (the file holds MRNs only): one 'view'
    row per patient shown."""
    shown, errors, others = [], 0, 0
    for row in report.rows:
        if row.errors:
            errors += 1
            if errors <= PREVIEW_ERRORS:
                shown.append(row)
        else:
            others += 1
            if others <= PREVIEW_OTHERS:
                shown.append(row)
    audit_patients_read(
        actor=actor,
        patient_ids=[row.result.patient_id for row in shown if row.importable],
        detail=gettext_noop("results import preview"),
    )
    return {
        "report": report,
        "preview_rows": shown,
        "errors_not_shown": max(errors - PREVIEW_ERRORS, 0),
        "others_not_shown": max(others - PREVIEW_OTHERS, 0),
    }
