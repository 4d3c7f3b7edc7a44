"""Read replicas: reads that may lag go to a replica, everything else to the primary (docs/scaling.md).

Installed by config/settings/base.py only when ``DATABASE_REPLICA_URLS`` is set. A read goes to the
primary when any of these holds, else to one replica picked at random once per request:

1. it happens outside a request (management commands, migrations, background jobs, the shell): no
   routing state, and batch work should not act on data that may lag;
2. the request is pinned: its method is not GET/HEAD/OPTIONS, its path is an auth endpoint or the
   admin (revocation state and operators' views are never stale), it has already written, or its
   user's data changed within ``DATABASE_REPLICA_PIN_SECONDS`` (a marker in the shared cache,
   checked by the authentication class as soon as the token names the user, before any read of
   that user's rows);
3. it runs inside a transaction on the primary;
4. no replica accepts a connection (one that refuses is skipped by this process for a while).

The marker bounds staleness only if replicas replay within the pin window; the docs say how to
watch that. When Redis cannot answer, the marker cannot be read, so the request stays on the primary.
"""

import logging
import random
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from .redis_breaker import redis_breaker
from .request_context import request_user_id

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
# After a replica refused a connection, this process sends no reads to it for this long.
REPLICA_RETRY_SECONDS = 30.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Session checks, refresh, logout and the session list must see revocations at once; operators expect
# the admin to show what they just saved.
PRIMARY_PATH_PREFIXES = ("/api/auth/", "/admin/")


@dataclass
class ReadRouting:
    """Where this request's reads go. ``pinned_by`` says why they go to the primary (None: a replica)."""

    pinned_by: str | None = None
    wrote: bool = False
    replica: str | None = None  # chosen at the first replica read, then kept for the request

    def pin(self, reason: str) -> None:
        if self.pinned_by is None:
            self.pinned_by = reason


_routing: ContextVar[ReadRouting | None] = ContextVar("db_read_routing", default=None)
# Per process: replica alias -> time.monotonic() until which it gets no reads (it refused a connection).
_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


def replica_reset_down() -> None:
    """Forget which replicas refused connections (tests)."""
    with _down_lock:
        _down_until.clear()


def routing_current() -> ReadRouting | None:
    """This request's routing state; None outside a request (reads then go to the primary). For the tests: the
    router reads the state itself."""
    return _routing.get()


def routing_for(request: HttpRequest) -> ReadRouting:
    """The initial state of ``request``: pinned by its method or its path, else free to use a replica."""
    state = ReadRouting()
    if request.method not in SAFE_METHODS:
        state.pin("method")
    elif request.path_info.startswith(PRIMARY_PATH_PREFIXES):
        state.pin("path")
    return state


# ------------------------------------------------------------------------------
# Per-user "recent write" markers
# ------------------------------------------------------------------------------
def _marker_key(user_id: UUID | str) -> str:
    return f"replica:wrote:{user_id}"


def replica_note_write(user_id: UUID | str) -> None:
    """Record that ``user_id``'s data just changed (call after the commit): for the next
    ``DATABASE_REPLICA_PIN_SECONDS`` that user's requests read from the primary. A no-op without replicas."""
    seconds = settings.DATABASE_REPLICA_PIN_SECONDS
    if settings.DATABASE_REPLICA_ALIASES and seconds > 0:
        with redis_breaker.attempt_anyway():  # even while this process's breaker is open (common/redis_breaker.py)
            cache.set(_marker_key(user_id), 1, timeout=seconds)


def replica_pin_if_recent_writer(user_id: UUID | str | None) -> None:
    """Pin the current request to the primary if ``user_id``'s data changed within the pin window, or if the
    cache cannot tell (Redis down). Call once the request's user is known and before reading their rows."""
    state = _routing.get()
    if state is None or state.pinned_by is not None or user_id is None:
        return
    if settings.DATABASE_REPLICA_PIN_SECONDS <= 0:
        return
    if cache.get(_marker_key(user_id)) is not None:
        state.pin("recent_write")
    elif redis_breaker.is_open():  # the miss may be an outage, not an absent marker: stay safe
        state.pin("cache_unavailable")


def replica_read_is_cacheable(user_id: UUID | str) -> bool:
    """Whether a body this request just built for ``user_id`` may be stored in the shared cache.

    Not if the request read from a replica and the user's data changed meanwhile: the services set the
    marker *before* bumping the cache version, so a reader that took the new version finds the marker
    here, and its possibly stale body is served once but never cached under the new version.
    """
    state = _routing.get()
    if state is None or state.replica is None or settings.DATABASE_REPLICA_PIN_SECONDS <= 0:
        return True
    return cache.get(_marker_key(user_id)) is None


# ------------------------------------------------------------------------------
# Middleware and router
# ------------------------------------------------------------------------------
class ReplicaRoutingMiddleware:
    """Gives each request its own routing state, reset afterwards whatever happens (threads are reused), and
    marks the signed-in user as a recent writer when the request wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = routing_for(request)
        token = _routing.set(state)
        try:
            response = self.get_response(request)
        finally:
            _routing.reset(token)
        if state.wrote:
            # Every write of the request has committed by now (no ATOMIC_REQUESTS), and the response
            # has not left yet, so the user's next request finds the marker.
            user_id = request_user_id(request)
            if user_id is not None:
                replica_note_write(user_id)
        return response


class ReplicaRouter:
    """Writes and migrations: the primary. Reads: see the module docstring."""

    def __init__(self, replicas: list[str] | None = None) -> None:
        self.replicas = list(settings.DATABASE_REPLICA_ALIASES if replicas is None else replicas)
        self._pool = {PRIMARY, *self.replicas}

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        state = _routing.get()
        if state is None or state.pinned_by is not None or not self.replicas:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY  # a transaction reads its own snapshot and writes
        if state.replica is None:
            # One replica per request: two replicas may lag differently, and a page and its count
            # must not come from different points in time.
            state.replica = self._reachable_replica()
            if state.replica is None:
                state.pin("replicas_unavailable")
                return PRIMARY
        return state.replica

    def _reachable_replica(self) -> str | None:
        """A random replica that accepts a connection (opened now rather than at the first query), or None.

        A replica that refuses is skipped by this process for REPLICA_RETRY_SECONDS: a lost replica costs one
        slow request per process and window (its pool's timeout), not a failed read for every request sent to it.
        """
        now = time.monotonic()
        with _down_lock:
            candidates = [alias for alias in self.replicas if _down_until.get(alias, 0.0) <= now]
        random.shuffle(candidates)  # load spreading, not security
        for alias in candidates:
            try:
                connections[alias].ensure_connection()
            except DatabaseError as exc:
                with _down_lock:
                    _down_until[alias] = time.monotonic() + REPLICA_RETRY_SECONDS
                settings_dict = connections[alias].settings_dict
                logger.warning(
                    "Read replica %s (%s:%s) is unreachable (%s); this process reads from the other replicas or "
                    "the primary for %ss. Check the replica, or remove it from DATABASE_REPLICA_URLS.",
                    alias,
                    settings_dict.get("HOST"),
                    settings_dict.get("PORT"),
                    exc,
                    REPLICA_RETRY_SECONDS,
                )
                continue
            return alias
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        state = _routing.get()
        if state is not None:
            state.wrote = True
            state.pin("write")  # read-your-writes for the rest of this request
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replicas hold the primary's rows: an object read from one may point to one read from another.
        if obj1._state.db in self._pool and obj2._state.db in self._pool:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY  # replicas replay the primary's schema changes; they are read-only anyway
