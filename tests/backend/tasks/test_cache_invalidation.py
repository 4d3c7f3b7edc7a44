"""Cached task reads are never stale after a write: every kind of write retires its owner's cached reads, in one
round trip, and a body rendered before a concurrent write is never served after it.

Invalidation runs on commit, so the tests that write and then read use real transactions.
"""

import pytest
from django.core.cache import cache

from backend.tasks.services import task_admin_save, task_bulk_apply, task_create, task_delete, task_update
from tests.backend.tasks.helpers import LIST_URL as LIST
from tests.backend.tasks.helpers import STATS_URL as STATS
from tests.backend.tasks.helpers import serializing_fails as _serializing_fails
from tests.backend.tasks.helpers import titles as _titles
from tests.conftest import signed_in_client
from tests.support.cache_calls import record_redis_round_trips


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
    task_admin_save(task=kept, changed_fields=["title"], old_status=kept.status)
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
