"""Cached task reads: identical to the database's answer, byte for byte and ETag for ETag, kept per user and per
query string as sent, and only when small enough and the TTL allows."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.cache import cache

from tests.backend.tasks.helpers import LIST_URL as LIST
from tests.backend.tasks.helpers import STATS_URL as STATS
from tests.backend.tasks.helpers import serializing_fails as _serializing_fails
from tests.backend.tasks.helpers import titles as _titles
from tests.conftest import signed_in_client
from tests.factories import TaskFactory


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
