"""The task cache and the replica router: nothing built from a replica read racing the owner's write is kept
(backend/common/response_cache.py with backend/common/db_router.py)."""

import pytest

from backend.common.db_router import replica_note_write
from backend.tasks.models import Task
from tests.backend.common.db_router.conftest import REPLICA_DB, REPLICAS, during_request

pytestmark = REPLICA_DB


# ------------------------------------------------------------------------------
# The task cache must not keep a body built from a lagging replica
# ------------------------------------------------------------------------------
@pytest.fixture
def counted_cache(transactional_db, user):
    """get_or_render of one cache entry of ``user``'s, and the number of renders so far.

    transactional_db: outside a test-wide transaction, so that reads may be routed to a replica."""
    from backend.common.response_cache import OwnerVersionedCache, render_json

    reads, renders = OwnerVersionedCache("replica-test"), []

    def render():
        renders.append(1)
        return render_json({"render": len(renders)})

    def get_or_render() -> bytes:
        return reads.get_or_render(owner_id=user.pk, kind="list", parts=["page-1"], render=render).body

    return get_or_render, renders


def _read_from_replica_then(router, action):
    def view(_):
        assert router.db_for_read(Task) in REPLICAS
        return action()

    return during_request(view)


def test_a_replica_read_is_cached_while_the_owner_has_not_written(replicas_on, router, counted_cache):
    get_or_render, renders = counted_cache
    _read_from_replica_then(router, get_or_render)
    _read_from_replica_then(router, get_or_render)
    assert len(renders) == 1


def test_a_replica_read_racing_the_owners_write_is_served_but_not_cached(replicas_on, router, user, counted_cache):
    # The request took its routing decision before the write's marker existed, then read from a replica.
    get_or_render, renders = counted_cache
    replica_note_write(user.pk)
    _read_from_replica_then(router, get_or_render)
    _read_from_replica_then(router, get_or_render)
    assert len(renders) == 2
    # A request on the primary caches as usual.
    during_request(lambda _: get_or_render(), method="GET", path="/api/auth/me/")
    during_request(lambda _: get_or_render(), method="GET", path="/api/auth/me/")
    assert len(renders) == 3


def test_a_count_read_from_a_replica_racing_the_owners_write_is_not_cached(replicas_on, router, user):
    # Given a request that read a (possibly lagging) replica after the owner's write marked them
    from backend.common.response_cache import OwnerVersionedCache

    reads, counts = OwnerVersionedCache("replica-count-test"), []

    def get_or_count() -> int:
        def count() -> int:
            counts.append(1)
            return 41 + len(counts)

        return reads.get_or_count(owner_id=user.pk, kind="count", parts=["filters"], count=count)

    replica_note_write(user.pk)
    # When it counts twice from a replica
    first = _read_from_replica_then(router, get_or_count)
    second = _read_from_replica_then(router, get_or_count)
    # Then each count ran, none was kept; a request on the primary keeps its count as usual
    assert (first, second, len(counts)) == (42, 43, 2)
    on_primary = during_request(lambda _: get_or_count(), method="GET", path="/api/auth/me/")
    assert during_request(lambda _: get_or_count(), method="GET", path="/api/auth/me/") == on_primary == 44


def test_a_deep_page_anchor_read_from_a_replica_racing_the_owners_write_is_not_kept(replicas_on, router, user):
    from backend.tasks.selectors import task_page_anchors
    from tests.factories import TaskFactory

    task = TaskFactory(owner=user)
    replica_note_write(user.pk)

    def remember() -> None:
        anchors = task_page_anchors(owner=user, filters={})
        assert anchors is not None
        assert anchors.get(60, 20) is None
        anchors.put(60, 20, task)

    _read_from_replica_then(router, remember)

    anchors = task_page_anchors(owner=user, filters={})
    assert anchors is not None
    assert anchors.get(60, 20) is None
