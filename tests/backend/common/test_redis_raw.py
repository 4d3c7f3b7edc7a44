"""The connection each thread keeps for the round trip of every API request (backend/common/redis_raw.py)."""

import socket
import threading

from django.core.cache import cache

from backend.common.ratelimit import PendingHit, rate_limit_hit_and_mget
from backend.common.redis_breaker import redis_breaker
from backend.common.redis_raw import held_call, redis_client


def _round_trip(identity: str = "u-1") -> list | None:
    cache.set("present", 7)
    return rate_limit_hit_and_mget(PendingHit("user", identity), [cache.client.make_key("present")])


def test_a_connection_the_server_closed_is_replaced_without_a_failure(throwaway_redis):
    assert _round_trip() is not None
    client = redis_client()
    killed = client.client_kill_filter(_type="normal", skipme=True)  # every other client's, this thread's too
    assert killed >= 1

    values = _round_trip()

    assert values is not None  # answered by Redis, not given up to the per-process fallback
    assert cache.client.decode(values[0]) == 7
    assert not redis_breaker.is_open()


def test_a_reply_left_unread_on_the_connection_is_never_read_as_the_next_calls(throwaway_redis):
    assert _round_trip() is not None

    def leave_a_reply_unread(connection):
        connection.send_packed_command(connection.pack_command("ECHO", "a stray reply"))
        # Until it has arrived, no check before a send can see it (the pool's cannot either): wait for it, unread.
        assert connection.can_read(timeout=5)

    held_call(redis_client(), leave_a_reply_unread)

    values = _round_trip()

    assert cache.client.decode(values[0]) == 7


def test_a_thread_keeps_its_connection_and_other_threads_get_their_own(throwaway_redis):
    client = redis_client()
    mine = held_call(client, lambda connection: connection)
    in_other_thread = []
    thread = threading.Thread(target=lambda: in_other_thread.append(held_call(client, lambda connection: connection)))
    thread.start()
    thread.join()

    assert held_call(client, lambda connection: connection) is mine
    assert in_other_thread[0] is not mine


def test_a_redis_that_is_down_is_reported_as_a_failure_and_counted_locally(throwaway_redis):
    assert _round_trip() is not None
    throwaway_redis.stop()
    hit = PendingHit("user", "u-3")

    assert rate_limit_hit_and_mget(hit, ["k"]) is None
    assert hit.usage is None
    assert redis_breaker.is_open()


def test_a_connection_that_cannot_be_made_is_tried_once(throwaway_redis, monkeypatch):
    assert _round_trip() is not None
    throwaway_redis.stop()
    assert rate_limit_hit_and_mget(PendingHit("user", "u-4"), ["k"]) is None  # the kept connection fails: dropped
    redis_breaker.reset()  # the retry interval later, and Redis's name no longer resolves
    lookups = []

    def failing_lookup(*args, **kwargs):
        lookups.append(args[0])
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", failing_lookup)

    assert rate_limit_hit_and_mget(PendingHit("user", "u-4"), ["k"]) is None

    assert len(lookups) == 1  # not once more: a resolver's or a connect timeout's wait is paid once
