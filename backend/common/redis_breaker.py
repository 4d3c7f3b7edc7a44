"""The Redis circuit breaker: after a Redis failure, this process skips Redis for a while instead of waiting on every
call for a server that is not answering (redis_raw.py, redis_cache.py, ratelimit.py, response_cache.py, db_router.py
and the session cache consult it). The failures themselves are logged by outage.py, once per interval.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django_redis.exceptions import ConnectionInterrupted


class RedisCircuitOpen(ConnectionInterrupted):
    """Raised instead of calling Redis while the breaker is open; handled like any Redis failure."""

    def __str__(self) -> str:
        return "Redis calls paused after a recent failure"


class _Breaker:
    """Per process: after a Redis failure, skip Redis for REDIS_RETRY_SECONDS, then try again.

    Except for the writes that retire what other processes may still read from Redis (a cache version bump, a
    revocation or deactivation tombstone, a recent-write marker): they run inside ``attempt_anyway()`` and always
    try once. The breaker opens on this process's failure, which may be a blip while Redis serves the other
    processes well; skipping such a write would let them serve what it retires (a list without the new task, a
    revoked session's tokens) until the entry's TTL. Once such an attempt fails too, Redis is really out of
    reach: they skip it like the rest until the interval ends, so an outage costs a process one timeout per
    interval for these writes, as for everything else. (A cache version bump that fails or is skipped is kept, and
    made by the first Redis call after the interval: response_cache.pending_bumps.)
    """

    def __init__(self) -> None:
        self._open_until = 0.0
        self._forced_open_until = 0.0  # an attempt_anyway() call failed: skip those too until then
        self._attempting = threading.local()

    def is_open(self) -> bool:
        """Whether a call now must skip Redis."""
        now = time.monotonic()
        if getattr(self._attempting, "on", False):
            return now < self._forced_open_until
        return now < self._open_until

    @contextmanager
    def attempt_anyway(self) -> Iterator[None]:
        """Redis calls in this block (this thread) are tried even while the breaker is open."""
        before = getattr(self._attempting, "on", False)
        self._attempting.on = True
        try:
            yield
        finally:
            self._attempting.on = before

    def trip(self) -> None:
        self._open_until = time.monotonic() + settings.REDIS_RETRY_SECONDS
        if getattr(self._attempting, "on", False):
            self._forced_open_until = self._open_until

    def reset(self) -> None:
        self._open_until = self._forced_open_until = 0.0


redis_breaker = _Breaker()
