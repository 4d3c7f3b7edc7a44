"""The rate-limit counter: rate parsing, atomic counting under real concurrency, refunds, and the Redis outage."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from backend.common.ratelimit import Rate, rate_limit_hit, rate_limit_refund


@pytest.mark.parametrize(
    "text", ["", "5", "0/m", "5/0m", "5/00m", "-1/m", "5/15 weeks", "five/m", "5/m/h", "1/32d", "1/999999999s"]
)
def test_malformed_rates_are_refused_with_an_example(text):
    with pytest.raises(ValueError, match="5/15m"):
        Rate.parse(text)


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [("5/15m", 5, 900), ("100/h", 100, 3600), ("10/30s", 10, 30), ("1000/day", 1000, 86400), (" 3 / 2 min ", 3, 120)],
)
def test_rates_parse_into_a_limit_per_period(text, limit, period):
    assert Rate.parse(text) == Rate(limit=limit, period=period)


def test_an_unknown_scope_is_a_clear_error():
    with pytest.raises(ValueError, match="No rate configured for scope 'nope'"):
        rate_limit_hit("nope", "1.2.3.4")


def test_hits_count_up_to_the_limit_then_refuse_with_the_seconds_left(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": "3/1m"}

    usages = [rate_limit_hit("login_ip", "198.51.100.7") for _ in range(4)]

    assert [u.allowed for u in usages] == [True, True, True, False]
    assert [u.remaining for u in usages] == [2, 1, 0, 0]
    assert all(u.limit == 3 and 1 <= u.reset_after <= 60 for u in usages)


def test_identities_and_scopes_are_counted_separately(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": "1/1m", "register_ip": "1/1m"}

    assert rate_limit_hit("login_ip", "198.51.100.1").allowed
    assert rate_limit_hit("login_ip", "198.51.100.2").allowed
    assert rate_limit_hit("register_ip", "198.51.100.1").allowed
    assert not rate_limit_hit("login_ip", "198.51.100.1").allowed


def test_a_refund_gives_one_hit_back(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_email": "2/1m"}
    first = rate_limit_hit("login_email", "a@example.com")
    rate_limit_refund(first, "a@example.com")

    second = rate_limit_hit("login_email", "a@example.com")
    third = rate_limit_hit("login_email", "a@example.com")

    assert (second.count, third.count) == (1, 2)
    assert third.allowed


def _hammer(scope: str, identity: str, threads: int) -> list[bool]:
    barrier = threading.Barrier(threads)

    def hit(_: int) -> bool:
        barrier.wait()  # all threads hit at once
        return rate_limit_hit(scope, identity).allowed

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(hit, range(threads)))


def test_fifty_parallel_hits_against_a_limit_of_five_let_exactly_five_through(settings):
    # The leg's own cache: Redis on the PostgreSQL + Redis leg, the per-process counter on SQLite.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": "5/1m"}

    results = _hammer("login_ip", "203.0.113.50", threads=50)

    assert results.count(True) == 5


def test_fifty_parallel_hits_on_a_real_redis_let_exactly_five_through(throwaway_redis, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": "5/1m"}
    from django_redis import get_redis_connection

    results = _hammer("login_ip", "203.0.113.51", threads=50)

    assert results.count(True) == 5
    # Counted in Redis, not in this process: the key is there with its window's TTL.
    keys = get_redis_connection("default").keys("*ratelimit:login_ip:*")
    assert len(keys) == 1
    assert 0 < get_redis_connection("default").ttl(keys[0]) <= 60


def test_with_redis_down_limits_fall_back_to_this_process_and_warn_once(throwaway_redis, settings, caplog):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": "3/1m"}
    assert rate_limit_hit("login_ip", "203.0.113.60").count == 1  # counted in Redis
    throwaway_redis.stop()

    with caplog.at_level(logging.WARNING, logger="backend.redis"):
        usages = [rate_limit_hit("login_ip", "203.0.113.60") for _ in range(5)]

    # Never unlimited: the local window starts afresh and refuses past the limit.
    assert [u.allowed for u in usages] == [True, True, True, False, False]
    warnings = [r for r in caplog.records if r.name == "backend.redis"]
    assert len(warnings) == 1
    assert "rate limits are counted per process" in warnings[0].getMessage()
    assert warnings[0].levelno == logging.WARNING


def test_a_hit_and_a_read_share_one_round_trip_even_on_a_redis_that_does_not_know_the_script(throwaway_redis):
    from django.core.cache import cache

    from backend.common.ratelimit import PendingHit, rate_limit_hit_and_mget

    cache.set("present", 7)
    keys = [cache.client.make_key("present"), cache.client.make_key("absent")]
    first, second = PendingHit("user", "u-1"), PendingHit("user", "u-1")

    values = rate_limit_hit_and_mget(first, keys)  # a fresh server: EVALSHA fails, the script is loaded
    rate_limit_hit_and_mget(second, keys)

    assert [cache.client.decode(values[0]), values[1]] == [7, None]
    assert (first.usage.count, second.usage.count) == (1, 2)
    assert rate_limit_hit("user", "u-1").count == 3  # the same counter as rate_limit_hit's


def test_with_redis_down_the_shared_round_trip_counts_nothing(throwaway_redis):
    from backend.common.ratelimit import PendingHit, rate_limit_hit_and_mget

    throwaway_redis.stop()
    hit = PendingHit("user", "u-2")

    assert rate_limit_hit_and_mget(hit, ["k"]) is None
    assert hit.usage is None  # the throttle counts it then, in this process
