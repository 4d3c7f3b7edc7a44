"""Settings shared by every environment.

Everything comes from the environment (12-factor) through django-environ, with
safe local defaults. Environment-specific modules (local, production, test)
import this one and override what differs. It starts from environment.py (the
paths, the environment, FRONTEND_URL) and star-imports, beside it, the HTTP
API's settings (api.py), authentication's (auth.py) and email's (email.py).
"""

import warnings
from typing import Any

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.db_timeouts import postgres_timeout_options
from config.mongodb import (
    MONGODB_AUTO_FIELD,
    MONGODB_MIGRATION_MODULES,
    MONGODB_SILENCED_SYSTEM_CHECKS,
    is_mongodb_url,
    mongodb_database,
    mongodb_installed_apps,
)
from config.production_checks import redis_url_problem
from config.replicas import DJANGO_POSTGRESQL_ENGINE, POSTGRESQL_ENGINE, replica_cache_check, replica_databases

from .environment import BASE_DIR, FRONTEND_URL, VAR_DIR, env  # noqa: F401 (FRONTEND_URL: a setting)

# ------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# Earlier SECRET_KEYs, still accepted while what they signed runs out (admin sign-ins, password-reset and email
# links) and still decrypting the email outbox's queued rows: rotate SECRET_KEY by moving the old one here
# (docs/operations.md, "Rotating SECRET_KEY"). Trimmed as JWT_SIGNING_KEYS are.
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key-fallbacks
SECRET_KEY_FALLBACKS = [key.strip() for key in env.list("SECRET_KEY_FALLBACKS", default=[]) if key.strip()]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# FRONTEND_URL: environment.py, read before every section (authentication's derive from it).

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Proxies in front of the app (ingress, load balancer) that append to
# X-Forwarded-For. 0 means REMOTE_ADDR is the client address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0, minimum=0)
# Or the networks those proxies connect from (CIDRs or addresses): a peer outside them is the client whatever its
# X-Forwarded-For says, so a client that bypasses the CDN cannot pick its address (backend/common/request_meta.py).
# A tuple, which the hot path uses as it is. Checked at start, with the clash with TRUSTED_PROXY_COUNT
# (backend/common/checks.py).
TRUSTED_PROXY_NETWORKS = tuple(item.strip() for item in env.list("TRUSTED_PROXY_NETWORKS", default=[]) if item.strip())

# ------------------------------------------------------------------------------
# Apps and middleware
# ------------------------------------------------------------------------------
# Completed below: "backend.observability" and "backend.audit" are appended (Observability section), and with a
# MongoDB DATABASE_URL the contrib apps are swapped for their MongoDB AppConfigs (config/mongodb.py).
INSTALLED_APPS = [
    # First: its management commands override Django's (changepassword also signs the account out everywhere).
    "backend.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "backend.common",
    "backend.mfa",
    "backend.oidc",
    "backend.tasks",
]

# Completed below: with read replicas configured, ReplicaRoutingMiddleware is inserted at position 0 (Database),
# then RequestObservabilityMiddleware at position 0 (Observability), so the observability middleware runs first.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # whitenoise, plus the SPA build's hashed /assets/ with immutable caching (backend/common/spa.py).
    "backend.common.spa.SpaWhiteNoiseMiddleware",
    # CORS, the CSP, the request-body guard (413) and the X-RateLimit-* headers, in one middleware with what never
    # changes between requests computed once (corsheaders and django-csp still answer the rare cases).
    "backend.common.headers.ResponseHeadersMiddleware",
    # Django's session, session user and messages: for the admin only, so API requests skip them (the API
    # authenticates by bearer token); messages are created only when something uses them.
    "backend.common.middleware.AdminSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "backend.common.middleware.AdminAuthenticationMiddleware",
    "backend.common.middleware.AdminMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view outside DRF that cannot reach the database answers 503, not 500 (DRF's views: the exception handler).
    "backend.common.middleware.DatabaseUnavailableMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ------------------------------------------------------------------------------
# Database
# ------------------------------------------------------------------------------
SILENCED_SYSTEM_CHECKS: list[str] = []
DJANGO_SQLITE_ENGINE = "django.db.backends.sqlite3"  # what django-environ gives a sqlite:// URL
SQLITE_ENGINE = "backend.common.sqlite3"  # Django's, with Unicode case-insensitive lookups
DATABASE_URL = env.str("DATABASE_URL", default="").strip() or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
if is_mongodb_url(DATABASE_URL):
    # django-environ does not know mongodb:// (config/mongodb.py; docs/mongodb.md).
    DATABASES = {
        "default": mongodb_database(
            DATABASE_URL,
            server_selection_timeout_ms=env.int("MONGODB_SERVER_SELECTION_TIMEOUT_MS", default=5000, minimum=1),
        )
    }
    DEFAULT_AUTO_FIELD = MONGODB_AUTO_FIELD
    INSTALLED_APPS = mongodb_installed_apps(INSTALLED_APPS)
    MIGRATION_MODULES = MONGODB_MIGRATION_MODULES
    SILENCED_SYSTEM_CHECKS = [*MONGODB_SILENCED_SYSTEM_CHECKS]
else:
    try:
        with warnings.catch_warnings():  # django-environ's warning for an unknown scheme prints the password
            warnings.simplefilter("ignore")
            DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    except ValueError as _error:  # a port that is no number, or out of range; the URL itself is not shown: a password
        raise ImproperlyConfigured(
            f"DATABASE_URL cannot be read ({_error}): write it as postgres://USER:PASSWORD@HOST:5432/NAME."
        ) from None
    if "." not in DATABASES["default"].get("ENGINE", ""):  # django-environ passes an unknown scheme on as the engine
        raise ImproperlyConfigured(
            "DATABASE_URL names no database Django knows: use postgres://, sqlite:/// or mongodb:// (docs/mongodb.md)."
        )
if DATABASES["default"]["ENGINE"] == DJANGO_POSTGRESQL_ENGINE:
    # Django's backend with a socket-only pool check and C-parsed timestamps (backend/common/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = POSTGRESQL_ENGINE
    # Django's native psycopg 3 pool; it cannot be combined with CONN_MAX_AGE > 0.
    # max_size must cover the gunicorn threads of one worker.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # With the pool, each connection is checked before it is handed out, so those that died with a restarted
    # server are replaced, never used (a look at the socket; an empty query when the server wrote to it).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=2, minimum=0),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10, minimum=1),
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0, minimum=0.1),
        # A connection lost with the server is not replaced in the background with exponential backoff (by
        # default for 5 minutes, sleeping up to minutes between attempts, so requests would keep timing out well
        # after the server is back): the pool gives it up at once and grows again when a request asks for one.
        "reconnect_timeout": 0.0,
    }
    _pool = DATABASES["default"]["OPTIONS"]["pool"]
    if _pool["min_size"] > _pool["max_size"]:
        raise ImproperlyConfigured(
            f"DB_POOL_MIN_SIZE={_pool['min_size']} is larger than DB_POOL_MAX_SIZE={_pool['max_size']}: lower the "
            "first or raise the second."
        )
    # libpq's bound on opening a connection (the TCP handshake and the server's greeting together). Without it a
    # server that is unreachable without refusing (a blackholed address, a hung host) holds each attempt for the
    # kernel's SYN retries, about two minutes: the pool's attempts would still hang after the server came back.
    # https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-CONNECT-TIMEOUT
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5, minimum=2))
    # The same for a connection already open when the server goes silent (a network partition, a host that froze,
    # a NAT that forgot the flow): nothing comes back, not even a reset, and a query sent on it waits for the
    # kernel's retransmissions, about 15 minutes, holding the request's thread (and /readyz) all along.
    # tcp_user_timeout ends the connection once data sent has gone unacknowledged that long (ms; 0 = the kernel's
    # default), so the query fails as an outage (a 503) and the pool replaces the connection; keepalives find an
    # idle pooled connection dead (10 s idle, then 3 probes 5 s apart) before a request is handed it. A URL that
    # sets any of these keeps its own. Linux only (libpq ignores tcp_user_timeout elsewhere).
    # https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-KEEPALIVES
    # https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-TCP-USER-TIMEOUT
    for _name, _value in {
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": env.int("DB_TCP_USER_TIMEOUT_MS", default=5000, minimum=0),
    }.items():
        DATABASES["default"]["OPTIONS"].setdefault(_name, _value)
    # Bounded request time: no statement runs, and no lock is waited for, longer than this (seconds; 0 = the
    # server's setting). Below the ingress' 35 s and gunicorn's 30 s; config/db_timeouts.py says why.
    DATABASES["default"]["OPTIONS"]["options"] = postgres_timeout_options(
        DATABASES["default"]["OPTIONS"].get("options"),
        statement_timeout=env.float("DB_STATEMENT_TIMEOUT", default=15.0, minimum=0),
        lock_timeout=env.float("DB_LOCK_TIMEOUT", default=5.0, minimum=0),
    )
    # Behind a pooler in transaction pooling mode (PgBouncer's pool_mode = transaction; docs/scaling.md), the next
    # fetch from a server-side cursor can reach another server connection than the one that declared it: "cursor
    # ... does not exist". With this set, QuerySet.iterator() (the data export) opens no cursor: it fetches each
    # query's rows whole.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#transaction-pooling-and-server-side-cursors
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_DISABLE_SERVER_SIDE_CURSORS", default=False)
elif DATABASES["default"]["ENGINE"] == DJANGO_SQLITE_ENGINE:
    # Django's backend whose case-insensitive lookups (the task search) fold every letter, not ASCII only, as
    # PostgreSQL's do (backend/common/sqlite3/base.py).
    DATABASES["default"]["ENGINE"] = SQLITE_ENGINE
    VAR_DIR.mkdir(exist_ok=True)
    # WAL lets the gunicorn threads of `make run` read while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )

# A request that cannot reach the database is answered 503 with this Retry-After (backend/common/outage.py).
DATABASE_RETRY_AFTER_SECONDS = env.int("DATABASE_RETRY_AFTER_SECONDS", default=5, minimum=0)

# Read replicas (PostgreSQL only): aliases replica_0, replica_1, … get the reads that may lag; the router
# keeps a request on the primary once it writes, and a user on it for DATABASE_REPLICA_PIN_SECONDS after
# their data changed. docs/scaling.md, "Read replicas".
DATABASES.update(replica_databases(default=DATABASES["default"], urls=env.list("DATABASE_REPLICA_URLS", default=[])))
DATABASE_REPLICA_ALIASES = [alias for alias in DATABASES if alias != "default"]
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=5, minimum=0)
if DATABASE_REPLICA_ALIASES:
    DATABASE_ROUTERS = ["backend.common.db_router.ReplicaRouter"]
    # Before everything but the observability middleware (inserted at 0 below): the pin must be in place
    # before any middleware or view reads.
    MIDDLEWARE.insert(0, "backend.common.db_router.ReplicaRoutingMiddleware")

# ------------------------------------------------------------------------------
# Cache: Redis when REDIS_URL is set, else process-local memory.
# ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and (_redis_problem := redis_url_problem(REDIS_URL)):
    raise ImproperlyConfigured(_redis_problem)
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="sad")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis that fails open (misses, never 500s), fails fast and warns once per
            # interval when Redis is down: backend/common/redis_cache.py.
            "BACKEND": "backend.common.redis_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "backend.common.redis_cache.FailFastRedisClient",
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=1.0, minimum=0.01),
                "SOCKET_TIMEOUT": env.float("REDIS_SOCKET_TIMEOUT", default=1.0, minimum=0.01),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "scalable-auth-dashboard",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
# The recent-write markers must be shared by every process (config/replicas.py).
replica_cache_check(replicas=DATABASE_REPLICA_ALIASES, redis_url=REDIS_URL)

# After a Redis error, each process answers from the database / counts limits locally for this
# long before trying Redis again.
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=5.0, minimum=0)
REDIS_WARNING_INTERVAL_SECONDS = env.int("REDIS_WARNING_INTERVAL_SECONDS", default=60, minimum=0)

# Cached task lists, details and stats (tasks/selectors.py). Writes invalidate at once;
# the TTL only bounds memory and the staleness left by a write whose invalidation
# could not reach Redis. 0 turns the cache off.
TASK_CACHE_TTL_SECONDS = env.int("TASK_CACHE_TTL_SECONDS", default=60, minimum=0)
# How many tasks a filtered list holds, per owner version (its COUNT walks every matching row; a deep
# page of a large list needs it too). Invalidated by the same writes; 0 turns it off.
TASK_COUNT_CACHE_TTL_SECONDS = env.int("TASK_COUNT_CACHE_TTL_SECONDS", default=300, minimum=0)

# ------------------------------------------------------------------------------
# By subject, in modules of their own that read `env` and the settings above from this one: the HTTP API (rate
# limits, REST framework and OpenAPI, request size, CORS), authentication (passwords, JWT, sessions and cookies, MFA
# and passkeys, OIDC sign-in) and email.
# ------------------------------------------------------------------------------
from .api import *  # noqa: E402,F403
from .auth import *  # noqa: E402,F403
from .email import *  # noqa: E402,F403

# ------------------------------------------------------------------------------
# Static files (whitenoise)
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ------------------------------------------------------------------------------
# SPA: the React build served on the same origin (backend/common/spa.py)
# ------------------------------------------------------------------------------
# Vite's output (`make frontend-build`); index.html is served for every non-API path.
SPA_DIST_DIR = env.str("SPA_DIST_DIR", default=str(BASE_DIR / "frontend" / "dist"))


def _static_file_security_headers(headers: Any, path: str, url: str) -> None:
    # Imported when whitenoise indexes its files, after the settings are loaded.
    from backend.common.headers import static_file_security_headers

    static_file_security_headers(headers)


# whitenoise answers /static/ and /assets/ before the header middlewares run: their files get the same CSP and
# X-Frame-Options as every other response.
# https://whitenoise.readthedocs.io/en/stable/django.html#WHITENOISE_ADD_HEADERS_FUNCTION
WHITENOISE_ADD_HEADERS_FUNCTION = _static_file_security_headers

# ------------------------------------------------------------------------------
# Security headers (production adds HSTS and the https redirect)
# ------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# One strict policy for every response (django-csp 4 format): the SPA, the API docs
# and the admin load scripts and styles only from this origin, nothing inline.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# ------------------------------------------------------------------------------
# Observability: structured logs, metrics, audit trail, error tracking.
# ------------------------------------------------------------------------------
from backend.observability.logging import logging_config, structlog_configure  # noqa: E402

INSTALLED_APPS += ["backend.observability", "backend.audit"]
# First, so request ids, durations and metrics cover the whole stack.
MIDDLEWARE.insert(0, "backend.observability.middleware.RequestObservabilityMiddleware")

# One JSON object per line on stdout (json), or readable lines for a terminal (console).
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").strip().upper()  # "info" as gunicorn's own level is written
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
structlog_configure(log_format=LOG_FORMAT, level=LOG_LEVEL)

# /metrics: see backend/observability/exposition.py for who may scrape it.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
METRICS_PATH = "/metrics"
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Loopback and the private ranges pod networks use, the shared address space 100.64.0.0/10 (CGNAT) included: EKS
# custom networking and some other CNIs give pods addresses there.
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"],
)

# Audit rows older than this are deleted by `manage.py purge_audit`.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365, minimum=1)

# Sentry only when configured: with SENTRY_DSN unset, sentry_sdk is never imported.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from backend.observability.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=""),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0, minimum=0.0, maximum=1.0),
    )
