"""Session liveness in the shared cache: the one lookup on the authenticated hot path.

Each entry maps a session id to ``"<expiry>:<user id>"`` (its expiry as a Unix
timestamp and the user it belongs to), or to 0 (REVOKED) once the session is revoked,
or a reader found it ended or unknown. The user is part of the entry so that a token
naming a live session with some other user's id is refused (the tokens are signed, but
a leaked key must not let a session of one's own vouch for anyone else). The protocol
keeps the cache from ever resurrecting a revoked session, whatever the interleaving
across workers and pods:

* readers fill a miss with ``cache.add`` (never overwrite);
* revocation writes the tombstone with ``cache.set`` after commit;
* nothing else writes or deletes entries. A rotation extends the session's expiry
  but leaves the cache alone: a live entry never outlives the expiry it stores
  (its TTL is the whole seconds left, rounded down), so it vanishes before it could
  wrongly say "expired", and the next reader caches the new expiry.

Live entries live at most ACCESS_TOKEN_LIFETIME, which bounds the damage of a
tombstone lost while the cache was unreachable. The database is the truth.

Beside each session, the same cache says whether its *user* may sign in (exists and
is active), under the same protocol: readers ``add`` what the database said, and every
save of a user's ``is_active`` (and every delete) ``set``s the new state after commit
(receivers.py). Authentication reads both entries in one round trip (``auth_entries_get``)
and then needs no database query at all: the access token carries the user's id.
"""

import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache

from backend.common.ratelimit import PendingHit, rate_limit_hit_and_mget
from backend.common.redis_breaker import redis_breaker
from backend.common.signals import cache_lookup

REVOKED = 0
USER_ACTIVE = 1
USER_INACTIVE = 0  # deactivated or deleted


def _key(session_id: str) -> str:
    return f"auth:session:{session_id}"


def _user_key(user_id: str) -> str:
    return f"auth:user:{user_id}"


def _live_entry(expires_at: datetime, user_id: str) -> str:
    return f"{int(expires_at.timestamp())}:{user_id}"


def _session_entry_for(value: Any, user_id: str) -> int | None:
    """What a cached session entry says to a token of ``user_id``: REVOKED (a tombstone, or a session of another
    user), the expiry, or None (a miss; also an entry of an earlier release, which did not name its user)."""
    if value == REVOKED and isinstance(value, int):
        return REVOKED
    if isinstance(value, str):
        expiry, _, owner = value.partition(":")
        if expiry.isdigit() and owner:
            return int(expiry) if owner == user_id else REVOKED
    return None


def auth_entries_get(
    session_id: str, user_id: str, read_ahead: dict[str, Any] | None = None, hit: PendingHit | None = None
) -> tuple[int | None, int | None]:
    """The session's entry for a token of ``user_id`` and that user's entry (see session_cache_get and
    user_cache_get), in one round trip.

    ``read_ahead``: other keys to fetch in the same round trip; their values (None when missing) are set in it.
    ``hit``: a rate-limit hit to count in the same round trip, when the cache is Redis (its ``usage`` says whether
    it was counted).
    """
    session_key, user_key = _key(session_id), _user_key(user_id)
    keys = [session_key, user_key, *(read_ahead or ())]
    encoded = _get_many_counting(keys, hit) if hit is not None else None
    if encoded is not None:
        values = _decoded(encoded, ours=(session_key, user_key), read_ahead=read_ahead)
    else:
        try:
            values = cache.get_many(keys)
        except Exception:
            if not read_ahead:
                raise
            # A read-ahead value that does not decode (e.g. written by another release) must not fail
            # authentication: fetch ours alone, and leave the view to read (and judge) its own keys.
            read_ahead.clear()
            values = cache.get_many([session_key, user_key])
    if read_ahead:
        read_ahead.update({key: values.get(key) for key in read_ahead})
    session_value = _session_entry_for(values.get(session_key), user_id)
    user_value = values.get(user_key)
    user_hit = isinstance(user_value, int)
    cache_lookup.send(sender=None, namespace="auth.session", hit=session_value is not None)
    return session_value, (user_value if user_hit else None)


def _get_many_counting(keys: list[str], hit: PendingHit) -> dict[str, Any] | None:
    """``keys``' values still encoded (missing ones left out), read in the round trip that counts ``hit``; None
    when the cache is not django-redis's or Redis failed."""
    client: Any = getattr(cache, "client", None)
    if not hasattr(client, "decode"):
        return None
    # django-redis's own key making, so these are the keys cache.get_many would read.
    encoded = rate_limit_hit_and_mget(hit, [client.make_key(key) for key in keys])
    if encoded is None:
        return None
    return {key: value for key, value in zip(keys, encoded, strict=True) if value is not None}


def _decoded(encoded: dict[str, Any], *, ours: tuple[str, str], read_ahead: dict[str, Any] | None) -> dict[str, Any]:
    """Decoded as cache.get_many decodes; a read-ahead value that does not decode drops the read-ahead (as above)."""
    decode = cache.client.decode  # type: ignore[attr-defined]
    values = {key: decode(encoded[key]) for key in ours if key in encoded}
    try:
        values.update({key: decode(value) for key, value in encoded.items() if key not in ours})
    except Exception:
        if read_ahead is not None:
            read_ahead.clear()
    return values


def session_cache_get(session_id: str, *, user_id: str) -> int | None:
    """For a token of ``user_id``: the expiry timestamp, REVOKED (also when the session is another user's), or
    None on a miss."""
    value = _session_entry_for(cache.get(_key(session_id)), user_id)
    cache_lookup.send(sender=None, namespace="auth.session", hit=value is not None)
    return value


def session_cache_fill(session_id: str, *, expires_at: datetime | None, user_id: str | None) -> None:
    """Record what the database said (the live session's expiry and its user, or None: ended or unknown),
    unless another writer got there first."""
    if expires_at is None or user_id is None:
        cache.add(_key(session_id), REVOKED, timeout=_tombstone_ttl())
        return
    remaining = int(expires_at.timestamp() - time.time())
    if remaining > 0:
        ttl = min(remaining, int(settings.ACCESS_TOKEN_LIFETIME.total_seconds()))
        cache.add(_key(session_id), _live_entry(expires_at, user_id), timeout=ttl)


def session_cache_mark_revoked(session_ids: Iterable[str]) -> None:
    """After a committed revocation: tombstones over whatever a reader cached (tried even while this process's
    Redis breaker is open: common/redis_breaker.py)."""
    with redis_breaker.attempt_anyway():
        cache.set_many({_key(sid): REVOKED for sid in session_ids}, timeout=_tombstone_ttl())


def user_cache_get(user_id: str) -> int | None:
    """USER_ACTIVE, USER_INACTIVE, or None on a miss."""
    value = cache.get(_user_key(user_id))
    return value if isinstance(value, int) else None


def user_cache_fill(user_id: str, *, active: bool) -> None:
    """Record what the database said, unless a save or delete got there first."""
    cache.add(_user_key(user_id), USER_ACTIVE if active else USER_INACTIVE, timeout=_tombstone_ttl())


def user_cache_mark(user_id: str, *, active: bool) -> None:
    """After a committed save or delete: the user's state now, overwriting whatever a reader cached (tried even
    while this process's Redis breaker is open)."""
    with redis_breaker.attempt_anyway():
        cache.set(_user_key(user_id), USER_ACTIVE if active else USER_INACTIVE, timeout=_tombstone_ttl())


def _tombstone_ttl() -> int:
    # After this every access token minted before the revocation has expired anyway.
    return int(settings.ACCESS_TOKEN_LIFETIME.total_seconds()) + 60
