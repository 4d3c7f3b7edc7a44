"""Deep pages come from a deferred join: the same tasks in the same order as a plain OFFSET."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.common import pagination
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

    # Then the pages are the same
    assert deferred == plain
    assert sorted(i for page in deferred for i in page) == sorted(i for page in plain for i in page)
    assert sum(len(page) for page in plain) == 9
