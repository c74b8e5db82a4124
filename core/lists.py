"""The list kit: one paginator for HTML pages and the API, auditing the patients each page shows.

A selector builds the queryset; `page_of` cuts the page and hands its rows to `on_page` (the
owning app's audit of the patients shown). HTML views render `includes/list_page.html`'s blocks;
API views answer with `core.api.page_response`.
"""

from collections.abc import Callable

from django.core.paginator import Page, Paginator

PER_PAGE = 25
MAX_PER_PAGE = 100


def page_size(value, default: int = PER_PAGE) -> int:
    """A requested page size clamped to 1..MAX_PER_PAGE; anything unreadable is the default."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return default
    return max(1, min(size, MAX_PER_PAGE))


def page_of(
    queryset,
    *,
    number=1,
    per_page: int = PER_PAGE,
    on_page: Callable[[list], None] | None = None,
    strict: bool = False,
) -> Page:
    """The page `number` with its rows loaded once, handed to `on_page` (the audit).

    HTML pages get the nearest page for an out-of-range or malformed number; `strict=True` (the
    API) raises django.core.paginator.InvalidPage instead, which the API answers with a 404.
    """
    paginator = Paginator(queryset, per_page)
    page = paginator.page(number) if strict else paginator.get_page(number)
    page.object_list = list(page.object_list)
    if on_page is not None and page.object_list:
        on_page(page.object_list)
    return page


def audited_by_patient(*, actor, patient_of: Callable = lambda row: row.patient_id, detail=""):
    """An `on_page` that writes one 'view' row per patient on the page (the list audit policy)."""
    from core.audit import audit_patients_read

    def on_page(rows):
        audit_patients_read(actor=actor, patient_ids=[patient_of(r) for r in rows], detail=detail)

    return on_page
