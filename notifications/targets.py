"""Where a patient's app opens a notification.

Patients use the mobile app only, so a notification's `link` for them is the API resource the
app fetches, which a phone's browser answers with a 401 page. The link's route says what it
opens: the `target` an app routes on without parsing URLs, and the path of the app's own link
(settings.PATIENT_APP_LINK + path) that e-mails and push messages give instead. Both name the
thing by opaque ids only, never by anything of the patient's record.
"""

from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from accounts.emails import patient_app_url

# The API routes patients' notifications link to: route name → (target type, path in the app;
# "{id}" is the record id the route names).
APP_ROUTES = {
    "api-patient-labs": ("lab_results", "/labs"),
    "api-message-thread": ("message_thread", "/messages/{id}"),
    "api-enrollment-tasks": ("programme_tasks", "/programmes/{id}/tasks"),
    "api-appointment": ("appointment", "/appointments/{id}"),
    "api-note": ("note", "/notes/{id}"),
}


def _route(link: str) -> tuple[str, str, str] | None:
    """(target type, app path, id) of the API resource `link` names; None for any other link."""
    if not link:
        return None
    try:
        match = resolve(urlsplit(link).path)
    except Resolver404:
        return None
    known = APP_ROUTES.get(match.url_name)
    if known is None:
        return None
    kind, path = known
    record_id = match.kwargs.get("pk", "")
    return kind, path.format(id=record_id), record_id


def target_of(link: str) -> dict | None:
    """`{"type": "message_thread", "id": "…"}` for a link an app opens; None for a web page."""
    route = _route(link)
    return {"type": route[0], "id": route[2]} if route else None


def app_link(link: str) -> str:
    """The patient's app link to what `link` opens (the app's start for a link it has no page
    for); empty while PATIENT_APP_LINK is unset: a patient then gets no link at all."""
    route = _route(link)
    return patient_app_url(route[1] if route else "")
