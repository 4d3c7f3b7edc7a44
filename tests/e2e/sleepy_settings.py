"""`make run`'s settings serving tests/e2e/sleepy_urls.py (tests only)."""

from config.settings.local import *  # noqa: F403

ROOT_URLCONF = "tests.e2e.sleepy_urls"
