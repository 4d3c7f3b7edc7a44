"""Cached task reads: identical to the database's answer, never stale after a write, ETags, and Redis outages.

Invalidation runs on commit, so the tests that write and then read use real transactions.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.cache import cache

from backend.tasks import serializers
from backend.tasks.serializers import TaskOutputSerializer
from backend.tasks.services import task_admin_save, task_bulk_apply, task_create, task_delete, task_update
from tests.conftest import signed_in_client
from tests.factories import TaskFactory
from tests.support.cache_calls import record_redis_round_trips

LIST = "/api/tasks/"
STATS = "/api/tasks/stats/"


def _titles(response) -> list[str]:
    return [task["title"] for task in response.json()["results"]]


def _forget_cached_reads() -> None:
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("tasks:*")
    else:
        cache.clear()


class _BodyLookups:
    """Whether each cached-body lookup (list page, detail, stats; not counts or anchors) hit, in order."""

    def __init__(self) -> None:
        self.hits: list[bool] = []

    def __call__(self, sender, namespace: str, hit: bool, **kwargs) -> None:
        if namespace in ("tasks.list", "tasks.detail", "tasks.stats"):
            self.hits.append(hit)


@contextmanager
def _body_lookups() -> Iterator[_BodyLookups]:
    from backend.common.signals import cache_lookup

    lookups = _BodyLookups()
    cache_lookup.connect(lookups, weak=False)
    try:
        yield lookups
    finally:
        cache_lookup.disconnect(lookups)


def _serializing_fails(monkeypatch) -> None:
    def refuse(self, instance):
        raise AssertionError("the task was serialized again")

    monkeypatch.setattr(TaskOutputSerializer, "to_representation", refuse)
    # The views render through task_json (a list page from rows, not through the serializer), which calls
    # task_representation outside UTC.
    monkeypatch.setattr(serializers, "task_json", lambda task, zone: refuse(None, task))
    monkeypatch.setattr(serializers, "task_representation", lambda task, zone: refuse(None, task))


# ------------------------------------------------------------------------------
# A cached answer is the database's answer
# ------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", [LIST, f"{LIST}?status=todo,done&ordering=-priority&page_size=2", STATS])
def test_a_cached_response_is_byte_for_byte_the_database_response(auth_client, user, path):
    TaskFactory.create_batch(3, owner=user, status="todo")

    with _body_lookups() as lookups:
        from_database = auth_client.get(path)
        from_cache = auth_client.get(path)
        _forget_cached_reads()
        from_database_again = auth_client.get(path)

    assert lookups.hits == [False, True, False]  # the second answer did come from the cache
    assert from_database.status_code == 200
    assert from_cache.content == from_database.content == from_database_again.content
    assert from_cache["ETag"] == from_database["ETag"] == from_database_again["ETag"]
    assert from_cache["Content-Type"] == from_database["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_a_page_larger_than_the_cache_bound_is_rendered_every_time_and_never_kept(auth_client, user, monkeypatch):
    from backend.common.response_cache import MAX_CACHED_BODY_BYTES

    # Given a page of long tasks, larger than what the cache keeps, and a page of short ones
    TaskFactory.create_batch(20, owner=user, description="x" * (MAX_CACHED_BODY_BYTES // 10))
    stored: list[int] = []  # the length of each body the cache keeps
    real_set = cache.set

    def set_and_note(key, value, *args, **kwargs):
        if isinstance(value, tuple) and len(value) == 3:  # (version, etag, body): a rendered body
            stored.append(len(value[2]))
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", set_and_note)

    # When it is read (twice) and a small page too
    big = auth_client.get(f"{LIST}?page_size=20")
    again = auth_client.get(f"{LIST}?page_size=20")
    small = auth_client.get(f"{LIST}?page_size=1")

    # Then the large body was rendered both times and never stored; the small one was stored
    assert big.status_code == again.status_code == small.status_code == 200
    assert len(big.content) > MAX_CACHED_BODY_BYTES
    assert big.content == again.content
    assert stored == [len(small.content)]


@pytest.mark.django_db
def test_a_cached_detail_is_byte_for_byte_the_database_response(auth_client, user):
    task = TaskFactory(owner=user)
    url = f"{LIST}{task.id}/"

    with _body_lookups() as lookups:
        from_database = auth_client.get(url)
        from_cache = auth_client.get(url)
        _forget_cached_reads()
        from_database_again = auth_client.get(url)

    assert lookups.hits == [False, True, False]
    assert from_cache.content == from_database.content == from_database_again.content


@pytest.mark.django_db
def test_a_cache_hit_does_not_serialize_again(auth_client, user, monkeypatch):
    TaskFactory.create_batch(2, owner=user)
    first = auth_client.get(LIST)
    _serializing_fails(monkeypatch)

    second = auth_client.get(LIST)

    assert second.content == first.content


@pytest.mark.django_db
def test_cached_pages_are_never_shared_between_users(user, other_user):
    TaskFactory(owner=user, title="mine")
    TaskFactory(owner=other_user, title="theirs")
    mine, _ = signed_in_client(user)
    theirs, _ = signed_in_client(other_user)

    assert _titles(mine.get(LIST)) == ["mine"]
    assert _titles(theirs.get(LIST)) == ["theirs"]
    assert _titles(mine.get(LIST)) == ["mine"]


@pytest.mark.django_db
def test_pagination_links_follow_the_host_asked_even_when_cached(auth_client, user):
    TaskFactory.create_batch(3, owner=user)

    one = auth_client.get(f"{LIST}?page_size=1", HTTP_HOST="localhost").json()
    other = auth_client.get(f"{LIST}?page_size=1", HTTP_HOST="127.0.0.1").json()

    assert one["next"].startswith("http://localhost/")
    assert other["next"].startswith("http://127.0.0.1/")


@pytest.mark.django_db
def test_pagination_links_follow_the_query_string_as_sent_even_when_cached(auth_client, user):
    # Given a search sent twice with the same parameters spelled two ways: raw UTF-8 (as curl may send it; WSGI
    # hands it over as latin-1 text) and %-escaped (as browsers do). Django decodes both to search=é, but the
    # next link is built from the query string as received, so each spelling has its own.
    TaskFactory.create_batch(3, owner=user, title="café")
    raw = auth_client.get(LIST, QUERY_STRING="search=\u00c3\u00a9&page_size=1").json()

    # When the escaped spelling is asked for next (it would hit the first one's entry if keyed by the parameters)
    escaped = auth_client.get(LIST, QUERY_STRING="search=%C3%A9&page_size=1").json()

    # Then its link keeps its own spelling, and a client following it searches for é
    assert raw["count"] == escaped["count"] == 3
    assert "search=%C3%A9" in escaped["next"]
    assert auth_client.get(escaped["next"]).json()["count"] == 3


@pytest.mark.django_db
def test_invalid_filters_are_400_and_never_cached(auth_client):
    first = auth_client.get(f"{LIST}?status=nope")
    second = auth_client.get(f"{LIST}?status=nope")

    assert first.status_code == second.status_code == 400
    assert "ETag" not in first


@pytest.mark.django_db
def test_a_ttl_of_zero_turns_the_cache_off(auth_client, user, settings, monkeypatch):
    settings.TASK_CACHE_TTL_SECONDS = 0
    TaskFactory(owner=user)
    auth_client.get(LIST)
    _serializing_fails(monkeypatch)

    with pytest.raises(AssertionError, match="serialized again"):
        auth_client.get(LIST)


# ------------------------------------------------------------------------------
# Never stale after a write
# ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_every_kind_of_write_is_visible_to_the_next_read(user):
    client, _ = signed_in_client(user)
    kept = task_create(owner=user, title="kept")
    assert _titles(client.get(LIST)) == ["kept"]  # cached now

    created = client.post(LIST, {"title": "created"}, format="json").json()
    assert sorted(_titles(client.get(LIST))) == ["created", "kept"]

    client.patch(f"{LIST}{created['id']}/", {"title": "patched"}, format="json")
    assert sorted(_titles(client.get(LIST))) == ["kept", "patched"]

    task_update(task=kept, data={"title": "updated by a service"})
    assert sorted(_titles(client.get(LIST))) == ["patched", "updated by a service"]

    client.post("/api/tasks/bulk/", {"ids": [created["id"]], "action": "complete"}, format="json")
    assert client.get(f"{LIST}?status=done").json()["count"] == 1

    kept.refresh_from_db()
    kept.title = "edited in the admin"
    task_admin_save(task=kept, old_status=kept.status)
    assert sorted(_titles(client.get(LIST))) == ["edited in the admin", "patched"]

    client.delete(f"{LIST}{created['id']}/")
    assert _titles(client.get(LIST)) == ["edited in the admin"]

    task_bulk_apply(owner=user, ids=[kept.id], action="delete")
    assert _titles(client.get(LIST)) == []
    assert client.get(STATS).json()["total"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_write_retires_the_owners_reads_in_one_round_trip_and_starts_no_version(user, monkeypatch, settings):
    from backend.tasks.selectors import TASK_READS

    version_key = TASK_READS._version_key(user.pk)
    task_create(owner=user, title="before any read")  # no version yet: nothing to retire, and none is started
    assert cache.get(version_key) is None
    client, _ = signed_in_client(user)
    client.get(LIST)  # starts the owner's version
    before = cache.get(version_key)
    trips = record_redis_round_trips(monkeypatch)

    task_create(owner=user, title="after a read")

    assert cache.get(version_key) == before + 1
    if settings.REDIS_URL:  # one EVALSHA (django-redis's incr sent its whole script by EVAL on every write)
        assert trips[0] == ["EVALSHA"], trips


@pytest.mark.django_db(transaction=True)
def test_detail_and_stats_follow_a_write_at_once(user):
    client, _ = signed_in_client(user)
    task = task_create(owner=user, title="t")
    url = f"{LIST}{task.id}/"
    assert client.get(url).json()["status"] == "todo"
    assert client.get(STATS).json()["by_status"]["done"] == 0

    task_update(task=task, data={"status": "done"})

    assert client.get(url).json()["status"] == "done"
    assert client.get(STATS).json()["by_status"]["done"] == 1
    task_delete(task=task)
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_write_by_one_user_leaves_another_users_cache_alone(user, other_user, monkeypatch):
    theirs, _ = signed_in_client(other_user)
    task_create(owner=other_user, title="theirs")
    cached = theirs.get(LIST)

    task_create(owner=user, title="mine")
    _serializing_fails(monkeypatch)

    assert theirs.get(LIST).content == cached.content  # still a hit


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

    from backend.common.outage import redis_breaker

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
    from backend.common.outage import redis_breaker

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
    from backend.common.outage import redis_breaker

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
    from backend.common.outage import redis_breaker

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


@pytest.mark.django_db(transaction=True)
def test_a_body_rendered_before_a_concurrent_write_is_never_served_after_it(user):
    """The reader takes the owner's version before it reads the database, so a body built from data older
    than a write can only be stored under the version that write retired."""
    from backend.common.response_cache import render_json
    from backend.tasks.selectors import TASK_READS

    task = task_create(owner=user, title="old")

    def render_while_a_write_commits():
        body = render_json({"title": "old"})  # read from the database before the write below
        task_update(task=task, data={"title": "new"})  # commits and invalidates mid-read
        return body

    TASK_READS.get_or_render(owner_id=user.pk, kind="probe", parts=["x"], render=render_while_a_write_commits)
    after = TASK_READS.get_or_render(
        owner_id=user.pk, kind="probe", parts=["x"], render=lambda: render_json({"title": "new"})
    )

    assert after.body == b'{"title":"new"}'
