"""The django-redis cache backend, made to degrade gracefully when Redis fails.

* Fail open: every Redis error is swallowed and the call answers as a miss (IGNORE_EXCEPTIONS),
  so readers fall back to the database and requests never fail because of the cache.
* Fail fast: after an error, this process stops calling Redis for REDIS_RETRY_SECONDS (the breaker,
  backend/common/redis_breaker.py). Without
  this, a Redis that accepts connections but never answers would cost the socket timeout on each
  of the several cache calls of every request.
* Report, throttled: the failure is logged as one warning per REDIS_WARNING_INTERVAL_SECONDS
  (backend/common/outage.py), not one traceback per call.

This reports through django-redis's hook for ignored exceptions (its ``logger.exception`` call),
so it does not depend on how logging is configured.
"""

import sys
from typing import Any

from django_redis.cache import RedisCache
from django_redis.client import DefaultClient
from redis import Redis

from .outage import report_redis_failure
from .redis_breaker import RedisCircuitOpen, redis_breaker


class _OutageReporter:
    """Stands in for django-redis's logger, which it calls from inside ``except ConnectionInterrupted``."""

    def exception(self, *args: Any, **kwargs: Any) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, RedisCircuitOpen):
            redis_breaker.trip()
        report_redis_failure(
            "cache reads fall back to the database", getattr(exc, "__cause__", None) or exc, component="cache"
        )


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._ignore_exceptions = True
        self._log_ignored_exceptions = True
        self.logger = _OutageReporter()  # type: ignore[assignment]


class FailFastRedisClient(DefaultClient):
    """Refuses to touch Redis while the breaker is open; the backend turns that into a miss."""

    def get_client(self, write: bool = True, tried: list[int] | None = None) -> Redis:
        if redis_breaker.is_open():
            raise RedisCircuitOpen(connection=None)
        return super().get_client(write=write, tried=tried)

    def get_client_with_index(self, write: bool = True, tried: list[int] | None = None) -> tuple[Redis, int]:
        if redis_breaker.is_open():
            raise RedisCircuitOpen(connection=None)
        return super().get_client_with_index(write=write, tried=tried)
