"""What adding a second factor (an authenticator app, a passkey) needs first: a confirmed email address, whenever
addresses can be confirmed (EMAIL_VERIFICATION ``optional`` or ``mandatory``; docs/security.md).

Against account pre-hijacking (Sudhodanan & Paverd, 2022): with ``optional`` verification anyone can register
someone else's address and is signed in at once. A factor added then would outlive the owner's password reset (the
owner's sign-in would ask for it, and a passkey signs the intruder in alone). Only whoever reads the mailbox can
confirm the address, so from then on a factor is the mailbox owner's. Checked here, in the services, so every caller
(the API, the admin, a shell) is held to it. With ``none`` no address can be confirmed: nothing changes.

And the lock every writer of an account's second factors takes (mfa_writes_lock): enrolments, removals, new
recovery codes, an operator's reset.
"""

from backend.accounts.errors import SessionEnded
from backend.accounts.models import AuthSession, User
from backend.accounts.selectors import session_authentication
from backend.accounts.services.locks import user_row_lock
from backend.accounts.services.reauthentication import (
    SECOND_FACTOR_NEEDED,
    ReauthenticationRequired,
    session_factor_proven,
)

from ..errors import FactorNeedsConfirmedEmail
from ..selectors import email_confirmation_required, reauthentication_level


def factor_add_allowed(*, user: User) -> None:
    """Raise FactorNeedsConfirmedEmail (403 ``email_not_verified``) when ``user`` may not add a second factor yet:
    call before anything of the factor is written, so a refusal leaves nothing behind."""
    if email_confirmation_required(user=user):
        raise FactorNeedsConfirmedEmail()


def mfa_writes_lock(*, user: User) -> None:
    """Serialize the writers of one user's second factors inside a transaction, by locking the user's row (a TOTP
    confirm racing a passkey registration would otherwise both find no codes and issue twenty). MongoDB ignores
    the lock; there the window stays, and costs at most a second set of codes."""
    user_row_lock(user_id=user.pk)


def enrolling_session_still_allowed(*, user: User, acting_session_id: str | None) -> None:
    """Inside the factor writers' lock (mfa_writes_lock), just before a new factor is written for a signed-in
    session: refuse it if that session was signed out meanwhile (401 ``session_revoked``: a password change or a
    sign-out everywhere) or is no longer at the account's level (403 ``reauthentication_required``: the owner added
    a factor from another session). The view checked both before the work (enrolment_finish_allowed); a change
    committed between that check and this write would otherwise slip past it, giving a password-only session a
    factor of its own. Every factor writer, a password change and a sign-out everywhere lock the same row, so
    what they committed is seen here. ``acting_session_id`` None: not a session's request (a shell); nothing to
    check. (MongoDB takes no lock: there the window stays, as mfa_writes_lock says.)"""
    if acting_session_id is None:
        return
    aal = AuthSession.objects.live().filter(pk=acting_session_id, user_id=user.pk).values_list("aal", flat=True).first()
    if aal is None:
        raise SessionEnded()
    if aal < reauthentication_level(user):
        raise ReauthenticationRequired(SECOND_FACTOR_NEEDED)


def enrolling_session_factor_proven(*, acting_session_id: str | None, method: str) -> None:
    """In the enrolment's transaction, once the factor is written: the session that enrolled it has just proved it
    (a first code from the app, a user-verified passkey), so it now counts as signed in with ``method`` too, usually
    two factors (accounts.services.session_factor_proven). One transaction: the factor and the session's new level
    commit together or not at all. ``acting_session_id`` None (a shell): no session to raise."""
    if acting_session_id is not None:
        session_factor_proven(session=session_authentication(session_id=acting_session_id), method=method)
