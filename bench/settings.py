"""Benchmark settings: the production settings (from the environment bench/patients.py sets),
plus one URL for the bare baseline view and each response's query count (X-Queries). Never
used outside `make bench`."""

from health_passport.settings import *  # noqa: F403
from health_passport.settings import MIDDLEWARE

ROOT_URLCONF = "bench.bare_urls"
MIDDLEWARE = ["bench.querycount.QueryCountMiddleware", *MIDDLEWARE]
