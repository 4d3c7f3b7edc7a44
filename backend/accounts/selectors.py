"""Reads for accounts and sessions."""

import time
import uuid

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from .models import AuthSession, User
from .session_cache import REVOKED, session_cache_fill, session_cache_get


def session_is_live(*, session_id: str) -> bool:
    """True while the session is neither revoked nor expired: one cache lookup, the DB only on a miss."""
    cached = session_cache_get(session_id)
    if cached is None:
        expires_at = (
            AuthSession.objects.filter(id=session_id, revoked_at__isnull=True)
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
    try:
        parsed = uuid.UUID(str(session_id))
    except ValueError as exc:
        raise Http404 from exc
    session = AuthSession.objects.filter(user=user, id=parsed).first()
    if session is None:
        raise Http404
    return session
