"""The work a process would otherwise do on its first requests, done once at start-up.

gunicorn (gunicorn.conf.py, `preload_app`) runs this in its master through
health_passport/wsgi.py, so every worker, the first ones and each one recycled after
GUNICORN_MAX_REQUESTS, is forked already warm. Without it a recycled worker was replaced after
~1.4 s (~0.5 s of the old one tearing down its heap, ~0.6 s of the new one importing Django,
then its first page compiling templates), and the requests queued behind it made the p99 of
an 8-client benchmark ~1 s.
"""

import contextlib
import gc
from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.template import engines
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils import translation

from core.contributions import warmers

FORM_TEMPLATES = Path(django.forms.__file__).parent / "templates"


def warm(languages=()) -> int:
    """Import every view, build the URL reversal and compile the URL patterns per language (the
    settings' LANGUAGES and `languages`: the further codes a request may activate, such as a
    clinic's locale), compile the project's templates and Django's form widgets', then freeze
    what was loaded out of the garbage collector's reach. Returns how many templates were
    compiled. The apps' `Warmer`s (core.contributions) draw their own fixed parts per language.

    Django builds URL reversal (the root's, and each namespace's) and compiles URL patterns for
    each active language code apart: a worker forked before "en-gb" was warmed built them on
    its first page in that locale (~80 ms of a 130 ms first patient page).

    The freeze (`gc.freeze`, as the gc docs advise before a fork) keeps the ~200,000 objects
    of the loaded application out of every collection: full collections stop walking them
    (~100 ms each) and forked workers share those pages instead of copying them. (A recycled
    worker skips tearing them down altogether: gunicorn.conf.py, `worker_exit`.)"""
    codes = {code.lower() for code, _name in settings.LANGUAGES}
    for code in sorted(codes | {code.lower() for code in languages}):
        with translation.override(code):  # the catalogue; URL reversal is built per language
            reverse("home")  # imports every URLconf, so every view
            _compile_patterns(get_resolver())
            _reverse_in_every_namespace(get_resolver())
            for warmer in warmers:
                warmer.warm()
    engine = engines["django"].engine
    compiled = 0
    for folder in map(Path, engine.dirs):
        for path in sorted(folder.rglob("*.html")):
            engine.get_template(path.relative_to(folder).as_posix())
            compiled += 1
    renderer = get_default_renderer()  # the form widgets' own engine
    for path in sorted((FORM_TEMPLATES / "django" / "forms").rglob("*.html")):
        renderer.get_template(path.relative_to(FORM_TEMPLATES).as_posix())
        compiled += 1
    gc.collect()  # what loading left behind is freed, not frozen
    gc.freeze()
    return compiled


def _compile_patterns(resolver: URLResolver) -> None:
    """Each URL pattern's regular expression for the active language (compiled on first use)."""
    for pattern in resolver.url_patterns:
        pattern.pattern.regex  # noqa: B018 - the property compiles and keeps it
        if isinstance(pattern, URLResolver):
            _compile_patterns(pattern)


def _reverse_in_every_namespace(resolver: URLResolver, prefix: str = "") -> None:
    """Reverse a name of each namespace: Django builds a namespace's reversal on its first
    `reverse`, per language (the arguments are missing, so nothing matches: not needed)."""
    for namespace, (_pattern, included) in resolver.namespace_dict.items():
        names = [name for name in included.reverse_dict if isinstance(name, str)]
        if names:
            with contextlib.suppress(NoReverseMatch):
                reverse(f"{prefix}{namespace}:{names[0]}")
        _reverse_in_every_namespace(included, f"{prefix}{namespace}:")
