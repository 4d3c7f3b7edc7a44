"""Session liveness in the shared cache: the one lookup on the authenticated hot path.

Each entry maps a session id to its expiry as a Unix timestamp, or to 0 once the
session is revoked. The protocol keeps the cache from ever resurrecting a revoked
session, whatever the interleaving across workers and pods:

* readers fill a miss with ``cache.add`` (never overwrite);
* revocation writes the tombstone with ``cache.set`` after commit;
* nothing else writes or deletes entries. A rotation extends the session's expiry
  but leaves the cache alone: a live entry never outlives the expiry it stores
  (its TTL is the whole seconds left, rounded down), so it vanishes before it could
  wrongly say "expired", and the next reader caches the new expiry.

Live entries live at most ACCESS_TOKEN_LIFETIME, which bounds the damage of a
tombstone lost while the cache was unreachable. The database is the truth.
"""

import time
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from backend.common.signals import cache_lookup

REVOKED = 0


def _key(session_id: str) -> str:
    return f"auth:session:{session_id}"


def session_cache_get(session_id: str) -> int | None:
    """Expiry timestamp, REVOKED, or None on a miss."""
    value = cache.get(_key(session_id))
    hit = isinstance(value, int)
    cache_lookup.send(sender=None, namespace="auth.session", hit=hit)
    return value if hit else None


def session_cache_fill(session_id: str, *, expires_at: datetime | None) -> None:
    """Record what the database said, unless another writer got there first."""
    if expires_at is None:
        cache.add(_key(session_id), REVOKED, timeout=_tombstone_ttl())
        return
    remaining = int(expires_at.timestamp() - time.time())
    if remaining > 0:
        ttl = min(remaining, int(settings.ACCESS_TOKEN_LIFETIME.total_seconds()))
        cache.add(_key(session_id), int(expires_at.timestamp()), timeout=ttl)


def session_cache_mark_revoked(session_ids: Iterable[str]) -> None:
    cache.set_many({_key(sid): REVOKED for sid in session_ids}, timeout=_tombstone_ttl())


def _tombstone_ttl() -> int:
    # After this every access token minted before the revocation has expired anyway.
    return int(settings.ACCESS_TOKEN_LIFETIME.total_seconds()) + 60
