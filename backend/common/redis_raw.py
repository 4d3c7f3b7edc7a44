"""The raw Redis client behind the default cache, for the few calls on every request's path that skip
django-redis's wrappers (rate-limit counting, the session read, a cache version bump).

django-redis wraps each call in its key, serializer, failover and exception handling, and its ``incr`` sends its
whole Lua script by ``EVAL`` every time; these calls need none of that (their keys are made with
``cache.make_key``, their values are plain integers, which django-redis stores unencoded), so they run small
scripts by ``EVALSHA`` on the client it holds. Each caller handles ``RedisError`` itself: the breaker
(redis_breaker.py) and a throttled report (outage.py), as the cache does.

The round trip every API request makes (``held_call``) runs on a connection its thread keeps, not one
checked out of redis-py's pool and given back: the pool's checkout and release cost about 11 us of CPU
(locks, connection-count records and an event per release), a third of the round trip's own CPU.
"""

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from redis.commands.core import Script
from redis.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

from .redis_breaker import RedisCircuitOpen, redis_breaker

T = TypeVar("T")


def redis_configured() -> bool:
    """Whether the default cache is django-redis's (else the local-memory cache of a setup without REDIS_URL)."""
    return callable(getattr(getattr(cache, "client", None), "get_client", None))


# Work left over from a Redis outage, set by response_cache while version bumps wait for Redis (pending_bumps): the
# next redis_client() call that may reach Redis does it first, with the client, so the first call after the outage
# retires the cached reads that writes made meanwhile could not. None the rest of the time: one global read.
_waiting_work: Callable[[Any], None] | None = None


def waiting_work_set(work: Callable[[Any], None] | None) -> None:
    """Have ``work(client)`` run (it must not raise) by the next redis_client() call that may reach Redis; None:
    nothing is waiting."""
    global _waiting_work
    _waiting_work = work


def redis_client() -> Any | None:
    """The raw Redis client behind the default cache, or None when there is none or it recently failed.

    What django_redis.get_redis_connection("default") returns, without its import and checks on every request."""
    if redis_breaker.is_open():
        return None
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    if get_client is None:
        return None
    try:
        raw = get_client(write=True)
    except RedisCircuitOpen:  # another thread opened the breaker since the check above (FailFastRedisClient)
        return None
    work = _waiting_work
    if work is not None:
        work(raw)
        if redis_breaker.is_open():  # it failed: Redis is still out of reach, the caller need not wait for it too
            return None
    return raw


def script(source: bytes) -> Script:
    """A Lua script to run with ``script_run``; bytes, so no client is needed to hash it."""
    return Script(None, source)  # type: ignore[arg-type]


def script_run(client: Any, script: Script, key: str, *args: int) -> Any:
    """EVALSHA of ``script``, loading it once when the server does not know it yet (a new or restarted Redis):
    what redis-py's Script.__call__ does, without its per-call checks."""
    try:
        return client.evalsha(script.sha, 1, key, *args)
    except NoScriptError:
        return client.eval(script.script, 1, key, *args)


_held = threading.local()  # .connection: (the pool it was made for, the process it was made in, the connection)


def held_call(client: Any, call: Callable[[AbstractConnection], T]) -> T:
    """``call(connection)`` on this thread's own connection to ``client``'s server, made with its pool's settings
    and kept for the next call (made again for another pool, when the cache was reconfigured, or after a fork).

    Checked as the pool checks a connection it hands out: one that can be read from before anything was sent (a
    reply never read, or the server closed it) is dropped and made again. A server that closed a kept, checked
    connection between that check and the call gets the call once more on a new one; a command it had already run
    then runs twice, which the callers' commands allow (a rate-limit hit or a version bump counted twice). A
    connection made for the call is never tried twice: a Redis that refuses connections, or a name that does not
    resolve, costs its wait once. Any failure drops the connection, so a half-read reply is never read by the
    next call. These connections are outside the pool's ``max_connections``: one per thread."""
    pool = client.connection_pool
    held = getattr(_held, "connection", None)
    if held is None or held[0] is not pool or held[1] != os.getpid():
        connection = pool.connection_class(**pool.connection_kwargs)
        _held.connection = (pool, os.getpid(), connection)
        return _dropped_on_failure(connection, call)
    connection = held[2]
    if _unusable(connection):  # made afresh by the call's first send: a failure to connect is not tried twice
        connection.disconnect()
        return _dropped_on_failure(connection, call)
    try:
        return call(connection)
    except RedisConnectionError:
        connection.disconnect()  # closed by the server since the check: once more, on a new connection
    except BaseException:
        connection.disconnect()
        raise
    return _dropped_on_failure(connection, call)


def _unusable(connection: AbstractConnection) -> bool:
    """Not connected (dropped after a failure), or readable before anything was sent: a reply never read, or the
    server closed it (a restart, an idle timeout, ``CLIENT KILL``)."""
    if getattr(connection, "_sock", None) is None:
        return True
    try:
        return bool(connection.can_read())
    except RedisConnectionError:  # the socket failed the poll; can_read has dropped it
        return True


def _dropped_on_failure(connection: AbstractConnection, call: Callable[[AbstractConnection], T]) -> T:
    try:
        return call(connection)
    except BaseException:
        connection.disconnect()
        raise


def held_script_run(client: Any, script: Script, key: str, *args: int) -> Any:
    """``script_run`` on this thread's kept connection (held_call)."""

    def run(connection: AbstractConnection) -> Any:
        connection.send_packed_command(connection.pack_command("EVALSHA", script.sha, 1, key, *args))
        try:
            return connection.read_response()
        except NoScriptError:  # a new or restarted Redis: load the script (once)
            connection.send_packed_command(connection.pack_command("EVAL", script.script, 1, key, *args))
            return connection.read_response()

    return held_call(client, run)
