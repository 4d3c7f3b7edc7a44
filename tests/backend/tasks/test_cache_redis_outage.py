"""Cached task reads when Redis is stopped, hung or cut off by this process's breaker: reads fail open to the
database and warn once per interval, and writes and revocations still retire what Redis holds.

Invalidation runs on commit, so the tests that write and then read use real transactions.
"""

import logging
import os
import signal
import uuid
from contextlib import contextmanager

import pytest
import redis
from django.core.cache import cache

from backend.common.redis_breaker import redis_breaker
from backend.tasks.services import task_create
from tests.backend.tasks.helpers import LIST_URL as LIST
from tests.backend.tasks.helpers import STATS_URL as STATS
from tests.backend.tasks.helpers import titles as _titles
from tests.conftest import signed_in_client
from tests.factories import TaskFactory


# ------------------------------------------------------------------------------
# Redis outage: fail open, warn once per interval
# ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_reads_come_from_the_database_and_warn_once(throwaway_redis, user, caplog, json_logs):
    client, _ = signed_in_client(user)
    task_create(owner=user, title="before")
    assert _titles(client.get(LIST)) == ["before"]  # cached in Redis
    throwaway_redis.stop()

    with caplog.at_level(logging.WARNING):
        created = client.post(LIST, {"title": "during"}, format="json")
        responses = [client.get(LIST) for _ in range(5)] + [client.get(STATS), client.get(f"{LIST}?search=dur")]

    assert created.status_code == 201
    assert all(r.status_code == 200 for r in responses)
    assert sorted(_titles(responses[0])) == ["before", "during"]
    assert responses[5].json()["total"] == 2
    assert _titles(responses[6]) == ["during"]
    cache_warnings = [r for r in caplog.records if "cache reads fall back to the database" in r.getMessage()]
    assert len(cache_warnings) == 1
    assert cache_warnings[0].levelno == logging.WARNING
    # Any logger's, structlog's own lines too (a 5xx request line): caplog sees only the standard library's records.
    assert not [line for line in json_logs() if line["level"] in ("error", "critical")]


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_a_revoked_session_is_refused_at_once(throwaway_redis, user):
    client, issued = signed_in_client(user)
    assert client.get(LIST).status_code == 200  # liveness cached in Redis
    throwaway_redis.stop()
    from backend.accounts.services import session_revoke

    session_revoke(session=issued.session)

    response = client.get(LIST)
    assert response.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_api_limits_still_apply_per_process(throwaway_redis, user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "user": "3/1m"}
    client, _ = signed_in_client(user)
    throwaway_redis.stop()

    statuses = [client.get(LIST).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


@pytest.mark.django_db(transaction=True)
def test_a_write_that_cannot_reach_redis_says_its_invalidation_was_lost(throwaway_redis, user, caplog):
    client, _ = signed_in_client(user)
    client.get(LIST)
    throwaway_redis.stop()

    with caplog.at_level(logging.WARNING):
        task_create(owner=user, title="written during the outage")

    assert any("could not invalidate cached tasks reads" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_an_unreadable_cache_entry_is_a_miss_not_a_500(throwaway_redis, auth_client, user):
    from django_redis import get_redis_connection

    TaskFactory(owner=user, title="real")
    auth_client.get(LIST)
    raw = get_redis_connection("default")
    entries = [key for key in raw.keys("*tasks:v1:*") if not key.endswith(b":version")]
    assert entries
    for key in entries:
        raw.set(key, b"\x80\x05not a pickle")  # e.g. written by another release

    response = auth_client.get(LIST)

    assert response.status_code == 200
    assert _titles(response) == ["real"]


@pytest.mark.django_db
def test_while_the_breaker_is_open_the_cache_does_not_touch_redis(throwaway_redis, user):
    from django_redis import get_redis_connection

    from backend.common.redis_breaker import redis_breaker

    raw = get_redis_connection("default")
    cache.set("probe", "before")
    redis_breaker.trip()

    assert cache.get("probe") is None  # a miss, although Redis has it
    cache.set("written-while-open", 1)
    assert raw.keys("*written-while-open*") == []
    redis_breaker.reset()
    assert cache.get("probe") == "before"


@pytest.mark.django_db(transaction=True)
def test_a_write_retires_the_cached_reads_even_while_its_process_breaker_is_open(throwaway_redis, user):
    # Given a cached list, and this process's breaker open after a blip of its own while Redis serves the others
    from backend.common.redis_breaker import redis_breaker

    client, _ = signed_in_client(user)
    task_create(owner=user, title="before")
    assert _titles(client.get(LIST)) == ["before"]
    redis_breaker.trip()

    # When a write commits here
    task_create(owner=user, title="after")

    # Then the next read, by a process whose breaker is closed, does not get the body the write retired
    redis_breaker.reset()
    assert sorted(_titles(client.get(LIST))) == ["after", "before"]


@pytest.mark.django_db(transaction=True)
def test_a_revocation_writes_its_tombstone_even_while_its_process_breaker_is_open(throwaway_redis, user):
    # Given a session whose liveness is cached in Redis, and this process's breaker open
    from backend.accounts.services import session_revoke
    from backend.common.redis_breaker import redis_breaker

    client, issued = signed_in_client(user)
    assert client.get(LIST).status_code == 200
    redis_breaker.trip()

    # When the session is revoked here
    session_revoke(session=issued.session)

    # Then a process whose breaker is closed refuses its token at once, not after the cached entry expires
    redis_breaker.reset()
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "session_revoked"


@pytest.mark.django_db(transaction=True)
def test_once_a_forced_write_fails_too_the_next_ones_skip_redis_until_the_interval_ends(throwaway_redis, user):
    # Given this process's breaker open, and Redis really out of reach
    from backend.common.redis_breaker import redis_breaker

    redis_breaker.trip()
    with redis_breaker.attempt_anyway():
        assert not redis_breaker.is_open()  # a write that retires cached state still tries
    throwaway_redis.stop()

    # When one such write fails as well
    task_create(owner=user, title="written during the outage")

    # Then the next ones skip Redis like every other call (one timeout per interval, not one per write)
    with redis_breaker.attempt_anyway():
        assert redis_breaker.is_open()
    redis_breaker.reset()
    with redis_breaker.attempt_anyway():
        assert not redis_breaker.is_open()


@pytest.mark.django_db(transaction=True)
def test_with_redis_hung_requests_still_succeed_from_the_database(throwaway_redis, user):
    client, _ = signed_in_client(user)
    task_create(owner=user, title="t")
    client.get(LIST)
    throwaway_redis.pause()  # accepts connections, never answers: every call would wait the socket timeout

    responses = [client.get(LIST) for _ in range(3)] + [client.get(STATS)]

    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert _titles(responses[0]) == ["t"]


# ------------------------------------------------------------------------------
# After a stall: the bumps a write could not make are made once Redis answers again
# ------------------------------------------------------------------------------
@pytest.fixture
def pending_bumps():
    """This process's version bumps waiting for Redis (response_cache), none before or after the test."""
    from backend.common.response_cache import pending_bumps

    pending_bumps.clear()
    yield pending_bumps
    pending_bumps.clear()


@contextmanager
def _stalled(server):
    """Redis frozen (SIGSTOP: connections accepted, nothing answered) inside the block, answering again after it."""
    pid = int(redis.Redis.from_url(server.url).info("server")["process_id"])
    server.pause()
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)
    assert redis.Redis.from_url(server.url, socket_timeout=5).ping()


def _read_elsewhere(read):
    """``read()`` made as by a process whose breaker is closed; this process's is left open as after a failed bump
    (for REDIS_RETRY_SECONDS from now)."""
    redis_breaker.reset()
    try:
        return read()
    finally:
        with redis_breaker.attempt_anyway():
            redis_breaker.trip()


def _version(server, owner_id) -> int | None:
    """The owner's cached-reads version as every process reads it from Redis."""
    from backend.tasks.selectors import TASK_READS

    version_key = TASK_READS.keys(owner_id=owner_id, kind="list", parts=())[0]
    raw = redis.Redis.from_url(server.url).get(cache.make_key(version_key))
    return None if raw is None else int(raw)


@pytest.mark.django_db(transaction=True)
def test_a_write_acknowledged_after_a_stall_is_in_the_next_list_read_of_its_process(
    throwaway_redis, user, pending_bumps
):
    # Given a cached list, and a Redis stall during a write: its version bump times out, and this process's
    # breaker then skips even such bumps for REDIS_RETRY_SECONDS
    client, _ = signed_in_client(user)
    task_create(owner=user, title="before")
    assert _titles(client.get(LIST)) == ["before"]
    version_before = _version(throwaway_redis, user.id)
    with _stalled(throwaway_redis):
        task_create(owner=user, title="during the stall")
    # (Its bump may land after all: Redis runs the command it had received once it resumes.) A process whose
    # breaker is closed caches the list under the owner's version now current.
    assert sorted(_read_elsewhere(lambda: _titles(client.get(LIST)))) == ["before", "during the stall"]

    # When a write is acknowledged once Redis answers again, while this process's breaker still skips the bump
    with redis_breaker.attempt_anyway():
        assert redis_breaker.is_open()
    task_create(owner=user, title="after redis is back")

    # Then, the retry interval over, the next list read here shows both writes (before: the list cached before
    # the stall, for TASK_CACHE_TTL_SECONDS), and the owner's version moved for every other process too
    redis_breaker.reset()
    everything = ["after redis is back", "before", "during the stall"]
    assert sorted(_titles(client.get(LIST))) == everything
    assert _version(throwaway_redis, user.id) > version_before
    assert not pending_bumps
    assert sorted(_titles(client.get(LIST))) == everything  # cached again, under the new version


@pytest.mark.django_db(transaction=True)
def test_the_bumps_waiting_for_redis_are_bounded_and_the_kept_ones_are_made_when_it_answers(
    throwaway_redis, pending_bumps, monkeypatch, caplog
):
    # Given five owners with a cached version, and room for three waiting bumps
    from backend.common import response_cache
    from backend.common.redis_raw import redis_client
    from backend.tasks.selectors import TASK_READS

    monkeypatch.setattr(response_cache, "MAX_PENDING_BUMPS", 3)
    owners = [uuid.uuid4() for _ in range(5)]
    for owner in owners:
        cache.set(TASK_READS.keys(owner_id=owner, kind="list", parts=())[0], 100)

    # When a write for each cannot bump its owner's version (Redis stalled)
    with caplog.at_level(logging.WARNING), _stalled(throwaway_redis):
        for owner in owners:
            TASK_READS.invalidate(owner)

    # Then three wait, and the others are reported as not kept
    assert len(pending_bumps) == 3
    assert any("no room to keep" in r.getMessage() for r in caplog.records)
    # And the first Redis call once the interval is over makes the three
    redis_breaker.reset()
    assert redis_client() is not None
    assert not pending_bumps
    assert [_version(throwaway_redis, owner) for owner in owners] == [101, 101, 101, 100, 100]
