"""Revoking sessions (one, an operator's selection, all of an account's) and purging the ended ones.

Revocations write their cache tombstone in ``transaction.on_commit``, before the
response that reports them is sent, so no worker trusts a revoked session after
the client has been told it is revoked (see session_cache.py for the protocol).
"""

import secrets
from collections.abc import Callable
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit, audit_record_many
from backend.common.batching import queryset_delete_in_batches
from backend.common.db import atomic
from backend.mfa.models import MfaChallenge
from backend.observability.metrics import auth_sessions_revoked

from ..models import AuthSession, User
from ..session_cache import session_cache_mark_revoked

SESSIONS_REVOKE_BATCH_SIZE = 500  # sessions per transaction in sessions_revoke_many


def session_revoke(*, session: AuthSession, audit_event: str = AuditEvent.Event.SESSION_REVOKED) -> None:
    """Revoke one session; its access and refresh tokens stop working at once."""
    if session.revoked_at is None and sessions_revoke_where(Q(pk=session.pk)):
        audit_on_commit(event=audit_event, user_id=session.user_id, session_id=session.pk)


def sessions_revoke_many(*, sessions: QuerySet[AuthSession], audit_event: str, batch_size: int | None = None) -> int:
    """Revoke the live sessions among ``sessions`` (an operator's selection, however large), ``batch_size`` per
    transaction (default SESSIONS_REVOKE_BATCH_SIZE); returns how many. Each batch is session_revoke's revocation
    for all its sessions at once: their tombstones once it commits (every access token of theirs refused from then
    on, by every worker) and one audit row per session, written in one INSERT (one transaction and one INSERT per
    session took 35 s for 3,140).

    Each batch locks its sessions' accounts first, in a fixed order, then the sessions, as every writer of an
    account's sessions does (locks.py): none of them can deadlock with it, and a session revoked meanwhile by
    another writer is neither counted nor recorded twice. A batch that committed stays revoked if a later one fails.
    """
    batch_size = batch_size or SESSIONS_REVOKE_BATCH_SIZE
    revoked = 0
    live = sessions.filter(revoked_at__isnull=True).order_by("pk").values_list("pk", "user_id")
    after = None
    while batch := list((live if after is None else live.filter(pk__gt=after))[:batch_size]):
        after = batch[-1][0]
        with atomic():
            owners = sorted({user_id for _, user_id in batch})
            list(User.objects.select_for_update().filter(pk__in=owners).order_by("pk").values_list("pk", flat=True))
            locked = AuthSession.objects.select_for_update().filter(pk__in=[pk for pk, _ in batch], revoked_at=None)
            rows = list(locked.order_by("pk").values_list("pk", "user_id"))
            if not rows:
                continue
            ids = [str(pk) for pk, _ in rows]
            AuthSession.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
            transaction.on_commit(partial(session_cache_mark_revoked, ids))
            transaction.on_commit(partial(auth_sessions_revoked.inc, len(rows)))
            subjects = [(user_id, pk) for pk, user_id in rows]
            transaction.on_commit(partial(audit_record_many, event=audit_event, subjects=subjects))
        revoked += len(rows)
    return revoked


def sessions_revoke_for_user(
    *,
    user: User,
    except_session_id: str | None = None,
    audit_event: str | None = AuditEvent.Event.LOGOUT_ALL,
    acting_session_id: str | None = None,
) -> int:
    """Revoke every live session of the user, optionally sparing one, and end their Django sessions (the admin's).
    Returns how many API sessions were revoked.

    ``audit_event`` names why, for the audit trail (None: the caller records its own event);
    ``acting_session_id`` is the session that asked, recorded with it.
    """
    condition = Q(user=user)
    if except_session_id:
        condition &= ~Q(pk=except_session_id)
    with atomic():
        # The user row first (its new revocation key takes its lock), then the sessions: a sign-in running now
        # either commits its session before this reads them, or finds the new key (session_start).
        _django_sessions_end(user)
        revoked = sessions_revoke_where(condition)
        # A sign-in half done (its password was right; its second step is pending) must not finish after this, nor
        # one with a code emailed before it.
        MfaChallenge.objects.filter(
            user=user, purpose__in=(MfaChallenge.Purpose.SIGN_IN, MfaChallenge.Purpose.EMAIL_CODE)
        ).delete()
    if audit_event:
        audit_on_commit(event=audit_event, user_id=user.pk, session_id=acting_session_id)
    return revoked


def sessions_purge(
    *, now: datetime | None = None, batch_size: int = 5000, on_batch: Callable[[int], None] | None = None
) -> int:
    """Delete expired and revoked sessions (their tokens are already refused). Returns how many.

    Deletes in batches, each its own short transaction, so a large backlog never holds
    long locks and an interrupted run keeps what it did; ``on_batch`` gets the running total.
    """
    return queryset_delete_in_batches(AuthSession.objects.ended(now), batch_size=batch_size, on_batch=on_batch)


def _django_sessions_end(user: User) -> None:
    """A new revocation key changes the user's session auth hash, so every Django session signed in before (the
    admin's, in any browser, whatever the session engine) no longer matches it and is flushed on its next request.
    Set on ``user`` too: a caller that keeps its own admin session (Django's update_session_auth_hash after an
    operator sets their own password) hashes the new key."""
    user.sessions_revocation_key = secrets.token_hex(16)
    User.objects.filter(pk=user.pk).update(sessions_revocation_key=user.sessions_revocation_key)


def sessions_revoke_where(condition: Q) -> int:
    """Revoke the live sessions ``condition`` matches; returns how many. Every sign-out and revocation but an
    operator's bulk one (sessions_revoke_many, which locks their accounts first) goes through it."""
    with atomic():
        ids = [
            str(pk)
            for pk in AuthSession.objects.filter(condition, revoked_at__isnull=True).values_list("pk", flat=True)
        ]
        if not ids:
            return 0
        count = AuthSession.objects.filter(pk__in=ids, revoked_at__isnull=True).update(revoked_at=timezone.now())
        transaction.on_commit(lambda: session_cache_mark_revoked(ids))
        transaction.on_commit(lambda: auth_sessions_revoked.inc(count))
    return count
