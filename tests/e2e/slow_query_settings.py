"""`make run`'s settings serving tests/e2e/slow_query_urls.py (tests only)."""

from config.settings.local import *  # noqa: F403

ROOT_URLCONF = "tests.e2e.slow_query_urls"
