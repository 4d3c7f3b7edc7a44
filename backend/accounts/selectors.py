"""Reads for accounts and sessions."""

import enum
import time
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.http import Http404

from backend.common.ids import uuid_or_404
from backend.common.ratelimit import PendingHit

from .link_tokens import PendingChange, change_pending_read
from .models import AuthSession, User
from .session_cache import (
    REVOKED,
    USER_ACTIVE,
    USER_INACTIVE,
    auth_entries_get,
    session_cache_fill,
    session_cache_get,
    user_cache_fill,
)


class Access(enum.Enum):
    LIVE = "live"
    SESSION_ENDED = "session_ended"  # revoked, expired or unknown
    USER_INACTIVE = "user_inactive"  # deactivated or deleted


def session_is_live(*, session_id: str, user_id: str) -> bool:
    """True while the session is neither revoked nor expired and belongs to ``user_id``: one cache lookup, the DB
    only on a miss."""
    return _session_live(session_id, user_id, session_cache_get(session_id, user_id=user_id))


def access_check(
    *, session_id: str, user_id: str, read_ahead: dict[str, Any] | None = None, hit: PendingHit | None = None
) -> Access:
    """Whether an access token bound to this session and user may be used: one cache round trip for both
    answers (and for the ``read_ahead`` keys, whose values it fills in, and the rate-limit ``hit``, which it
    counts when it can), the database only for what missed."""
    session_value, user_value = auth_entries_get(session_id, user_id, read_ahead, hit)
    if not _session_live(session_id, user_id, session_value):
        return Access.SESSION_ENDED
    if user_value is None:
        # The primary, like the session check: a deactivation must count on the very next request.
        active = bool(
            User.objects.using(DEFAULT_DB_ALIAS).filter(pk=user_id).values_list("is_active", flat=True).first()
        )
        user_cache_fill(user_id, active=active)
        user_value = USER_ACTIVE if active else USER_INACTIVE
    return Access.LIVE if user_value == USER_ACTIVE else Access.USER_INACTIVE


def _session_live(session_id: str, user_id: str, cached: int | None) -> bool:
    """``cached`` is the session's cache entry for a token of ``user_id`` (None on a miss): its expiry, live until
    then, or REVOKED (also when the session belongs to someone else)."""
    if cached is None:
        # Always the primary, never a read replica: a revocation must count on the very next request.
        row = (
            AuthSession.objects.using(DEFAULT_DB_ALIAS)
            .live()
            .filter(id=session_id)
            .values_list("expires_at", "user_id")
            .first()
        )
        expires_at, owner_id = row if row is not None else (None, None)
        # The cache records the session's real owner (None: ended or unknown, a tombstone), whoever asked.
        session_cache_fill(session_id, expires_at=expires_at, user_id=str(owner_id) if owner_id else None)
        live_for_user = expires_at is not None and str(owner_id) == user_id
        cached = int(expires_at.timestamp()) if live_for_user and expires_at is not None else REVOKED
    return cached > time.time()


def session_list_live(*, user: User) -> QuerySet[AuthSession]:
    """The user's sessions that can still be used, newest first."""
    return AuthSession.objects.live().filter(user=user).order_by("-created_at", "-id")


def session_export_iter(*, user: User, chunk_size: int = 500) -> Iterator[AuthSession]:
    """Every session row of the user still stored (live and ended, until purge_sessions), oldest first, streamed
    ``chunk_size`` at a time for the data export."""
    return AuthSession.objects.filter(user=user).order_by("created_at", "id").iterator(chunk_size=chunk_size)


def session_get_for_user(*, user: User, session_id: str) -> AuthSession:
    """The user's own session, live or not; anyone else's, or a malformed id, is a 404."""
    session = AuthSession.objects.filter(user=user, id=uuid_or_404(session_id)).first()
    if session is None:
        raise Http404
    return session


def session_authentication(*, session_id: str) -> AuthSession:
    """The session's authentication record (amr, aal, authenticated_at), from the primary: a re-authentication
    must count on the very next request. The caller's access token was just checked, so the row exists."""
    return (
        AuthSession.objects.using(DEFAULT_DB_ALIAS)
        .only("id", "user_id", "amr", "aal", "authenticated_at")
        .get(pk=session_id)
    )


def email_change_pending_get(*, user_id: str) -> PendingChange | None:
    """The email change the account asked for whose link would still work (link_tokens.py): None once confirmed,
    cancelled, replaced, expired, or cancelled by a password change, a sign-out everywhere or the end of the session
    that asked. Read from the database, not the authentication cache, which does not hold it."""
    user = User.objects.filter(pk=user_id).first()
    return email_change_pending_of(user) if user is not None else None


def email_change_pending_of(user: User) -> PendingChange | None:
    """email_change_pending_get() for an account as read from the database."""
    pending = change_pending_read(user)
    if pending is None or pending.session_id is None:
        return pending
    return pending if session_is_live(session_id=pending.session_id, user_id=str(user.pk)) else None
