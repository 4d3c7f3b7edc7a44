"""Fixed-window rate limits, counted atomically in Redis, with a per-process fallback.

Why not DRF's throttles: they read the history, decide, then write it back, so
parallel requests on several workers all pass (encode/django-rest-framework#8127).
Why not django-ratelimit: its counter is atomic, but when the cache fails it can only
let everything through or refuse everything (RATELIMIT_FAIL_OPEN); we want a
local limit instead, and the seconds left in the window for ``Retry-After``.

So the count is one Lua script (INCRBY, EXPIRE on the first hit, TTL), which Redis
runs atomically: 50 parallel requests against a limit of 5 let exactly 5 through,
whichever pods they reach. When Redis is unreachable, or not configured, each
process counts in memory: a client gets at most ``limit`` per window *per process*
(workers x pods), never unlimited. After a Redis error the limiter stays local for
REDIS_RETRY_SECONDS (the breaker shared with the cache) rather than paying a timeout per request.
"""

import hashlib
import heapq
import hmac
import math
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django_redis.exceptions import ConnectionInterrupted
from redis.commands.core import Script
from redis.exceptions import NoScriptError, RedisError

from .outage import report_redis_failure
from .redis_breaker import redis_breaker
from .redis_raw import held_call, redis_client, script, script_run

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|m|min|h|hour|d|day)\s*$")
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
MAX_PERIOD_SECONDS = 31 * 86400

# KEYS[1] counter; ARGV[1] cost, ARGV[2] window seconds. Returns {count, seconds left}.
_HIT_SCRIPT = b"""
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}
"""
# Gives back an attempt that turned out not to count (a successful login).
_REFUND_SCRIPT = b"""
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECRBY', KEYS[1], ARGV[1]) end
return 0
"""
# Sent by SHA (EVALSHA); a server that does not know one (new, restarted) gets it by EVAL (redis_raw.script_run).
_hit = script(_HIT_SCRIPT)
_refund = script(_REFUND_SCRIPT)


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """``"5/15m"``, ``"100/h"``, ``"10/30s"``, ``"1000/day"``: requests per (count x unit)."""
        match = _RATE_RE.match(text)
        if match:
            limit, period = int(match[1]), int(match[2] or 1) * _UNIT_SECONDS[match[3]]
            if limit >= 1 and 1 <= period <= MAX_PERIOD_SECONDS:
                return cls(limit=limit, period=period)
        raise ValueError(
            f"Invalid rate {text!r}: write LIMIT/PERIOD such as 5/15m, 100/h or 10/30s "
            f"(a limit of at least 1, a period from 1 second to 31 days)."
        )


@dataclass(frozen=True)
class Usage:
    """One counter after a hit: what the X-RateLimit-* and Retry-After headers report."""

    scope: str
    limit: int
    count: int
    reset_after: int  # whole seconds until the window restarts, at least 1

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


def rate_for(scope: str) -> Rate:
    try:
        text = settings.RATE_LIMITS[scope]
    except KeyError:
        raise ValueError(f"No rate configured for scope {scope!r}; add it to settings.RATE_LIMITS.") from None
    return _rate_parsed(text)


@lru_cache(maxsize=256)  # every API call parses its scope's rate: the texts are the few in settings.RATE_LIMITS
def _rate_parsed(text: str) -> Rate:
    return Rate.parse(text)


def rate_limit_hit(scope: str, identity: str, *, cost: int = 1) -> Usage:
    """Count ``cost`` against ``identity`` (an IP, a user id, an email) in ``scope`` and return the usage."""
    rate = rate_for(scope)
    key = _key(scope, identity)
    client = redis_client()
    if client is not None:
        try:
            count, ttl = script_run(client, _hit, key, cost, rate.period)
            return Usage(scope=scope, limit=rate.limit, count=int(count), reset_after=max(1, int(ttl)))
        except (RedisError, ConnectionInterrupted) as exc:
            _redis_failed(exc)
    count, seconds_left = _local.hit(key, cost=cost, period=rate.period)
    return Usage(scope=scope, limit=rate.limit, count=count, reset_after=max(1, math.ceil(seconds_left)))


@dataclass
class PendingHit:
    """A hit to count in a Redis round trip made for something else (``rate_limit_hit_and_mget``): ``usage`` is set
    once it is counted, and stays None when it was not (the caller then counts it with rate_limit_hit)."""

    scope: str
    identity: str
    usage: Usage | None = None


def rate_limit_hit_and_mget(hit: PendingHit, keys: Sequence[str]) -> list[Any] | None:
    """Count ``hit`` (cost 1) and read the raw Redis ``keys``, in one round trip: a pipeline of MGET and the
    counting script. Every signed-in API request reads its session and counts its user's limit first
    (backend/accounts/authentication.py); one round trip instead of two spares a request about 35 us of client
    CPU, a wake-up of Redis and a GIL hand-over.

    The values (bytes, None when missing), or None when there is no Redis or it failed: the caller then reads its
    own way, and ``hit.usage`` stays None."""
    client = redis_client()
    if client is None:
        return None
    rate = rate_for(hit.scope)
    key = _key(hit.scope, hit.identity)
    try:
        values, counted = _mget_and_run(client, keys, _hit, key, 1, rate.period)
    except (RedisError, ConnectionInterrupted) as exc:
        _redis_failed(exc)
        return None
    count, ttl = counted
    hit.usage = Usage(scope=hit.scope, limit=rate.limit, count=int(count), reset_after=max(1, int(ttl)))
    return list(values)


def _mget_and_run(client: Any, keys: Sequence[str], counting: Script, key: str, *args: int) -> tuple[list[Any], Any]:
    """MGET of ``keys`` and EVALSHA of ``counting`` in one write and one read, on this thread's kept connection
    (redis_raw.held_call).

    What redis-py's ``pipeline()`` does, without its bookkeeping (about 25 us a request: the pipeline object, its
    command stack, per-reply callbacks). A reply that is an error is read off the connection and raised, so the
    connection stays in step."""

    def run(connection: Any) -> tuple[list[Any], Any]:
        connection.send_packed_command(
            connection.pack_commands([("MGET", *keys), ("EVALSHA", counting.sha, 1, key, *args)])
        )
        values = connection.read_response()
        try:
            counted = connection.read_response()
        except NoScriptError:  # a new or restarted Redis: load the script (once)
            connection.send_packed_command(connection.pack_command("EVAL", counting.script, 1, key, *args))
            counted = connection.read_response()
        return values, counted

    return held_call(client, run)


def rate_limit_refund(usage: Usage, identity: str, *, cost: int = 1) -> None:
    """Take back a hit that should not count (e.g. the login succeeded, and only failures are limited)."""
    key = _key(usage.scope, identity)
    client = redis_client()
    if client is not None:
        try:
            script_run(client, _refund, key, cost)
            return
        except (RedisError, ConnectionInterrupted) as exc:
            _redis_failed(exc)
    _local.refund(key, cost=cost)


def reset_local_counters() -> None:
    """Forget every in-process counter (tests; a fresh process has none)."""
    _local.clear()


def _key(scope: str, identity: str) -> str:
    return str(cache.make_key(f"ratelimit:{scope}:{_identity_digest(settings.SECRET_KEY, identity)}"))


# A keyed hash: no emails or addresses readable from (or guessable against) Redis key names, and a bounded key
# length. Remembered per identity (a client sends many requests; bounded, evicted oldest first).
@lru_cache(maxsize=8192)
def _identity_digest(secret: str, identity: str) -> str:
    return hmac.new(secret.encode(), identity.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def _redis_failed(exc: Exception) -> None:
    redis_breaker.trip()
    report_redis_failure("rate limits are counted per process", exc, component="ratelimit")


class _LocalCounters:
    """Fixed windows in this process's memory; thread-safe and bounded.

    Past SWEEP_ABOVE keys, expired windows are dropped at most once a second (so a flood of new
    keys cannot make every hit rebuild the table), and past MAX_KEYS the windows closest to
    expiring go first.
    """

    SWEEP_ABOVE = 50_000
    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}  # key -> (count, expires at, monotonic)
        self._next_sweep = 0.0

    def hit(self, key: str, *, cost: int, period: int) -> tuple[int, float]:
        now = time.monotonic()
        with self._lock:
            count, expires_at = self._windows.get(key, (0, 0.0))
            if expires_at <= now:
                count, expires_at = 0, now + period
            count += cost
            self._windows[key] = (count, expires_at)
            if len(self._windows) > self.SWEEP_ABOVE and now >= self._next_sweep:
                self._sweep(now)
        return count, expires_at - now

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + 1.0
        live = {k: v for k, v in self._windows.items() if v[1] > now}
        if len(live) > self.MAX_KEYS:
            live = dict(heapq.nlargest(self.SWEEP_ABOVE, live.items(), key=lambda item: item[1][1]))
        self._windows = live

    def refund(self, key: str, *, cost: int) -> None:
        with self._lock:
            if key in self._windows:
                count, expires_at = self._windows[key]
                self._windows[key] = (max(0, count - cost), expires_at)

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


_local = _LocalCounters()
