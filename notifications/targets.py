"""Where a patient's app opens a notification.

Patients use the mobile app only, so a notification's `link` for them is the API resource the
app fetches, which a phone's browser answers with a 401 page. The link's route says what it
opens: the `target` an app routes on without parsing URLs, and the path of the app's own link
(settings.PATIENT_APP_LINK + path) that e-mails and push messages give instead. Both name the
thing by opaque ids only, never by anything of the patient's record. Each app declares its
routes' pages in its own contributions.py (core.contributions.AppPage).
"""

from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from accounts.emails import patient_app_url
from core.contributions import app_pages


def _route(link: str) -> tuple[str, str, str] | None:
    """(target type, app path, id) of the API resource `link` names; None for any other link."""
    if not link:
        return None
    try:
        match = resolve(urlsplit(link).path)
    except Resolver404:
        return None
    page = app_pages.get(match.url_name)
    if page is None:
        return None
    record_id = match.kwargs.get("pk", "")
    return page.target, page.path.format(id=record_id), record_id


def target_of(link: str) -> dict | None:
    """`{"type": "message_thread", "id": "…"}` for a link an app opens; None for a web page."""
    route = _route(link)
    return {"type": route[0], "id": route[2]} if route else None


def app_link(link: str) -> str:
    """The patient's app link to what `link` opens (the app's start for a link it has no page
    for); empty while PATIENT_APP_LINK is unset: a patient then gets no link at all."""
    route = _route(link)
    return patient_app_url(route[1] if route else "")
