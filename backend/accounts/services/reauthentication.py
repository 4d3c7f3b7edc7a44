"""Re-authentication: recording that the user proved who they are again, on one session (docs/mfa.md).

Sensitive actions need the session's ``authenticated_at`` to be recent, at the level the account asks for now: 2
(a second factor) when it has one, else 1 (the password). The account's level, not the session's sign-in: a session
signed in with the password before its owner added a second factor must prove one now (or it could replace the
owner's factors with the password alone), and a two-factor session whose last factor was removed may use the
password (it has nothing else).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.errors import ErrorCode

from ..assurance import SECOND_FACTORS, amr_join, amr_split, assurance_level
from ..models import AuthSession
from ..selectors import session_authentication


class ReauthenticationRequired(PermissionDenied):
    default_detail = "Confirm it's you: re-authenticate (POST /api/auth/reauthenticate/), then try again."
    default_code = ErrorCode.REAUTHENTICATION_REQUIRED


SECOND_FACTOR_NEEDED = (
    "This account has two-step verification: confirm it's you with your authenticator app or a passkey "
    "(POST /api/auth/reauthenticate/), then try again."
)


def reauthenticated_until(session: AuthSession) -> datetime | None:
    """Until when the session's last authentication counts as recent; None if it never authenticated."""
    if session.authenticated_at is None:
        return None
    return session.authenticated_at + timedelta(seconds=settings.REAUTH_MAX_AGE_SECONDS)


def session_recently_authenticated(session: AuthSession) -> bool:
    until = reauthenticated_until(session)
    return until is not None and timezone.now() <= until


def method_meets_level(*, level: int, method: str) -> bool:
    """Whether ``method`` proves ``level`` (the account's, see above): any second factor does; the password only
    level 1."""
    return level <= 1 or method in SECOND_FACTORS


def session_recently_authenticated_at(*, session: AuthSession, level: int) -> bool:
    """Whether the session's last authentication is recent and was at ``level`` or above."""
    return session.aal >= level and session_recently_authenticated(session)


def session_recent_authentication_require(*, session_id: str, level: int) -> None:
    """403 ``reauthentication_required`` unless the session authenticated within REAUTH_MAX_AGE_SECONDS at ``level``
    (the account's: mfa.selectors.reauthentication_level) or above."""
    session = session_authentication(session_id=session_id)
    if not session_recently_authenticated_at(session=session, level=level):
        raise ReauthenticationRequired(SECOND_FACTOR_NEEDED if level >= 2 else None)


def session_at_account_level_require(*, session_id: str, level: int) -> None:
    """Finishing a factor's enrolment (confirming the app, saving a passkey) raises the session to two factors, so
    it needs the session to be at the account's level now: a password session whose enrolment began while the
    account had no factor must not finish it after the owner added one (it would then hold a factor of its own, and
    level 2). ``level``: the account's (mfa.selectors.reauthentication_level). 403 ``reauthentication_required``
    otherwise. (Starting the enrolment needed a recent authentication.)"""
    session = session_authentication(session_id=session_id)
    if session.aal < level:
        raise ReauthenticationRequired(SECOND_FACTOR_NEEDED)


def session_reauthenticate(*, session: AuthSession, method: str) -> AuthSession:
    """Record a fresh authentication of ``session`` with ``method`` (already checked, and meeting the account's
    level): sensitive actions are allowed until ``reauthenticated_until``. The session's level becomes that of this
    authentication: a second factor raises it, as proving one does when enrolling it; the password (accepted only
    while the account has no second factor) sets it to 1, so that if a factor is added within the window, this
    password does not count as a recent second factor."""
    if method in SECOND_FACTORS:
        session = session_factor_proven(session=session, method=method)
    else:
        session.authenticated_at, session.aal = timezone.now(), 1
        AuthSession.objects.filter(pk=session.pk).update(authenticated_at=session.authenticated_at, aal=1)
    audit_on_commit(event=AuditEvent.Event.REAUTHENTICATED, user_id=session.user_id, session_id=session.pk)
    return session


def session_factor_proven(*, session: AuthSession, method: str) -> AuthSession:
    """The user just proved a second factor on this session (enrolling it, or re-authenticating with it): the
    session's methods gain it, its level rises accordingly, and it counts as a fresh authentication. The access
    token keeps its old claims until the next refresh; the server reads the level from the row."""
    methods = [*amr_split(session.amr), method]
    session.amr = amr_join(methods)
    session.aal = max(session.aal, assurance_level(methods))
    session.authenticated_at = timezone.now()
    AuthSession.objects.filter(pk=session.pk).update(
        amr=session.amr, aal=session.aal, authenticated_at=session.authenticated_at
    )
    return session
