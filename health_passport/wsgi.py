import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "health_passport.settings")
application = get_wsgi_application()

from clinics.locales import LOCALES  # noqa: E402 - needs the application (Django) set up first
from core.warmup import warm  # noqa: E402

warm(languages=LOCALES)  # a clinic's locale is the language of its staff's pages
