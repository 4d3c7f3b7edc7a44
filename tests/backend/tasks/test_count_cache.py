"""The cached count of a filtered list: shared by its pages, per filter set, fresh after every write."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.tasks.services import task_create
from tests.backend.tasks.helpers import LIST_URL
from tests.conftest import signed_in_client
from tests.factories import TaskFactory
from tests.support.cache_calls import (
    assert_only_authentications_round_trip,
    record_cache_calls,
    record_redis_round_trips,
)


def _counts(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.django_db
def test_the_pages_of_one_filter_set_share_one_count(auth_client, user):
    TaskFactory.create_batch(5, owner=user, status="todo")
    first = auth_client.get(f"{LIST_URL}?status=todo&page_size=2")

    with CaptureQueriesContext(connection) as queries:
        second = auth_client.get(f"{LIST_URL}?status=todo&page_size=2&page=2")

    assert first.json()["count"] == second.json()["count"] == 5
    assert _counts(queries) == []


@pytest.mark.django_db
def test_each_filter_set_has_its_own_count(auth_client, user):
    TaskFactory.create_batch(2, owner=user, status="todo")
    TaskFactory.create_batch(3, owner=user, status="done")

    assert auth_client.get(f"{LIST_URL}?status=todo").json()["count"] == 2
    assert auth_client.get(f"{LIST_URL}?status=done").json()["count"] == 3
    assert auth_client.get(LIST_URL).json()["count"] == 5


@pytest.mark.django_db
def test_with_a_count_ttl_of_zero_every_page_counts(auth_client, user, settings):
    settings.TASK_COUNT_CACHE_TTL_SECONDS = 0
    TaskFactory.create_batch(3, owner=user)
    auth_client.get(f"{LIST_URL}?page_size=1")

    with CaptureQueriesContext(connection) as queries:
        auth_client.get(f"{LIST_URL}?page_size=1&page=2")

    assert len(_counts(queries)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_write_makes_the_next_count_fresh_even_with_bodies_uncached(user, settings):
    settings.TASK_CACHE_TTL_SECONDS = 0  # bodies off, counts on: the bench's uncached scenarios
    client, _ = signed_in_client(user)
    TaskFactory.create_batch(3, owner=user)
    assert client.get(f"{LIST_URL}?page_size=2&page=2").json()["count"] == 3

    task_create(owner=user, title="one more")

    assert client.get(f"{LIST_URL}?page_size=2&page=2").json()["count"] == 4


@pytest.mark.django_db
def test_an_uncached_page_reads_its_cached_count_in_authentications_round_trip(user, settings, monkeypatch):

    settings.TASK_CACHE_TTL_SECONDS = 0  # bodies off, counts on
    TaskFactory.create_batch(3, owner=user)
    client, _ = signed_in_client(user)
    first = client.get(LIST_URL)  # fills the session, user and count entries
    calls = record_cache_calls(monkeypatch, ("get", "get_many", "add", "set"))
    trips = record_redis_round_trips(monkeypatch)

    with CaptureQueriesContext(connection) as queries:
        second = client.get(LIST_URL)

    assert second.json() == first.json()
    assert_only_authentications_round_trip(calls, trips)
    assert _counts(queries) == []
