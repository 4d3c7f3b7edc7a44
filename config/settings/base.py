"""Settings shared by every environment.

Everything comes from the environment (12-factor) through django-environ, with
safe local defaults. Environment-specific modules (local, production, test)
import this one and override what differs.
"""

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from corsheaders.defaults import default_headers as default_cors_headers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import EmailValidator, URLValidator

from config.db_timeouts import postgres_timeout_options
from config.env import StrictEnv
from config.local_secrets import read_dotenv
from config.mongodb import (
    MONGODB_AUTO_FIELD,
    MONGODB_MIGRATION_MODULES,
    MONGODB_SILENCED_SYSTEM_CHECKS,
    is_mongodb_url,
    mongodb_database,
    mongodb_installed_apps,
)
from config.production_checks import breach_api_url_problem, frontend_url_form_problem, redis_url_problem
from config.replicas import DJANGO_POSTGRESQL_ENGINE, POSTGRESQL_ENGINE, replica_cache_check, replica_databases
from config.secret_files import load_secret_files

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# Strict: a value a setting cannot take (a yes/no typo, a negative size) stops the start, naming it (config/env.py).
env = StrictEnv()
# A developer's own overrides; never committed (see .env.example).
read_dotenv()
# Secrets mounted as files: SECRET_KEY_FILE=/run/secrets/sad-backend/SECRET_KEY sets SECRET_KEY, and so on.
load_secret_files()

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
FRONTEND_URL = env.str("FRONTEND_URL", default="http://127.0.0.1:8000").strip().rstrip("/")
if _frontend_url_problem := frontend_url_form_problem(FRONTEND_URL):
    raise ImproperlyConfigured(_frontend_url_problem)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Proxies in front of the app (ingress, load balancer) that append to
# X-Forwarded-For. 0 means REMOTE_ADDR is the client address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0, minimum=0)

# ------------------------------------------------------------------------------
# Apps and middleware
# ------------------------------------------------------------------------------
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

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
    # Bounded request time: no statement runs, and no lock is waited for, longer than this (seconds; 0 = the
    # server's setting). Below the ingress' 35 s and gunicorn's 30 s; config/db_timeouts.py says why.
    DATABASES["default"]["OPTIONS"]["options"] = postgres_timeout_options(
        DATABASES["default"]["OPTIONS"].get("options"),
        statement_timeout=env.float("DB_STATEMENT_TIMEOUT", default=15.0, minimum=0),
        lock_timeout=env.float("DB_LOCK_TIMEOUT", default=5.0, minimum=0),
    )
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
# Rate limits (backend/common/ratelimit.py): LIMIT/PERIOD, e.g. 5/15m, 100/h, 10/30s.
# Each scope is set by RATE_LIMIT_<SCOPE>, e.g. RATE_LIMIT_LOGIN_IP=20/5m.
# ------------------------------------------------------------------------------
RATE_LIMIT_ENABLED = env.bool("RATE_LIMIT_ENABLED", default=True)  # false only for benchmarks
_DEFAULT_RATES = {
    "anon": "120/1m",  # every unauthenticated API call, per client IP
    "user": "600/1m",  # every authenticated API call, per user
    # Sign-in limits by device (OWASP's device cookies; backend/accounts/login_limits.py): a browser that signed in
    # to the account before counts its failures apart, so nobody else's failures can lock it out.
    "login_ip": "20/5m",  # login attempts per client IP, from devices unknown to the account
    "login_email_device": "5/15m",  # failed logins per (account, known device)
    "login_email_ip": "5/15m",  # failed logins per (account, client IP), from unknown devices
    "login_email": "30/15m",  # failed logins per account from all unknown devices: the ceiling
    "register_ip": "10/1h",
    "password_reset_ip": "10/1h",
    "password_reset_email_device": "3/1h",  # reset emails asked per (account, known device)
    "password_reset_email_ip": "3/1h",  # reset emails asked per (account, client IP), from unknown devices
    "password_reset_email": "10/1h",  # reset emails asked per account from all unknown devices: the ceiling
    # Wrong current passwords, or second-factor answers at re-authentication, per session: the one that reaches the
    # limit ends the session.
    "password_change_session": "5/30d",
    "refresh_ip": "60/1m",  # failed token refreshes per client IP (one that works is given back)
    "refresh_session": "60/1m",  # token refreshes per session (each page load or new tab refreshes once)
    # Email verification and change (backend/accounts/email_apis.py).
    "email_verify_ip": "30/1h",  # verification links followed, per client IP
    "email_verify_resend_ip": "10/1h",  # verification emails asked, per client IP
    "email_verify_resend_email_device": "3/1h",  # ... per (account, known device)
    "email_verify_resend_email_ip": "3/1h",  # ... per (account, client IP), from unknown devices
    "email_verify_resend_email": "10/1h",  # ... per account from all unknown devices: the ceiling
    "email_change_ip": "20/1h",  # email changes asked, per client IP
    "email_change_user": "5/1h",  # email changes asked, per user
    "email_change_confirm_ip": "30/1h",  # email-change links followed, per client IP
    # Data exports (GET /api/auth/me/export/) per user: each streams the whole account.
    "export_user": "5/1h",
    # Wrong authenticator-app codes per account, whatever the device (backend/mfa/services/second_factor.py): six
    # digits are the one guessable answer, and known-device cookies must not multiply the guesses.
    "authenticator_code_account": "20/1d",
    # Passkey ceremonies started without an account (passwordless sign-in), per client IP. Every second-factor code
    # and passkey checked counts on the sign-in limits above (docs/mfa.md).
    "passkey_options_ip": "30/5m",
    # Sign-in codes by email (backend/mfa/services/email_code.py), asked per client IP and, as reset emails are, per
    # (account, known device), per (account, client IP) and per account. Wrong codes count on the login limits.
    "login_code_ip": "10/1h",
    "login_code_email_device": "3/1h",
    "login_code_email_ip": "3/1h",
    "login_code_email": "10/1h",
    # Sign-in with OpenID Connect providers (backend/oidc), per client IP: flows started, and callbacks (failed
    # sign-ins among them count on login_ip too, new accounts on register_ip).
    "oidc_start_ip": "30/5m",
    "oidc_callback_ip": "30/5m",
}
RATE_LIMITS = {scope: env.str(f"RATE_LIMIT_{scope.upper()}", default=rate) for scope, rate in _DEFAULT_RATES.items()}

# ------------------------------------------------------------------------------
# Authentication
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    # Argon2id with m=19 MiB, t=2, p=1: Django's default Argon2 (100 MiB per hash) overran the pod's memory.
    "backend.accounts.hashers.BoundedMemoryArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Django's four, judging the password in NFC as it is hashed, on every path that sets one (the admin's forms and
# manage.py's commands too): backend/accounts/password_validators.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "backend.accounts.password_validators.UserAttributeSimilarityValidator"},
    {"NAME": "backend.accounts.password_validators.MinimumLengthValidator"},
    {"NAME": "backend.accounts.password_validators.CommonPasswordValidator"},
    {"NAME": "backend.accounts.password_validators.NumericPasswordValidator"},
    # Leaked-password protection: Have I Been Pwned's range API, k-anonymity, fail open (breached_passwords.py).
    {"NAME": "backend.accounts.password_validators.BreachedPasswordValidator"},
]
# On here and in production; local.py and test.py turn it off unless set, so `make run` and the tests work offline.
PASSWORD_BREACH_CHECK = env.bool("PASSWORD_BREACH_CHECK", default=True)
PASSWORD_BREACH_API_URL = env.str("PASSWORD_BREACH_API_URL", default="https://api.pwnedpasswords.com/range/").strip()
if _breach_api_url_problem := breach_api_url_problem(PASSWORD_BREACH_API_URL):
    raise ImproperlyConfigured(_breach_api_url_problem)
# The whole check's wait, at most (a password set waits on it): a minute would already be far too long.
PASSWORD_BREACH_TIMEOUT_SECONDS = env.float("PASSWORD_BREACH_TIMEOUT_SECONDS", default=2.0, minimum=0.01, maximum=30)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60, minimum=1)

# JWT: simplejwt signs and verifies; sessions and revocation are ours
# (backend/accounts/tokens.py explains why token_blacklist is not used).
# https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="").strip()  # trimmed as the list's keys are, below
# Key rotation: newest first, comma-separated; the first signs, all verify (backend/accounts/tokens.py). Unset, the
# one key is JWT_SIGNING_KEY. docs/operations.md, "Rotating the JWT signing key".
# Each key trimmed: "NEW, OLD" must not make " OLD", a different key (every token signed with OLD would fail).
JWT_SIGNING_KEYS = [key.strip() for key in env.list("JWT_SIGNING_KEYS", default=[]) if key.strip()] or (
    [JWT_SIGNING_KEY] if JWT_SIGNING_KEY else []
)
ACCESS_TOKEN_LIFETIME = timedelta(seconds=env.int("ACCESS_TOKEN_LIFETIME_SECONDS", default=5 * 60, minimum=1))
REFRESH_TOKEN_LIFETIME = timedelta(
    seconds=env.int("REFRESH_TOKEN_LIFETIME_SECONDS", default=7 * 24 * 60 * 60, minimum=1)
)
# A session cannot be extended by rotation beyond this age; the user signs in again.
SESSION_MAX_LIFETIME = timedelta(seconds=env.int("SESSION_MAX_LIFETIME_SECONDS", default=30 * 24 * 60 * 60, minimum=1))
# Live sessions one account may hold: a sign-in beyond it signs out the ones used least recently (a script that signs
# in without signing out would otherwise pile up thousands, each listed on the account page until it expires).
# 0: no limit.
SESSIONS_PER_USER_MAX = env.int("SESSIONS_PER_USER_MAX", default=100, minimum=0)
# A refresh token presented again this soon after it was rotated gets the same new token back instead of revoking
# the session as reused: a lost response, a retry or tabs refreshing together. 0 turns the grace off. (Supabase's
# REFRESH_TOKEN_REUSE_INTERVAL: https://supabase.com/docs/guides/auth/sessions#refresh-token-reuse-detection)
REFRESH_REUSE_INTERVAL_SECONDS = env.int("REFRESH_REUSE_INTERVAL_SECONDS", default=10, minimum=0)
SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEYS[0] if JWT_SIGNING_KEYS else "",
    "AUTH_TOKEN_CLASSES": ("backend.accounts.tokens.SessionAccessToken",),
    "ACCESS_TOKEN_LIFETIME": ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": REFRESH_TOKEN_LIFETIME,
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": False,
    "UPDATE_LAST_LOGIN": False,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "LEEWAY": 0,
}

# The refresh token's cookie. Path-scoped so it only travels to /api/auth/.
# SameSite=Strict: the SPA is same-origin, so no cross-site request ever needs it.
REFRESH_COOKIE_NAME = env.str("REFRESH_COOKIE_NAME", default="sad_refresh")
REFRESH_COOKIE_PATH = "/api/auth/"
REFRESH_COOKIE_SAMESITE = env.str("REFRESH_COOKIE_SAMESITE", default="Strict")
REFRESH_COOKIE_SECURE = env.bool("REFRESH_COOKIE_SECURE", default=True)
REFRESH_COOKIE_DOMAIN = env.str("REFRESH_COOKIE_DOMAIN", default="") or None

# The device cookie: a signed, per-account marker that this browser has signed in before, so its failed sign-ins
# count on a bucket of its own (backend/accounts/login_limits.py). Path=/ (the API's and the admin's login forms
# both read it) and, when Secure (REFRESH_COOKIE_SECURE), named with the __Host- prefix (backend/accounts/cookies.py).
DEVICE_COOKIE_NAME = "sad_device"
DEVICE_COOKIE_MAX_AGE_SECONDS = env.int("DEVICE_COOKIE_MAX_AGE_SECONDS", default=365 * 24 * 60 * 60, minimum=1)

# ------------------------------------------------------------------------------
# REST framework and OpenAPI
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["backend.accounts.authentication.SessionJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["backend.common.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "backend.common.negotiation.ContentNegotiation",  # DRF's, reading META
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.common.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["backend.common.throttles.ApiRateThrottle"],
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Scalable Auth Dashboard API",
    "DESCRIPTION": (
        "Email/password accounts with short-lived JWT access tokens and rotating "
        "refresh tokens in an httpOnly cookie, server-side sessions, and per-user tasks."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.common.schema.document_transport_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "backend.tasks.models.Task.Status",
        "TaskPriorityEnum": "backend.tasks.models.Task.Priority",
        "ErrorCodeEnum": "backend.common.errors.error_code_choices",
    },
}

# ------------------------------------------------------------------------------
# Request limits
# ------------------------------------------------------------------------------
# Bodies above this are refused with 413 before any parsing (common.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BODY_BYTES", default=256 * 1024, minimum=1)

# ------------------------------------------------------------------------------
# CORS: the SPA is served same-origin; list other origins explicitly.
# ------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"
# Listed origins may use conditional requests and idempotency keys, and read the ETag, replay and rate-limit headers.
CORS_ALLOW_HEADERS = (*default_cors_headers, "if-match", "if-none-match", "idempotency-key")
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Idempotent-Replayed",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]

# How long an Idempotency-Key is remembered with the response it got (backend/common/idempotency.py).
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=24 * 60 * 60, minimum=1)

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
# whitenoise, plus the build's hashed /assets/ with immutable caching.
MIDDLEWARE[MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware")] = (
    "backend.common.spa.SpaWhiteNoiseMiddleware"
)


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
# Email
# ------------------------------------------------------------------------------


def _is_email_or_web_address(value: str) -> bool:
    validator = EmailValidator() if "://" not in value else URLValidator(schemes=["http", "https"])
    try:
        validator(value)
    except ValidationError:
        return False
    return True


EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Where django.core.mail.backends.filebased.EmailBackend writes each message (the contract tests read them).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10, minimum=1)


def _retry_delays(name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    """Comma-separated seconds, each at least 0: one more attempt per delay (backend/common/mail.py)."""
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    try:
        delays = tuple(float(part) for part in raw.split(","))
    except ValueError:
        delays = ()
    if not delays or any(not 0 <= delay < float("inf") for delay in delays):
        raise ImproperlyConfigured(f"{name}={raw!r}: give comma-separated seconds, each at least 0 (e.g. 10,40,120).")
    return delays


# After a temporary SMTP failure (refused, timed out, disconnected, a 4xx reply), wait this long before each new
# attempt: 4 attempts over about 3 minutes, which outlast a relay's restart or its "try again later". A 5xx reply is
# final. Each email waits in the outbox table (backend/common/mail.py), so a retry survives its process.
EMAIL_RETRY_DELAYS = _retry_delays("EMAIL_RETRY_DELAYS", (10.0, 40.0, 120.0))
# How often each gunicorn worker sends the queued emails that are due and that no process is sending (those a killed
# process left: backend/common/mail_sweep.py). 0 turns it off; `manage.py send_queued_emails` then does it.
EMAIL_OUTBOX_SWEEP_SECONDS = env.int("EMAIL_OUTBOX_SWEEP_SECONDS", default=60, minimum=0)
# Both would fail every send, in the background, long after the start; a backend named without its module likewise.
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both on: set one, TLS for STARTTLS (port 587), SSL for implicit TLS (465)."
    )
if "." not in EMAIL_BACKEND:
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND={EMAIL_BACKEND!r} is not a class path: e.g. django.core.mail.backends.smtp.EmailBackend."
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Scalable Auth Dashboard <no-reply@localhost>")
# Where the security notices send a reader who needs a person (an account taken over, deleted or changed by an
# operator): an email address or an http(s) URL. Empty, they say what the reader can do alone (accounts/emails.py).
SUPPORT_CONTACT = env.str("SUPPORT_CONTACT", default="").strip()
if SUPPORT_CONTACT and not _is_email_or_web_address(SUPPORT_CONTACT):
    raise ImproperlyConfigured(
        f"SUPPORT_CONTACT={SUPPORT_CONTACT!r} is neither an email address nor an http(s) URL: the notices print it for "
        "users to reach support."
    )
# Email verification, as django-allauth's ACCOUNT_EMAIL_VERIFICATION (backend/accounts/services/email_verification.py):
# mandatory: no sign-in until the address is confirmed; optional: a link is sent at registration, nothing waits for
# it; none: no link is sent at registration.
EMAIL_VERIFICATION_MODES = ("mandatory", "optional", "none")
EMAIL_VERIFICATION = env.str("EMAIL_VERIFICATION", default="optional").strip().lower()
if EMAIL_VERIFICATION not in EMAIL_VERIFICATION_MODES:
    raise ImproperlyConfigured(
        f"EMAIL_VERIFICATION={EMAIL_VERIFICATION!r}: use one of {', '.join(EMAIL_VERIFICATION_MODES)}"
    )
# How long an emailed verification or email-change link works.
EMAIL_LINK_MAX_AGE_SECONDS = env.int("EMAIL_LINK_MAX_AGE_SECONDS", default=3 * 24 * 60 * 60, minimum=1)

# ------------------------------------------------------------------------------
# Multi-factor authentication (docs/mfa.md; backend/mfa/)
# ------------------------------------------------------------------------------
# Encrypts TOTP secrets at rest (Fernet), newest first: the first encrypts, every one decrypts, and
# `manage.py mfa_rotate_key` re-encrypts every secret with the first. Unset (local use only), a key is derived from
# SECRET_KEY; production refuses to start without one.
# Trimmed as JWT_SIGNING_KEYS are: " OLD" would be another valid key, and every secret under OLD unreadable.
MFA_ENCRYPTION_KEYS = [key.strip() for key in env.list("MFA_ENCRYPTION_KEYS", default=[]) if key.strip()] or [
    key for key in [env.str("MFA_ENCRYPTION_KEY", default="").strip()] if key
]
# The name authenticator apps show beside the account's email (the otpauth:// URI's issuer).
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Scalable Auth Dashboard")
# How long the second step of a sign-in (and a passkey ceremony) may take.
MFA_CHALLENGE_MAX_AGE_SECONDS = env.int("MFA_CHALLENGE_MAX_AGE_SECONDS", default=5 * 60, minimum=1)
# Wrong codes one sign-in challenge takes before it is spent (the account's sign-in limits apply as well).
MFA_CHALLENGE_MAX_FAILURES = env.int("MFA_CHALLENGE_MAX_FAILURES", default=5, minimum=1)
# Signing in with a one-time code sent to the account's address (POST /api/auth/login/code/), and how long a code
# works. A first factor, as the password is: an account with a second factor is still asked for it (docs/mfa.md).
LOGIN_BY_CODE_ENABLED = env.bool("LOGIN_BY_CODE_ENABLED", default=True)
LOGIN_CODE_MAX_AGE_SECONDS = env.int("LOGIN_CODE_MAX_AGE_SECONDS", default=10 * 60, minimum=60)
# Password, email and second-factor changes and account deletion need an authentication this recent, at the
# account's level (a second factor when it has one, whatever the session signed in with; docs/mfa.md).
REAUTH_MAX_AGE_SECONDS = env.int("REAUTH_MAX_AGE_SECONDS", default=5 * 60, minimum=1)
# Staff cannot sign in to the Django admin until they have an authenticator app. (Any account with a second factor
# is asked for a code there anyway: backend/accounts/admin_login.py.)
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=False)
# WebAuthn relying party: passkeys are bound to RP_ID (a domain, never an IP address) and accepted only from
# ORIGINS. Defaults follow FRONTEND_URL; a laptop on http://127.0.0.1 uses "localhost" (open the app there).
# https://www.w3.org/TR/webauthn-3/#relying-party-identifier
_frontend_host = urlsplit(FRONTEND_URL).hostname or "localhost"
_frontend_host_is_ip = _frontend_host.replace(".", "").isdigit() or ":" in _frontend_host
_frontend_url_host = f"[{_frontend_host}]" if ":" in _frontend_host else _frontend_host  # IPv6 is bracketed in a URL
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="localhost" if _frontend_host_is_ip else _frontend_host)
WEBAUTHN_RP_NAME = env.str("WEBAUTHN_RP_NAME", default="Scalable Auth Dashboard")
WEBAUTHN_ORIGINS = env.list(
    "WEBAUTHN_ORIGINS",
    default=[FRONTEND_URL, FRONTEND_URL.replace(_frontend_url_host, "localhost")]
    if _frontend_host_is_ip
    else [FRONTEND_URL],
)

# ------------------------------------------------------------------------------
# Sign-in with OpenID Connect providers (docs/sso.md; backend/oidc/)
# ------------------------------------------------------------------------------
# A JSON list of {"id", "name", "issuer", "client_id", "client_secret", "scopes"?}; empty (the default): off. Checked
# here, so a mistake stops the start saying how to fix it (backend/oidc/config.py); never logged.
try:  # empty counts as unset, as for the other settings
    _oidc_providers_raw = env.json("OIDC_PROVIDERS") if env.str("OIDC_PROVIDERS", default="").strip() else []
except ValueError:  # the JSON's own error would quote the value, secrets and all
    raise ImproperlyConfigured(
        'OIDC_PROVIDERS is not valid JSON: write a list such as [{"id": "google", "name": "Google", "issuer": '
        '"https://accounts.google.com", "client_id": "...", "client_secret": "..."}] (docs/sso.md).'
    ) from None
from backend.oidc.config import providers_parse  # noqa: E402

OIDC_PROVIDERS = providers_parse(_oidc_providers_raw)
# How long a sign-in may take at the provider (the signed flow cookie's lifetime), and each call to it.
OIDC_FLOW_MAX_AGE_SECONDS = env.int("OIDC_FLOW_MAX_AGE_SECONDS", default=10 * 60, minimum=60)
OIDC_HTTP_TIMEOUT_SECONDS = env.float("OIDC_HTTP_TIMEOUT_SECONDS", default=5.0, minimum=0.1, maximum=60.0)

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
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
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
