"""The idle timeout with one session write per refresh window instead of one per request.

SESSION_COOKIE_AGE is the idle timeout (SESSION_IDLE_MINUTES). Saving the session on every
request (SESSION_SAVE_EVERY_REQUEST) pushed the expiry out each time, at the price of a database
write on every page, which was most of the bare view's time. This middleware marks a signed-in
session modified only when its last refresh is SESSION_REFRESH_SECONDS old or more, so the
session is saved (expiry and cookie renewed) at most once per window: a user idle for
SESSION_IDLE_MINUTES is signed out, give or take one window.
"""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

REFRESHED_AT = "_refreshed_at"


@receiver(user_logged_in, dispatch_uid="core.sessions.stamp_at_sign_in")
def stamp_at_sign_in(sender, request, user, **kwargs):
    """A sign-in saves the session anyway: stamp it, so the next page need not save it again.
    Only a session that exists (django.contrib.auth.login made it), never one for a token."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session[REFRESHED_AT] = int(time.time())


class IdleSessionRefreshMiddleware:
    """Placed right after SessionMiddleware, so SessionMiddleware saves what this marks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed:
            return response  # the request never looked at its session: not activity
        refreshed_at = session.get(REFRESHED_AT, 0)  # loaded already (the user lookup)
        if session.session_key is None or session.is_empty():
            return response  # no session (an API token, signed out): never create one
        now = int(time.time())
        # Being saved anyway (a login, a message), or a window old: stamp it, so it is saved
        # and SessionMiddleware renews its expiry and cookie.
        if session.modified or now - refreshed_at >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESHED_AT] = now
        return response
