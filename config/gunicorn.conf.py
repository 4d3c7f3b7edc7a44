"""gunicorn settings for `make run` and the containers, all overridable from the environment.

Settings reference: https://gunicorn.org/reference/settings/
"""

import os
import platform
import sys
from pathlib import Path

# Read the developer's .env the same way config/settings/environment.py does (real
# environment variables win), so the worker count below agrees with the cache
# Django will actually configure.
try:
    import environ

    environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)
except ImportError:  # pragma: no cover - django-environ is a runtime requirement
    pass

# Secrets mounted as files (REDIS_URL_FILE, DATABASE_URL_FILE, ...; config/secret_files.py) become the variables
# before anything below reads them, as config/settings/environment.py does for Django. (The project's root is put on
# sys.path for that import; see below.) The workers inherit these values and a record of what the master found
# (SECRET_FILES_LOADED): a worker restarted after the mounted Secret changed, gained or lost a key keeps what the
# master had, with a warning, rather than fail to boot, which would make the master exit. The new values take
# effect when the pod is rolled (docs/operations.md, "Changing the Secret").
if str(Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from config.env import FALSE_WORDS, TRUE_WORDS
from config.secret_files import load_secret_files

load_secret_files()


def _int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole-number setting; anything else stops gunicorn before it starts, with a message naming the variable
    (gunicorn itself would start with 0 workers, which accept connections and answer none)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        sys.exit(f"gunicorn.conf.py: {name}={value!r} must be a whole number of at least {minimum}{upper}.")
    return number


def _bool(name: str, default: bool) -> bool:
    """A yes/no setting, read with Django's words (config/env.py); anything else stops gunicorn with a message naming
    the variable, as Django's settings do: GUNICORN_REUSE_PORT=ture must not quietly mean off."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    sys.exit(f"gunicorn.conf.py: {name}={value!r} is not a yes/no value: set it to true or false.")


# ------------------------------------------------------------------------------
# Socket
# ------------------------------------------------------------------------------
bind = [os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000, minimum=1, maximum=65535)}"]
# One listening socket, shared by the workers; they take new connections by least connections
# (config/gunicorn_balance.py), so a burst of keep-alive connections is spread over them instead of piling onto
# whichever woke first. GUNICORN_REUSE_PORT=true gives each worker its own SO_REUSEPORT socket instead (the kernel
# spreads connections by hash); off, because a worker that dies then resets the connections queued on its own
# socket, which a shared socket hands to another worker: `make test-faults` failed 5 runs of 9 with it on
# (docs/performance.md, "Connection spread"). (And outside a container, a second server started by the same user
# on the same port would share it instead of failing to bind.)
reuse_port = _bool("GUNICORN_REUSE_PORT", False)


# ------------------------------------------------------------------------------
# Memory: large blocks go back to the system when freed (glibc)
# ------------------------------------------------------------------------------
# A login's Argon2 hash allocates one 19 MiB block (backend/accounts/hashers.py). glibc serves blocks that large with
# mmap and unmaps them when freed, but after the first such free it raises its mmap threshold to the block's size
# (its "dynamic threshold", up to 32 MiB): every later hash comes from the thread's heap arena and stays there.
# A worker's 4 threads then kept about 80 MB after a burst of logins (make bench: 182 MB against 105 MB without
# logins). Setting the threshold fixes it at glibc's default and turns that adjustment off (as the environment
# variable MALLOC_MMAP_THRESHOLD_=131072 would); the price is a fresh mapping per hash, about 5% of a login's CPU.
# Set before the workers fork, so they inherit it.
def _malloc_mmap_threshold_fix(threshold: int = 128 * 1024) -> None:
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or platform.libc_ver()[0] != "glibc":
        return  # glibc's own variable, already applied at start-up; or not glibc (musl has no such threshold)
    import ctypes

    m_mmap_threshold = -3  # malloc.h
    ctypes.CDLL(None).mallopt(m_mmap_threshold, threshold)


_malloc_mmap_threshold_fix()

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
workers = _int("WEB_CONCURRENCY", 2, minimum=1) if _redis_configured else 1
if not _redis_configured and _int("WEB_CONCURRENCY", 1, minimum=1) > 1:
    print(
        "gunicorn.conf.py: REDIS_URL is unset (process-local cache), so running 1 worker "
        "instead of WEB_CONCURRENCY; set REDIS_URL to run more.",
        file=sys.stderr,
    )

# gthread, stopping to listen as soon as SIGTERM arrives (config/gunicorn_worker.py): a connection made while the
# worker drains is refused, not left in the backlog to be reset when it exits; and accepting by least connections.
worker_class = "config.gunicorn_worker.BalancedThreadWorker"
threads = _int("GUNICORN_THREADS", 4, minimum=1)

# With PostgreSQL, Django's connection pool must hold a connection per thread: the request threads and the
# background pool's (backend/common/background.py), which sends every email from the outbox.
_pool_max_size = _int("DB_POOL_MAX_SIZE", 10, minimum=1)
_BACKGROUND_THREADS = 2  # background.py's pool (not imported here: the master must start no threads before it forks)
if (
    os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))
    and threads + _BACKGROUND_THREADS > _pool_max_size
):
    print(
        f"gunicorn.conf.py: GUNICORN_THREADS={threads} plus {_BACKGROUND_THREADS} background threads exceed "
        f"DB_POOL_MAX_SIZE={_pool_max_size}; threads will wait for database connections.",
        file=sys.stderr,
    )

timeout = 30
# After SIGTERM, in-flight requests get this long to finish before the workers are killed. Kubernetes must wait at
# least the preStop pause plus this before it sends SIGKILL: terminationGracePeriodSeconds in
# k8s/base/backend-deployment.yaml (tests/k8s checks that they agree). docs/operations.md, "Graceful shutdown".
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# How long an idle keep-alive connection stays open. Longer than the proxy in front keeps its idle upstream
# connections (ingress-nginx: upstream-keepalive-timeout, 60 s by default): if gunicorn closed first, the proxy
# could send a request on a connection at the moment it closes, and get a reset (a 502 for a POST, which the
# proxy does not retry). Idle connections wait in the worker's poller, not on its threads.
keepalive = _int("GUNICORN_KEEPALIVE", 75)

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
# The app logs one line per request with more in it (request id, user, view), so gunicorn's
# access log is off unless GUNICORN_ACCESS_LOG=true (e.g. to see requests Django never answered).
accesslog = "-" if _bool("GUNICORN_ACCESS_LOG", False) else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# ------------------------------------------------------------------------------
# gunicorn 25.1+ opens a control socket (for `gunicornc`) under $XDG_RUNTIME_DIR
# or ~/.gunicorn by default; we do not use it, and containers may have no
# writable home. Same as --no-control-socket.
# ------------------------------------------------------------------------------
control_socket_disable = True

# ------------------------------------------------------------------------------
# Observability (structured logs, metrics): JSON logs like the app's, and Prometheus multiprocess mode.
# ------------------------------------------------------------------------------
# gunicorn puts its own directory on sys.path, not the project's.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from backend.observability import gunicorn_hooks as _obs  # noqa: E402
from backend.observability.logging import gunicorn_logging_config as _gunicorn_logging_config  # noqa: E402
from config.gunicorn_balance import connection_table as _connection_table  # noqa: E402

# LOG_FORMAT=json|console; console by default only under the local settings (`make run`).
_default_log_format = "console" if os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".local") else "json"
logconfig_dict = _gunicorn_logging_config(
    log_format=os.environ.get("LOG_FORMAT", "").strip() or _default_log_format, level=loglevel
)
# gunicorn would log every request once more whenever logconfig_dict is set: only with accesslog (above).
logger_class = _obs.OptInAccessLogger

# Every worker writes its metric values under PROMETHEUS_MULTIPROC_DIR; /metrics sums them.
_metrics_dir = _obs.multiprocess_dir_ensure()


def on_starting(server):  # gunicorn hook
    """Before the first worker: forget the values of any earlier run in the directory."""
    _obs.multiprocess_dir_clear(_metrics_dir)


def pre_fork(server, worker):  # gunicorn hook
    """Give the worker about to be forked a slot of its own in the shared connection counts (gunicorn_balance.py)."""
    worker.connection_slot = _connection_table.slot_assign(
        getattr(live, "connection_slot", None) for live in server.WORKERS.values()
    )


def post_worker_init(worker):  # gunicorn hook
    """The worker has loaded the app: it sweeps the email outbox from now on (EMAIL_OUTBOX_SWEEP_SECONDS), sending
    what a killed worker left queued. Here rather than in an AppConfig.ready: only a serving process sweeps (not a
    management command, a test or the shell, which load the apps too), and in the worker, after the fork."""
    from django.apps import apps

    if not (apps.ready and apps.is_installed("backend.common")):
        return  # not the product's app (the bench's bare WSGI and startproject floors): no outbox to sweep
    from backend.common.mail_sweep import email_outbox_sweep_start

    email_outbox_sweep_start()


def child_exit(server, worker):  # gunicorn hook
    _obs.worker_exited(worker.pid)
    _connection_table.clear_pid(worker.pid)  # its siblings stop leaving connections for it at once


def on_exit(server):  # gunicorn hook
    """Remove the metrics directory if it is a temp dir made above (a configured one is left alone)."""
    _obs.multiprocess_dir_remove_created()
