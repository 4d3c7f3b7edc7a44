"""Reads for accounts and sessions."""

import time

from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from backend.common.ids import uuid_or_404

from .models import AuthSession, User
from .session_cache import REVOKED, session_cache_fill, session_cache_get


def session_is_live(*, session_id: str) -> bool:
    """True while the session is neither revoked nor expired: one cache lookup, the DB only on a miss."""
    cached = session_cache_get(session_id)
    if cached is None:
        # Always the primary, never a read replica: a revocation must count on the very next request.
        expires_at = (
            AuthSession.objects.using(DEFAULT_DB_ALIAS)
            .filter(id=session_id, revoked_at__isnull=True)
            .values_list("expires_at", flat=True)
            .first()
        )
        session_cache_fill(session_id, expires_at=expires_at)
        cached = REVOKED if expires_at is None else int(expires_at.timestamp())
    return cached > time.time()


def session_list_live(*, user: User) -> QuerySet[AuthSession]:
    """The user's sessions that can still be used, newest first."""
    return AuthSession.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by(
        "-created_at", "-id"
    )


def session_get_for_user(*, user: User, session_id: str) -> AuthSession:
    """The user's own session, live or not; anyone else's, or a malformed id, is a 404."""
    session = AuthSession.objects.filter(user=user, id=uuid_or_404(session_id)).first()
    if session is None:
        raise Http404
    return session
