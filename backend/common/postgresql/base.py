"""Django's PostgreSQL backend with two per-request costs taken out (docs/performance.md, "Database backend").

``ENGINE: backend.common.postgresql`` (config/settings/base.py sets it for every PostgreSQL URL). Everything
else is Django's own ``django.db.backends.postgresql``.

1. **The pool's check before use.** With ``CONN_HEALTH_CHECKS``, Django gives psycopg's pool
   ``ConnectionPool.check_connection``: an empty query, so one more round trip to the server (and a little of
   its CPU) on every request that touches the database. ``connection_check`` looks at the socket instead when
   the connection was in use moments ago (under load, nearly always): one the server has nothing to say on is
   in order; one the server has written to (most likely its goodbye when it is restarted or the backend is
   terminated, then end of file), or one idle for longer, gets the full check, which fails on a dead one so
   the pool replaces it. ``make test-faults`` restarts the server under load and counts the 5xx.
2. **Timestamps parsed in C.** Django registers a pure-Python ``timestamptz`` loader (it re-labels the
   parsed value with the database time zone). When that zone is UTC, as it is here (``USE_TZ``, no
   ``TIME_ZONE`` in DATABASES), psycopg's C loader gives the same values: the loader below hands the text to
   it and keeps Django's class (and its ``timezone`` attribute, which ``create_cursor`` reads).
"""

import datetime
import select
import time
import weakref
from functools import lru_cache
from typing import Any, cast

from django.conf import settings
from django.db.backends.postgresql import base as django_postgresql
from django.db.backends.postgresql.psycopg_any import BaseTzLoader, get_adapters_template
from psycopg import Connection, OperationalError, postgres
from psycopg.abc import Loader
from psycopg.pq import Format
from psycopg_pool import ConnectionPool

_TIMESTAMPTZ_OID = postgres.types["timestamptz"].oid
# psycopg's own (C, with psycopg[binary]) text loader, which Django's subclass of the Python one hides.
_FAST_TIMESTAMPTZ_LOADER = cast("type[Loader]", postgres.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT))


# A connection handed out this recently was talking to the server then; one idle for longer gets the full check,
# because a server (or a NAT or load balancer on the way) can vanish without a word, and only a query finds out.
QUIET_CHECK_MAX_IDLE_SECONDS = 2.0
_handed_out_at: "weakref.WeakKeyDictionary[Connection[Any], float]" = weakref.WeakKeyDictionary()


def connection_check(conn: Connection[Any]) -> None:
    """Raise unless ``conn`` may be handed out: the pool's ``check``, without a round trip when it can.

    A connection last handed out under QUIET_CHECK_MAX_IDLE_SECONDS ago, whose socket has nothing to read, is
    in order (the pool only holds idle ones: it rolls back what it is given back). Any other gets psycopg's
    full check, an empty query, which fails on a dead connection: one idle for longer (its server may have
    gone silently), or one the server has written to (its notice that it is shutting down, end of file, a
    NOTIFY).
    """
    if conn.closed or conn.broken:
        raise OperationalError("the connection is closed")
    now = time.monotonic()
    last = _handed_out_at.get(conn)
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    if last is None or now - last > QUIET_CHECK_MAX_IDLE_SECONDS or poller.poll(0):
        ConnectionPool.check_connection(conn)
    _handed_out_at[conn] = now


class UtcTimestamptzLoader(BaseTzLoader):
    """Django's ``timestamptz`` loader for a UTC database time zone, parsing with psycopg's C loader."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._fast_load = _FAST_TIMESTAMPTZ_LOADER(oid, context).load

    def load(self, data: Any) -> datetime.datetime:
        value = self._fast_load(data)
        # UTC whenever the session's TimeZone is (Django sets it on each connection); converted otherwise.
        return value if value.tzinfo is datetime.UTC else value.astimezone(datetime.UTC)


@lru_cache
def adapters_with_fast_timestamps(use_tz: bool, timezone: Any) -> Any:
    adapters = get_adapters_template(use_tz, timezone)
    if use_tz and timezone is datetime.UTC:
        adapters = type(adapters)(adapters)  # a copy: Django's template is shared by its own connections
        adapters.register_loader("timestamptz", UtcTimestamptzLoader)
    return adapters


class DatabaseWrapper(django_postgresql.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if "context" in params:
            params["context"] = adapters_with_fast_timestamps(settings.USE_TZ, self.timezone)
        return params

    @property
    def pool(self) -> ConnectionPool | None:
        pool = super().pool
        # Django built it with check=ConnectionPool.check_connection (CONN_HEALTH_CHECKS); swap in the cheaper
        # check once. psycopg_pool keeps it in ``_check`` and calls it in getconn (tests/backend/common/
        # test_postgresql_backend.py fails if that changes).
        if pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check = connection_check
        return pool
