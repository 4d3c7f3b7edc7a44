"""Redis outage reporting: one warning per interval and consequence, however many requests hit it.

During an outage every request fails over (cache misses, local rate limits); a line
per request would flood the logs exactly when an operator needs to read them.
"""

import logging
import threading
import time

from django.conf import settings
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger("backend.redis")


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


def report_redis_failure(consequence: str, exc: BaseException | None) -> None:
    """Log a warning that Redis failed and what the app does instead, at most once per REDIS_WARNING_INTERVAL."""
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


class RedisCircuitOpen(ConnectionInterrupted):
    """Raised instead of calling Redis while the breaker is open; handled like any Redis failure."""

    def __str__(self) -> str:
        return "Redis calls paused after a recent failure"


class _Breaker:
    """Per process: after a Redis failure, skip Redis for REDIS_RETRY_SECONDS, then try again."""

    def __init__(self) -> None:
        self._open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self) -> None:
        self._open_until = time.monotonic() + settings.REDIS_RETRY_SECONDS

    def reset(self) -> None:
        self._open_until = 0.0


redis_breaker = _Breaker()
