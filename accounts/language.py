"""Which language a person reads: their own choice, else their clinic's, else the browser's.

One rule for pages, the API and e-mail. The clinic's locale (e.g. en-GB, en-US) also picks the
date formats (clinics/formats), so a user whose choice is the clinic's own language keeps the
clinic's locale; only a different language replaces it.
"""

import contextlib

from django.utils import translation

from core.dates import reading_locale

# The languages a person may choose, each named in itself (read by someone who does not yet
# read the page's language). Blank = the clinic's.
LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]


def language_for(user=None, clinic=None) -> str | None:
    """The language code to activate for `user` (at `clinic`, default theirs), or None when
    neither says: the request's Accept-Language (or the site default) then applies."""
    if clinic is None:
        clinic = getattr(user, "clinic", None)
    clinic_locale = getattr(clinic, "locale_code", None) if clinic is not None else None
    # An English reader at a Spanish or French clinic keeps its day-first dates (en-GB).
    return reading_locale(getattr(user, "language", "") or "", clinic_locale)


@contextlib.contextmanager
def recipient_language(user=None, clinic=None):
    """Write something for `user` (an e-mail) in their language while the block runs."""
    language = language_for(user, clinic)
    if language is None:
        yield
        return
    with translation.override(language):
        yield


def activate_for(request, user) -> None:
    """Activate the user's language for the rest of the request (pages and API alike)."""
    language = language_for(user)
    if language is not None:
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class UserLanguageMiddleware:
    """After the clinic's middleware: a user's own language choice wins over the clinic's.

    Signed-in web users are known here; API callers with a bearer token are known only once DRF
    authenticates them, so accounts.auth.JWTAuthentication calls `activate_for` too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            activate_for(request, user)
        return self.get_response(request)
