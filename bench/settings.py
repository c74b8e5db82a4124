"""Benchmark settings: the production settings (from the environment bench/patients.py sets),
plus one URL for the bare baseline view. Never used outside `make bench`."""

from health_passport.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
