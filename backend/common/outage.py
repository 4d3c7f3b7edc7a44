"""Outage reporting: Redis and the database, logged per outage, however many requests hit it.

During a Redis outage every request fails over (cache misses, local rate limits); during a database outage
the requests that need it are answered 503 (backend/common/exceptions.py). A line per request would flood the
logs exactly when an operator needs to read them.
"""

import logging
import threading
import time
from typing import Any

from django.conf import settings

from backend.observability.metrics import RedisComponent, redis_failure

from .redis_breaker import redis_breaker

logger = logging.getLogger("backend.redis")
database_logger = logging.getLogger("backend.database")


class _Gate:
    """Lets one event through per interval and counts the ones it holds back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_at = 0.0
        self._held_back = 0

    def open(self, interval: float) -> int | None:
        """The number held back since the last one let through, or None if this one is held back too."""
        now = time.monotonic()
        with self._lock:
            if now < self._next_at:
                self._held_back += 1
                return None
            held_back, self._held_back = self._held_back, 0
            self._next_at = now + interval
            return held_back


_gates: dict[str, _Gate] = {}
_gates_lock = threading.Lock()


def report_redis_failure(consequence: str, exc: BaseException | None, *, component: RedisComponent) -> None:
    """Count the failure (redis_failures_total, by ``component``: every one, which the logs are not) and log a
    warning that Redis failed and what the app does instead, at most once per REDIS_WARNING_INTERVAL."""
    redis_failure(component)
    with _gates_lock:
        gate = _gates.setdefault(consequence, _Gate())
    held_back = gate.open(settings.REDIS_WARNING_INTERVAL_SECONDS)
    if held_back is None:
        return
    logger.warning(
        "Redis call failed (%s); %s. %d more failures since the last warning; next warning in %ss at most.",
        f"{type(exc).__name__}: {exc}" if exc else "unknown error",
        consequence,
        held_back,
        settings.REDIS_WARNING_INTERVAL_SECONDS,
    )


def reset_outage_reports() -> None:
    """Forget when each warning was last logged, and close the breaker (tests)."""
    with _gates_lock:
        _gates.clear()
    redis_breaker.reset()
    database_outage.reset()


# ------------------------------------------------------------------------------
# The database
# ------------------------------------------------------------------------------
# SQLSTATEs of a server that is going away or cannot take the connection: class 08 (connection exception),
# admin/crash shutdown, "the database system is starting up / shutting down", too many connections.
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def is_database_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached (as opposed to a query that failed on a live server).

    PostgreSQL: the pool gave no connection in time (PoolTimeout), the connection could not be made or was lost
    (psycopg's OperationalError with no SQLSTATE: libpq's own error), or the server said it is shutting down,
    starting up or full. MongoDB: PyMongo's ConnectionFailure (server selection timeout, network error), looked up
    by name so SQL deployments never import PyMongo. Anything else (a deadlock, a constraint, SQLite's "database
    is locked") is not an outage.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _is_psycopg_unavailable(exc) or _is_mongodb_connection_failure(exc):
            return True
        exc = exc.__cause__
    return False


def _is_psycopg_unavailable(exc: BaseException) -> bool:
    module = type(exc).__module__
    if not module.startswith(("psycopg.", "psycopg_pool")) and module != "psycopg":
        return False
    import psycopg  # only ever reached with a psycopg error in hand

    if not isinstance(exc, psycopg.OperationalError):
        return False
    sqlstate = getattr(exc, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES


def _is_mongodb_connection_failure(exc: BaseException) -> bool:
    return any(cls.__name__ == "ConnectionFailure" and cls.__module__ == "pymongo.errors" for cls in type(exc).__mro__)


def _describe(exc: BaseException | None) -> str:
    while exc is not None and exc.__cause__ is not None:  # the driver's error says more than Django's wrapper
        exc = exc.__cause__
    return f"{type(exc).__name__}: {str(exc).strip()}" if exc else "unknown error"


class _DatabaseOutage:
    """Per process: the first failure opens an outage (one warning), the next connection made closes it (one line
    with its length and how many requests were refused). In between, nothing is logged."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started_at: float | None = None
        self._refused = 0

    def failed(self, exc: BaseException | None, *, refused_request: bool) -> None:
        """The database could not be reached; ``refused_request``: a request was answered 503 because of it."""
        with self._lock:
            opened = self._started_at is None
            if opened:
                self._started_at, self._refused = time.monotonic(), 0
            self._refused += refused_request
        if opened:
            database_logger.warning(
                "Database unavailable (%s); requests that need it are answered 503 with Retry-After until a "
                "connection succeeds again. Not logged again until then.",
                _describe(exc),
            )
        if refused_request:
            from .signals import database_request_refused

            database_request_refused.send(sender=None)

    def answered(self, **kwargs: Any) -> None:
        """A connection was made (the connection_created signal): the outage, if any, is over."""
        if self._started_at is None:  # the usual case: no lock, one attribute read
            return
        with self._lock:
            started_at, refused = self._started_at, self._refused
            self._started_at = None
        if started_at is not None:
            database_logger.warning(
                "Database available again after %.1fs; %d requests were answered 503 meanwhile.",
                time.monotonic() - started_at,
                refused,
            )

    def reset(self) -> None:
        with self._lock:
            self._started_at, self._refused = None, 0


database_outage = _DatabaseOutage()
