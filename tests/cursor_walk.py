"""Walking an API list by `?cursor=` the way a mobile app does: from `cursor=` (empty), then
each `next`, every page a 200 with no count and no `previous`."""


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
