"""Walking a list the way its users do. The API by `?cursor=`, as a mobile app: from `cursor=`
(empty), then each `next`, every page a 200 with no count and no `previous`. An HTML list by
its pagination links (`link`), reading the records each page links to (`linked_ids`)."""

import html
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext


def walk_pages(client, url, **params) -> list[list[dict]]:
    """Every page's rows, in order."""
    pages = []
    response = client.get(url, {"cursor": "", **params})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] is None and body["previous"] is None
        pages.append(body["results"])
        if not body["next"]:
            return pages
        response = client.get(body["next"])


def walk(client, url, **params) -> tuple[list[str], int]:
    """The rows' ids in order, and the number of pages."""
    pages = walk_pages(client, url, **params)
    return [row["id"] for page in pages for row in page], len(pages)


def walk_changing(client, url, change, **params) -> list[str]:
    """The ids a walk shows when, before each `next` is followed, `change(id)` takes the page's
    last row out of the list, as another user's edit meanwhile would."""
    ids = []
    response = client.get(url, {"cursor": "", **params})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        if not body["next"]:
            return ids
        change(ids[-1])
        response = client.get(body["next"])


def queries_of_deep_pages(client, url, pages: int = 3, **params) -> list[int]:
    """The queries of each of `pages` pages after the first, one row a page: each must start
    from its edge row, with no OFFSET (SQLite) or `$skip` (MongoDB) to reach it."""
    response = client.get(url, {"cursor": "", "page_size": 1, **params})
    counts = []
    for _ in range(pages):
        with CaptureQueriesContext(connection) as read:
            response = client.get(response.json()["next"])
        assert response.status_code == 200, response.content
        assert not skipped(read)
        counts.append(len(read))
    return counts


def skipped(read: CaptureQueriesContext) -> bool:
    """Whether a request reached its rows past an OFFSET (SQLite) or a `$skip` (MongoDB)."""
    return any(_skips(q["sql"]) for q in read.captured_queries)


def joined_past_offset(read: CaptureQueriesContext) -> list[str]:
    """The queries that skip rows (OFFSET, `$skip`) while joining another table (JOIN,
    `$lookup`) to each of them."""
    return [
        q["sql"]
        for q in read.captured_queries
        if _skips(q["sql"]) and ("JOIN" in q["sql"] or "$lookup" in q["sql"])
    ]


def _skips(sql: str) -> bool:
    return "OFFSET" in sql or "$skip" in sql


def follow_next(client, base: str, page, ids) -> tuple[list[list[str]], object, list[tuple]]:
    """An HTML list walked by its Next links from `page` (a response): each page's
    `ids(response)`, the last page, and for each Next followed its link and whether it reached
    its rows past an OFFSET (`skipped`)."""
    walked, steps = [ids(page)], []
    while following := link(page, "next"):
        with CaptureQueriesContext(connection) as read:
            page = client.get(base + following)
        walked.append(ids(page))
        steps.append((following, skipped(read)))
    return walked, page, steps


def link(response, rel: str) -> str:
    """The pagination link `rel` ("next", "prev") of an HTML list page, "" when there is none."""
    found = re.search(
        rf'<a class="page-link" href="([^"]+)" rel="{rel}">', response.content.decode()
    )
    return html.unescape(found.group(1)) if found else ""


def linked_ids(response, path: str) -> list[str]:
    """The ids of the records under `path` ("/labs/orders/") the page's table links to, in
    order, each once."""
    assert response.status_code == 200
    body = re.split(r"<tbody[^>]*>", response.content.decode())[1].split("</tbody>")[0]
    return list(dict.fromkeys(re.findall(rf'href="{re.escape(path)}([^/"]+)/"', body)))
