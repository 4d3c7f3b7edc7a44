"""Settings for pytest: the same stack, a fast hasher and email over real SMTP to a test server.

DATABASE_URL / REDIS_URL select the PostgreSQL + Redis leg; unset, the suite
runs on SQLite with the local-memory cache.
"""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("JWT_SIGNING_KEY", "test-jwt-signing-key-not-for-production")

from backend.observability.logging import structlog_configure

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, LOG_FORMAT, LOG_LEVEL, REDIS_URL, SQLITE_ENGINE, STATIC_ROOT, VAR_DIR, env

# Tests read structlog's lines by pointing it elsewhere for a while (the json_logs fixture, tests/backend/conftest.py):
# a logger cached on first use would keep writing where structlog was configured when it was first used.
structlog_configure(log_format=LOG_FORMAT, level=LOG_LEVEL, cache_loggers=False)

# Parallel pytest-xdist workers share one Redis: give each its own key space.
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No test calls Have I Been Pwned: the breach check's tests turn it on against a local server of their own.
PASSWORD_BREACH_CHECK = env.bool("PASSWORD_BREACH_CHECK", default=False)
# Real SMTP: the tests' `smtp` fixture (tests/conftest.py) points EMAIL_HOST/EMAIL_PORT at a server per worker; a
# server process started by a test gets them, or another backend, through the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# A failed email is tried again at once (backend/common/mail.py), so a test with the mail server down does not wait
# minutes for its retries; a test of the retries sets its own delays.
EMAIL_RETRY_DELAYS = (0.0, 0.0, 0.0)
# No periodic sweep of the email outbox (it is started by gunicorn's worker hook only, but a served test app would
# sweep the rows other tests are looking at) unless a test's server process turns it on through the environment.
EMAIL_OUTBOX_SWEEP_SECONDS = int(os.environ.get("EMAIL_OUTBOX_SWEEP_SECONDS", "0"))
FRONTEND_URL = "http://testserver"
REFRESH_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# whitenoise warns about a missing STATIC_ROOT; tests never collect static files.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)

# SQLite leg: a file database like `make run` uses (WAL, busy timeout), not the default in-memory
# one, whose shared-cache table locks fail at once instead of waiting, so concurrency tests would
# test the test harness. pytest-django adds the xdist worker suffix to the name.
if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE:
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
