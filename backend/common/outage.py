"""Redis outage reporting: one warning per interval and consequence, however many requests hit it.

During an outage every request fails over (cache misses, local rate limits); a line
per request would flood the logs exactly when an operator needs to read them.
"""

import logging
import threading
import time

from django.conf import settings

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
        "Redis unavailable (%s); %s. %d more failures since the last warning; next warning in %ss at most.",
        f"{type(exc).__name__}: {exc}" if exc else "unknown error",
        consequence,
        held_back,
        settings.REDIS_WARNING_INTERVAL_SECONDS,
    )


def reset_outage_reports() -> None:
    """Forget when each warning was last logged (tests)."""
    with _gates_lock:
        _gates.clear()


class DjangoRedisIgnoredFilter(logging.Filter):
    """Turns django-redis's per-call "Exception ignored" tracebacks into the throttled warning above."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        # django-redis wraps the redis error in ConnectionInterrupted; report the original.
        report_redis_failure("cache reads fall back to the database", getattr(exc, "__cause__", None) or exc)
        return False


def install_django_redis_filter() -> None:
    """Attach the filter to the logger django-redis reports swallowed exceptions to (DJANGO_REDIS_LOGGER)."""
    ignored = logging.getLogger(settings.DJANGO_REDIS_LOGGER)
    if not any(isinstance(f, DjangoRedisIgnoredFilter) for f in ignored.filters):
        ignored.addFilter(DjangoRedisIgnoredFilter())
