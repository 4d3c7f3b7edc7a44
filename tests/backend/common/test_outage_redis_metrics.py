"""redis_failures_total: every failed Redis call, by the part of the app that made it, counted against a real
redis-server stopped underneath the app (a closed port), however few warnings the logs get."""

import uuid

from django.core.cache import cache

from backend.common.ratelimit import PendingHit, rate_limit_hit_and_mget
from backend.common.redis_breaker import redis_breaker
from backend.tasks.selectors import TASK_READS
from tests.backend.observability.helpers import sample

REDIS_COMPONENTS = ("cache", "ratelimit", "response_cache")


def _failures() -> dict[str, float]:
    return {component: sample("redis_failures_total", component=component) for component in REDIS_COMPONENTS}


def test_each_failed_redis_call_is_counted_by_component_while_the_warnings_are_held_back(throwaway_redis, caplog):
    # Given a Redis the app used, then stopped (its port now refuses)
    cache.set("present", 1)
    assert cache.get("present") == 1
    before = _failures()
    throwaway_redis.stop()

    # When the cache, a rate limit and the response cache each call it, the cache twice
    assert cache.get("present") is None  # fails open: a miss
    assert cache.get("present") is None  # the breaker is open now: not tried, still reported as the cache's failure
    redis_breaker.reset()  # as after the breaker's retry interval: the next call reaches the closed port again
    assert rate_limit_hit_and_mget(PendingHit("user", "u-metrics"), ["k"]) is None
    redis_breaker.reset()
    TASK_READS.invalidate(uuid.uuid4())

    # Then each call is counted under its component (the logs warn once a minute per consequence, not per call)
    after = _failures()
    assert {component: after[component] - before[component] for component in REDIS_COMPONENTS} == {
        "cache": 2,
        "ratelimit": 1,
        "response_cache": 2,  # the write that failed, and the invalidation it could not make
    }
    warnings = [record for record in caplog.records if record.name == "backend.redis"]
    assert len(warnings) < 5
