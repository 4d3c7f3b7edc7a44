"""Deep pages come from a deferred join: the same tasks in the same order as a plain OFFSET."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.common import pagination
from backend.tasks.selectors import task_queryset
from tests.backend.tasks.helpers import LIST_URL, ids, make_task
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query", ["", "&ordering=priority", "&ordering=-title", "&ordering=due_date", "&ordering=-updated_at"]
)
def test_a_deep_page_holds_the_same_tasks_as_a_plain_offset(user, monkeypatch, query):
    # Given tasks with ties on every ordering field, so only the id tie-break orders them
    now = timezone.now()
    for n in range(9):
        make_task(owner=user, created_at=now - timedelta(seconds=n % 3), title=f"t{n % 2}", priority="low")
    client, _ = signed_in_client(user)
    plain = [ids(client.get(f"{LIST_URL}?page_size=2&page={page}{query}")) for page in (1, 2, 3, 4, 5)]

    # When every page past the first is fetched with the deferred join (its threshold lowered)
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_MIN_OFFSET", 2)
    client.get(f"{LIST_URL}?page_size=3")  # a different URL: nothing below comes from the cache
    deferred = [ids(client.get(f"{LIST_URL}?page_size=2&page={page}{query}&x=1")) for page in (1, 2, 3, 4, 5)]

    # And fetched once more, from the anchors the deferred joins remembered (default order only), with no OFFSET
    with CaptureQueriesContext(connection) as queries:
        anchored = [ids(client.get(f"{LIST_URL}?page_size=2&page={page}{query}&x=2")) for page in (1, 2, 3, 4, 5)]

    # Then the pages are the same
    assert deferred == plain
    assert anchored == plain
    # (Page 1's prepared statement says OFFSET 0: it skips nothing.)
    offsets = [q["sql"] for q in queries.captured_queries if re.search(r"OFFSET [1-9]", q["sql"])]
    assert (offsets == []) == (query == "")
    assert sorted(i for page in deferred for i in page) == sorted(i for page in plain for i in page)
    assert sum(len(page) for page in plain) == 9


@pytest.mark.django_db(transaction=True)
def test_an_anchor_remembered_before_a_write_is_not_used_after_it(user, monkeypatch, settings):
    from backend.tasks.services import task_create

    settings.TASK_CACHE_TTL_SECONDS = 0  # bodies off: every page is read from the database
    for n in range(6):
        make_task(owner=user, created_at=timezone.now() - timedelta(minutes=n))
    client, _ = signed_in_client(user)
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_MIN_OFFSET", 2)
    before = ids(client.get(f"{LIST_URL}?page_size=2&page=2"))  # remembers page 2's first row

    task_create(owner=user, title="newest")  # shifts every page by one

    after = ids(client.get(f"{LIST_URL}?page_size=2&page=2"))
    assert after[1] == before[0]  # the old first row moved down one place: not read from its stale anchor


def test_iterating_a_page_gives_its_rows_in_order_and_indexing_still_works(user):
    for number in range(3):
        make_task(owner=user, title=f"t{number}")
    tasks = task_queryset(owner=user).order_by("created_at", "id")
    paginator = pagination.DeferredJoinPaginator(tasks, per_page=2)

    page = paginator.page(1)

    assert [task.pk for task in page] == [task.pk for task in tasks][:2]
    assert page[0].pk == next(iter(page)).pk
    assert len(page) == 2


@pytest.mark.parametrize("query", ["", "&status=todo,done"])
def test_a_deep_page_reads_its_remembered_anchor_in_authentications_round_trip(user, monkeypatch, settings, query):
    from tests.support.cache_calls import (
        assert_only_authentications_round_trip,
        record_cache_calls,
        record_redis_round_trips,
    )

    # Given an uncached deep page whose anchor and count are remembered by a first read
    settings.TASK_CACHE_TTL_SECONDS = 0  # bodies off: the page itself is read from the database each time
    now = timezone.now()
    for n in range(6):
        make_task(owner=user, created_at=now - timedelta(minutes=n))
    client, _ = signed_in_client(user)
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_MIN_OFFSET", 2)
    url = f"{LIST_URL}?page_size=2&page=3{query}"
    first = client.get(url)

    # When it is read again
    calls = record_cache_calls(monkeypatch, ("get", "get_many", "add", "set", "incr"))
    trips = record_redis_round_trips(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)

    # Then the anchor came with the session's entries (no lookup of its own), and the page seeked from it
    assert second.status_code == 200
    assert ids(second) == ids(first)
    assert_only_authentications_round_trip(calls, trips)
    assert not [q["sql"] for q in queries.captured_queries if re.search(r"OFFSET [1-9]", q["sql"])]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", None),
        ("page=1&page_size=100", None),
        ("page=11&page_size=100", (11, 100)),
        ("page=51", (51, 20)),
        ("page=50", None),  # starts at 980: shallower than DEFERRED_JOIN_MIN_OFFSET
        ("page=11&page_size=500", (11, 100)),  # clamped as paginate_queryset clamps it
        ("page=last", None),
        ("page=0", None),
        ("page=51&page_size=x", None),  # refused by paginate_queryset: no anchor looked up
    ],
)
def test_a_deep_page_is_recognised_as_paginate_queryset_reads_the_request(rf, query, expected):
    from rest_framework.request import Request

    request = Request(rf.get(f"/api/tasks/?{query}"))

    assert pagination.StandardPagination.deep_page_requested(request) == expected


def test_a_deep_pages_anchor_is_looked_up_under_the_key_read_ahead_even_across_midnight(user, rf, monkeypatch):
    from rest_framework.request import Request

    from backend.tasks.selectors import TASK_LIST_ANCHOR, task_page_anchors
    from tests.support.cache_calls import record_cache_calls

    # Given the keys authentication read ahead for a deep page, worked out on a date that is no longer today
    request = Request(rf.get(f"{LIST_URL}?page=51"))
    vars(request)["_cached_read_today"] = "2000-01-01"
    keys = TASK_LIST_ANCHOR.keys(request, owner_id=str(user.pk))
    assert keys is not None
    version_key, anchor_key = keys
    read_ahead = {version_key: 7, anchor_key: None}  # the owner's version, and no anchor remembered yet

    # When the view looks the page's anchor up
    calls = record_cache_calls(monkeypatch, ("get", "get_many", "add", "set"))
    anchors = task_page_anchors(owner=user, filters=request.query_params, request=request, read_ahead=read_ahead)
    assert anchors is not None
    anchor = anchors.get(51, 20)

    # Then it found its key among them (a miss here), with no cache read of its own
    assert anchor is None
    assert calls == []
