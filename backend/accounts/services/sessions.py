"""Sessions: sign-in on a device, refresh-token rotation and sign-out.

Revoking sessions otherwise (one, an operator's selection, all of an account's) and purging the ended ones:
session_revocation.py, whose sessions_revoke_where every sign-out and revocation here goes through.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic
from backend.common.db_router import replica_note_write
from backend.common.errors import ErrorCode
from backend.common.secret_keys import secret_keys

from ..assurance import PASSWORD, amr_join, amr_split, assurance_level, proves_recent_authentication
from ..emails.notices import notify_refresh_reuse
from ..errors import SessionEnded
from ..models import AuthSession, User
from ..tokens import (
    InvalidRefreshToken,
    TokenPair,
    child_jti,
    hash_jti,
    refresh_token_decode,
    token_pair_issue,
)
from .locks import user_row_lock
from .session_revocation import sessions_revoke_where

USER_AGENT_MAX = AuthSession._meta.get_field("user_agent").max_length or 512


@dataclass(frozen=True)
class IssuedSession:
    session: AuthSession
    tokens: TokenPair


class RefreshRejected(AuthenticationFailed):
    default_detail = "The refresh token is invalid, expired or revoked. Sign in again."
    default_code = ErrorCode.INVALID_REFRESH_TOKEN


def _refresh_expiry(session_created_at: datetime) -> datetime:
    """Sliding expiry on each rotation, capped by the session's absolute lifetime."""
    now = timezone.now()
    return min(
        now + settings.REFRESH_TOKEN_LIFETIME,
        session_created_at + settings.SESSION_MAX_LIFETIME,
    )


def session_start(
    *,
    user: User,
    user_agent: str = "",
    ip_address: str | None = None,
    amr: tuple[str, ...] = (PASSWORD,),
    recent: bool | None = None,
) -> IssuedSession:
    """Sign a user in on one device: a new session row and its first token pair. ``amr`` names the methods the
    user proved (assurance.py), which set the session's level, and whether the sign-in counts as a recent
    authentication, unless ``recent`` says (a provider's sign-in: backend/oidc).

    Also records ``last_login``, which Django's password-reset tokens hash: signing in
    invalidates any reset link sent before.

    ``user`` as it was when its credentials were checked: see credentials_still_current. (No MongoDB transaction:
    two sign-ins writing one user document at once would fail as a write conflict; MongoDB ignores the lock
    anyway, so there the check narrows the window but cannot close it.)
    """
    now = timezone.now()
    with atomic(mongodb_transaction=False):
        credentials_still_current(user)
        user.last_login = now
        User.objects.filter(pk=user.pk).update(last_login=now)
        return _session_create(user=user, now=now, user_agent=user_agent, ip_address=ip_address, amr=amr, recent=recent)


class CredentialsChanged(AuthenticationFailed):
    default_detail = "The account's password or sessions changed while signing in. Sign in again."
    default_code = ErrorCode.INVALID_CREDENTIALS


def credentials_still_current(user: User) -> None:
    """Inside a transaction, before a sign-in step that ``user``'s credentials allowed (a session, a second step):
    refuse it (401 ``invalid_credentials``) if the account's sessions were revoked since ``user`` was read, i.e.
    a password change or reset, a sign-out everywhere or a deactivation committed while the sign-in ran. Each of
    those writes a new revocation key first, under the user row's lock, which this read takes too: such a change
    either finds what this sign-in made and ends it, or this sign-in finds the change.

    Not the password hash: Django rewrites it, with a new salt, whenever a right password was hashed with older
    parameters, so two right sign-ins at once would refuse each other; every change of password writes a new key
    in the same transaction."""
    current = (
        User.objects.select_for_update().filter(pk=user.pk).values_list("sessions_revocation_key", "is_active").first()
    )
    if current != (user.sessions_revocation_key, True):
        raise CredentialsChanged()


def acting_session_still_live(*, user: User, session_id: str | None) -> None:
    """Inside a transaction, before a change that a signed-in session asked for and that must not outlive its signing
    out (a new password, the account's deletion): refuse it (401 ``session_revoked``) if the session was revoked
    since its access token was checked. A password change, a reset or a sign-out everywhere locks the user's row
    and revokes the sessions in one transaction; this takes the same lock first, so of two password changes at once
    from two sessions, the second finds itself signed out by the first instead of setting a password its owner
    never proved they knew (and signing the first out). ``session_id`` None (not a session's request): nothing to
    check beyond the lock."""
    user_row_lock(user_id=user.pk)
    if session_id is not None and not AuthSession.objects.live().filter(pk=session_id, user_id=user.pk).exists():
        raise SessionEnded()


def _session_create(
    *, user: User, now: datetime, user_agent: str, ip_address: str | None, amr: tuple[str, ...], recent: bool | None
) -> IssuedSession:
    if recent is None:
        recent = proves_recent_authentication(amr)
    session = AuthSession(
        user=user,
        created_at=now,
        last_used_at=now,
        user_agent=(user_agent or "")[:USER_AGENT_MAX],
        ip_address=ip_address,
        amr=amr_join(amr),
        aal=assurance_level(amr),
        authenticated_at=now if recent else None,
    )
    session.expires_at = _refresh_expiry(now)
    tokens = _token_pair(session)
    session.refresh_jti_hash = hash_jti(tokens.refresh_jti)
    session.full_clean()
    session.save()
    audit_on_commit(event=AuditEvent.Event.LOGIN_SUCCEEDED, user_id=user.pk, session_id=session.pk)
    _sessions_beyond_limit_revoke(user=user, now=now)
    # Read replicas: the new tokens' first requests must find the user and session rows even if a
    # replica has not replayed them yet (e.g. right after registration).
    transaction.on_commit(lambda: replica_note_write(user.pk))
    return IssuedSession(session=session, tokens=tokens)


def _sessions_beyond_limit_revoke(*, user: User, now: datetime) -> None:
    """Keep the account at SESSIONS_PER_USER_MAX live sessions: sign out those beyond it, used least recently (the
    new one, just used, is never among them). Each is audited as a revocation, so the owner's activity shows it."""
    limit = settings.SESSIONS_PER_USER_MAX
    if not limit:
        return
    newest_first = AuthSession.objects.live(now).filter(user=user).order_by("-last_used_at", "-created_at", "-pk")
    beyond = list(newest_first.values_list("pk", flat=True)[limit:])
    # One statement, however many (an account from before the limit).
    if beyond and sessions_revoke_where(Q(pk__in=beyond)):
        for pk in beyond:
            audit_on_commit(event=AuditEvent.Event.SESSION_REVOKED, user_id=user.pk, session_id=pk)


def session_rotate(*, raw_refresh: str, user_agent: str = "", ip_address: str | None = None) -> IssuedSession:
    """Exchange a refresh token for a new pair. Presenting a rotated token revokes the session, except the one
    rotated last, within ``REFRESH_REUSE_INTERVAL_SECONDS``: it gets the same new refresh token again (a lost
    response, a retry, tabs refreshing together), so the family never forks and nobody is signed out."""
    try:
        token = refresh_token_decode(raw_refresh)
    except InvalidRefreshToken as exc:
        raise RefreshRejected() from exc

    presented_jti = str(token["jti"])
    # The row lock serialises racing refreshes on SQL; MongoDB ignores select_for_update, and there the
    # compare-and-set in _rotate_if_current decides the race (no MongoDB transaction: backend.common.db.atomic).
    # Only the session's row is locked (of=self): locking the joined user row too would deadlock with a password
    # change or deactivation, which writes the user row first and then revokes (locks) the user's sessions.
    with atomic(mongodb_transaction=False):
        session = (
            AuthSession.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(id=token["sid"], user_id=token["user_id"])
            .first()
        )
        if session is None or not session.is_live or not session.user.is_active:
            raise RefreshRejected()
        tokens = None
        if session.refresh_jti_hash == hash_jti(presented_jti):
            tokens = _rotate(session, presented_jti=presented_jti, user_agent=user_agent, ip_address=ip_address)
            if tokens is None:  # another refresh with this token rotated first (MongoDB): see what it wrote
                session.refresh_from_db()
        if tokens is None:
            tokens = _reissue_within_grace(session, presented_jti=presented_jti)
        if tokens is None:
            # An old token of this session came back: someone holds a copy. Kill the family (committed first).
            _refresh_reused(session)
    if tokens is None:
        raise RefreshRejected(
            "This refresh token was already used. The session has been signed out for safety.",
            code=ErrorCode.REFRESH_TOKEN_REUSED,
        )
    return IssuedSession(session=session, tokens=tokens)


def _rotate(session: AuthSession, *, presented_jti: str, user_agent: str, ip_address: str | None) -> TokenPair | None:
    """Issue the child of the presented (current) refresh token and store its hash, remembering the presented one
    for the grace window. None if another refresh rotated the session first."""
    now = timezone.now()
    session.expires_at = _refresh_expiry(session.created_at)
    tokens = _token_pair(session, refresh_jti=child_jti(presented_jti), issued_at=now)
    presented_hash = session.refresh_jti_hash
    session.previous_refresh_jti_hash = presented_hash
    session.refresh_jti_hash = hash_jti(tokens.refresh_jti)
    session.rotated_at = session.last_used_at = now
    if user_agent:
        session.user_agent = user_agent[:USER_AGENT_MAX]
    if ip_address:
        session.ip_address = ip_address
    # The liveness cache is left alone: an entry cached before this rotation holds the old
    # expiry and disappears by then (session_cache.py). Deleting it here could erase a
    # concurrent revocation's tombstone.
    return tokens if _rotate_if_current(session, presented_hash=presented_hash) else None


def _reissue_within_grace(session: AuthSession, *, presented_jti: str) -> TokenPair | None:
    """The current refresh token again (and a fresh access token) if ``presented_jti`` is the one rotated last, less
    than REFRESH_REUSE_INTERVAL_SECONDS ago, and its child is still current; None otherwise (reuse). Writes nothing:
    the child is rebuilt from the presented parent, its rotation time and the session's expiry."""
    interval = settings.REFRESH_REUSE_INTERVAL_SECONDS
    if interval <= 0 or session.rotated_at is None or not session.is_live:
        return None
    if session.previous_refresh_jti_hash != hash_jti(presented_jti):
        return None
    if timezone.now() - session.rotated_at > timedelta(seconds=interval):
        return None
    # Derived under the SECRET_KEY of its rotation, which may have moved to SECRET_KEY_FALLBACKS since.
    children = (child_jti(presented_jti, secret=key) for key in secret_keys())
    child = next((jti for jti in children if session.refresh_jti_hash == hash_jti(jti)), None)
    if child is None:
        return None
    return _token_pair(session, refresh_jti=child, issued_at=session.rotated_at)


def _token_pair(
    session: AuthSession, *, refresh_jti: str | None = None, issued_at: datetime | None = None
) -> TokenPair:
    return token_pair_issue(
        user_id=str(session.user_id),
        session_id=str(session.pk),
        refresh_expires_at=session.expires_at,
        refresh_jti=refresh_jti,
        issued_at=issued_at,
        amr=amr_split(session.amr),
        aal=session.aal,
    )


def _refresh_reused(session: AuthSession) -> None:
    """A rotated refresh token of ``session`` came back: revoke the session, audit (and count) the reuse, and tell
    the owner by email."""
    sessions_revoke_where(Q(pk=session.pk))
    audit_on_commit(event=AuditEvent.Event.REFRESH_REUSED, user_id=session.user_id, session_id=session.pk)
    notify_refresh_reuse(user=session.user)


def _rotate_if_current(session: AuthSession, *, presented_hash: str) -> bool:
    """Write ``session``'s rotated fields only if its stored hash is still ``presented_hash`` and it is not
    revoked: one conditional update, atomic on a single row or document. False when another writer got there
    first."""
    fields = [
        "expires_at",
        "refresh_jti_hash",
        "previous_refresh_jti_hash",
        "rotated_at",
        "last_used_at",
        "user_agent",
        "ip_address",
    ]
    return bool(
        AuthSession.objects.filter(pk=session.pk, refresh_jti_hash=presented_hash, revoked_at__isnull=True).update(
            **{field: getattr(session, field) for field in fields}
        )
    )


def session_logout(*, raw_refresh: str | None, access_session: tuple[User, str] | None) -> int:
    """Revoke the session(s) a logout names: the refresh token's (if validly signed and unexpired)
    and the still-valid access token's ``(user, session id)``. Returns how many were revoked."""
    condition = Q(pk__in=[])
    named: tuple[str, str] | None = None  # (user id, session id) for the audit trail
    if raw_refresh:
        try:
            token = refresh_token_decode(raw_refresh)
        except InvalidRefreshToken:
            pass
        else:
            condition |= Q(id=token["sid"], user_id=token["user_id"])
            named = (str(token["user_id"]), str(token["sid"]))
    if access_session is not None:
        user, session_id = access_session
        condition |= Q(id=session_id, user=user)
        named = named or (str(user.pk), session_id)
    revoked = sessions_revoke_where(condition)
    if revoked and named:
        audit_on_commit(event=AuditEvent.Event.LOGOUT, user_id=named[0], session_id=named[1])
    return revoked
