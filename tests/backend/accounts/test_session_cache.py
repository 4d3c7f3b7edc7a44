"""The liveness-cache protocol: readers add, revokers set tombstones, nobody else writes.

These replay the interleavings that matter, step by step, against the real cache
(Redis on the PostgreSQL leg) and the real database.
"""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from backend.accounts.models import AuthSession
from backend.accounts.selectors import session_is_live
from backend.accounts.services import RefreshRejected, session_rotate, session_start, sessions_revoke_for_user
from backend.accounts.session_cache import REVOKED, session_cache_fill, session_cache_get

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit hooks must really run


def test_a_miss_is_filled_from_the_database_with_the_expiry(user):
    session = session_start(user=user).session
    assert session_cache_get(str(session.pk), user_id=str(user.pk)) is None

    assert session_is_live(session_id=str(session.pk), user_id=str(user.pk)) is True
    assert session_cache_get(str(session.pk), user_id=str(user.pk)) == int(session.expires_at.timestamp())


def test_an_unknown_session_is_cached_as_revoked(user):
    missing = "00000000-0000-0000-0000-000000000000"
    assert session_is_live(session_id=missing, user_id=str(user.pk)) is False
    assert session_cache_get(missing, user_id=str(user.pk)) == REVOKED


def test_revocation_overwrites_a_cached_live_entry(user):
    session = session_start(user=user).session
    assert session_is_live(session_id=str(session.pk), user_id=str(user.pk)) is True

    sessions_revoke_for_user(user=user)

    assert session_cache_get(str(session.pk), user_id=str(user.pk)) == REVOKED
    assert session_is_live(session_id=str(session.pk), user_id=str(user.pk)) is False


def test_a_slow_reader_cannot_resurrect_a_session_revoked_after_it_read_the_database(user):
    session = session_start(user=user).session
    # 1. A reader misses the cache and reads the database: live.
    stale_expiry = AuthSession.objects.get(pk=session.pk).expires_at
    # 2. The session is revoked and the tombstone written.
    sessions_revoke_for_user(user=user)
    # 3. The slow reader now fills the cache with what it read.
    session_cache_fill(str(session.pk), expires_at=stale_expiry, user_id=str(user.pk))

    assert session_is_live(session_id=str(session.pk), user_id=str(user.pk)) is False


def test_a_rotation_committed_after_a_revocation_leaves_the_tombstone_in_place(user):
    issued = session_start(user=user)
    session_id = str(issued.session.pk)
    assert session_is_live(session_id=session_id, user_id=str(user.pk)) is True
    sessions_revoke_for_user(user=user)

    with pytest.raises(RefreshRejected):
        session_rotate(raw_refresh=issued.tokens.refresh)

    assert session_cache_get(session_id, user_id=str(user.pk)) == REVOKED


def test_a_rotation_does_not_touch_the_cache_and_the_session_stays_live(user):
    # Given a live session whose cache entry holds an expiry of its own (100 s before the row's), so that any
    # write by the rotation, even of the same second, would show
    issued = session_start(user=user)
    session_id = str(issued.session.pk)
    marked = issued.session.expires_at - timedelta(seconds=100)
    cache.delete(f"auth:session:{session_id}")
    session_cache_fill(session_id, expires_at=marked, user_id=str(user.pk))
    cached_before = session_cache_get(session_id, user_id=str(user.pk))
    assert cached_before == int(marked.timestamp())

    rotated = session_rotate(raw_refresh=issued.tokens.refresh)

    # Then the entry is exactly as it was, and the session is live
    assert session_cache_get(session_id, user_id=str(user.pk)) == cached_before
    assert rotated.session.expires_at >= issued.session.expires_at
    assert session_is_live(session_id=session_id, user_id=str(user.pk)) is True


def _seconds_left(key: str) -> float:
    """How long the cache keeps ``key``: Redis's TTL, or the local-memory cache's own expiry."""
    if hasattr(cache, "ttl"):  # django-redis
        return float(cache.ttl(key))
    return cache._expire_info[cache.make_and_validate_key(key)] - time.time()  # type: ignore[attr-defined]


def test_a_live_entry_never_outlives_the_expiry_it_stores(user):
    # Given a session ending in 30 s (the entry would otherwise live as long as an access token, 5 minutes)
    session = session_start(user=user).session
    AuthSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() + timedelta(seconds=30))

    assert session_is_live(session_id=str(session.pk), user_id=str(user.pk)) is True

    # Then its cache entry expires with it, not later
    assert 0 < _seconds_left(f"auth:session:{session.pk}") <= 30


def test_cache_keys_are_namespaced(user):
    session = session_start(user=user).session
    session_is_live(session_id=str(session.pk), user_id=str(user.pk))
    assert cache.get(f"auth:session:{session.pk}") is not None


def test_a_live_entry_names_its_user_and_answers_revoked_to_a_token_of_anyone_else(user, other_user):
    # Given a session whose live entry is cached
    session = session_start(user=user).session
    assert session_is_live(session_id=str(session.pk), user_id=str(user.pk)) is True

    # When a token of another user names it
    # Then the cached entry alone refuses it, and the owner's entry is untouched
    assert session_cache_get(str(session.pk), user_id=str(other_user.pk)) == REVOKED
    assert session_is_live(session_id=str(session.pk), user_id=str(other_user.pk)) is False
    assert session_cache_get(str(session.pk), user_id=str(user.pk)) == int(session.expires_at.timestamp())


def test_an_entry_of_an_earlier_release_without_its_user_is_read_as_a_miss(user):
    # Given a live entry written by a release that stored only the expiry
    session = session_start(user=user).session
    cache.set(f"auth:session:{session.pk}", int(session.expires_at.timestamp()), timeout=60)

    # When a token reads it, it cannot tell whose session it is: the database decides
    assert session_cache_get(str(session.pk), user_id=str(user.pk)) is None
    assert session_is_live(session_id=str(session.pk), user_id=str(user.pk)) is True
    sessions_revoke_for_user(user=user)
    assert session_is_live(session_id=str(session.pk), user_id=str(user.pk)) is False
