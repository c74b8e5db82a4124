"""The work a process would otherwise do on its first requests, done once at start-up.

gunicorn (gunicorn.conf.py, `preload_app`) runs this in its master through
health_passport/wsgi.py, so every worker, the first ones and each one recycled after
GUNICORN_MAX_REQUESTS, is forked already warm. Without it a recycled worker was replaced after
~1.4 s (~0.5 s of the old one tearing down its heap, ~0.6 s of the new one importing Django,
then its first page compiling templates), and the requests queued behind it made the p99 of
an 8-client benchmark ~1 s.
"""

import gc
from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.template import engines
from django.urls import reverse
from django.utils import translation

FORM_TEMPLATES = Path(django.forms.__file__).parent / "templates"


def warm() -> int:
    """Import every view, build the URL reversal per language, compile the project's templates
    and Django's form widgets', then freeze what was loaded out of the garbage collector's
    reach. Returns how many templates were compiled.

    The freeze (`gc.freeze`, as the gc docs advise before a fork) keeps the ~200,000 objects
    of the loaded application out of every collection: full collections stop walking them
    (~100 ms each), forked workers share those pages instead of copying them, and a recycled
    worker exits in ~25 ms instead of ~0.5 s of tearing them down, a gap in which its
    replacement cannot be started."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # the catalogue; URL reversal is built per language
            reverse("home")  # imports every URLconf, so every view
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
