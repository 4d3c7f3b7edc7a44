"""The raw Redis client behind the default cache, for the few calls on every request's path that skip
django-redis's wrappers (rate-limit counting, the session read, a cache version bump).

django-redis wraps each call in its key, serializer, failover and exception handling, and its ``incr`` sends its
whole Lua script by ``EVAL`` every time; these calls need none of that (their keys are made with
``cache.make_key``, their values are plain integers, which django-redis stores unencoded), so they run small
scripts by ``EVALSHA`` on the client it holds. Each caller handles ``RedisError`` itself: the breaker
(outage.py) and a throttled report, as the cache does.
"""

from typing import Any

from django.core.cache import cache
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from .outage import redis_breaker


def redis_configured() -> bool:
    """Whether the default cache is django-redis's (else the local-memory cache of a setup without REDIS_URL)."""
    return callable(getattr(getattr(cache, "client", None), "get_client", None))


def redis_client() -> Any | None:
    """The raw Redis client behind the default cache, or None when there is none or it recently failed.

    What django_redis.get_redis_connection("default") returns, without its import and checks on every request."""
    if redis_breaker.is_open():
        return None
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


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
