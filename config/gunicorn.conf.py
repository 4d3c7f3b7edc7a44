"""gunicorn settings for `make run` and the containers, all overridable from the environment.

Settings reference: https://gunicorn.org/reference/settings/
"""

import os
import sys
from pathlib import Path

# Read the developer's .env the same way config/settings/base.py does (real
# environment variables win), so the worker count below agrees with the cache
# Django will actually configure.
try:
    import environ

    environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)
except ImportError:  # pragma: no cover - django-environ is a runtime requirement
    pass


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# ------------------------------------------------------------------------------
# Socket
# ------------------------------------------------------------------------------
bind = [os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT') or 8000}"]

# ------------------------------------------------------------------------------
# Workers
# ------------------------------------------------------------------------------
# Without REDIS_URL the Django cache is LocMemCache: private to each process.
# The session-liveness cache lives there, so revoking a session in one worker
# would leave the other workers trusting their cached "alive" entry until it
# expires. One worker (with several threads) shares one cache and makes
# revocation take effect at once. With Redis every worker shares the cache,
# so WEB_CONCURRENCY workers are safe.
_redis_configured = bool(os.environ.get("REDIS_URL", "").strip())
workers = _int("WEB_CONCURRENCY", 2) if _redis_configured else 1
if not _redis_configured and _int("WEB_CONCURRENCY", 1) > 1:
    print(
        "gunicorn.conf.py: REDIS_URL is unset (process-local cache), so running 1 worker "
        "instead of WEB_CONCURRENCY; set REDIS_URL to run more.",
        file=sys.stderr,
    )

worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)

# With PostgreSQL, Django's connection pool must hold a connection per thread.
if os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")) and threads > _int("DB_POOL_MAX_SIZE", 10):
    print(
        f"gunicorn.conf.py: GUNICORN_THREADS={threads} exceeds DB_POOL_MAX_SIZE; "
        "threads will wait for database connections.",
        file=sys.stderr,
    )

timeout = 30
graceful_timeout = 30
keepalive = 5

# Recycle workers after N requests (0 = never); jitter spreads the restarts.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)

# ------------------------------------------------------------------------------
# Proxies: addresses allowed to set X-Forwarded-* (gunicorn's own default).
# ------------------------------------------------------------------------------
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# ------------------------------------------------------------------------------
# Logging: everything to stdout/stderr for the container runtime.
# ------------------------------------------------------------------------------
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# ------------------------------------------------------------------------------
# gunicorn 25.1+ opens a control socket (for `gunicornc`) under $XDG_RUNTIME_DIR
# or ~/.gunicorn by default; we do not use it, and containers may have no
# writable home. Same as --no-control-socket.
# ------------------------------------------------------------------------------
control_socket_disable = True
