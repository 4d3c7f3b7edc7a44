"""Removing every second factor of an account at once: an operator's "Reset second factors" in the admin, for a user
who lost both their authenticator app and their recovery codes; and the password reset that proves who reads the
address of an account that never had a confirmed one (mfa_reset_by_password_reset). After either, the password alone
signs in again."""

from backend.accounts.emails.security_notices import notify_mfa_reset
from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic

from ..models import Passkey, RecoveryCode, TotpAuthenticator
from .enrolment import mfa_writes_lock


def _factors_delete(*, user: User) -> int:
    """Delete the user's authenticator app (pending or enabled), recovery codes and passkeys; how many rows went.
    The user's row is locked first, as every factor writer locks it: removing the last passkey takes the passkey's
    row and then the recovery codes', the opposite of the order here, and the two would deadlock."""
    mfa_writes_lock(user=user)
    return sum(model.objects.filter(user=user).delete()[0] for model in (TotpAuthenticator, RecoveryCode, Passkey))


def mfa_reset(*, user: User, actor: User | None) -> bool:
    """Delete the user's authenticator app (pending or enabled), recovery codes and passkeys; audited as
    ``mfa_reset`` with ``actor`` (the operator) and the user emailed. False, with nothing recorded or sent, when
    the user had none of them."""
    with atomic():
        if not _factors_delete(user=user):
            return False
        audit_on_commit(event=AuditEvent.Event.MFA_RESET, user_id=user.pk, actor_id=actor.pk if actor else None)
        notify_mfa_reset(user=user)
    return True


def mfa_reset_by_password_reset(*, user: User) -> bool:
    """A password reset just proved, for the first time, that its user reads the address of an account that never
    had a confirmed one (User.email_verified_once; backend/accounts/services/password_reset.py): the account's second
    factors go, audited as ``mfa_reset_by_password_reset``. Whoever held the account before may have added them
    (account pre-hijacking: registering someone else's address; services/enrolment.py now refuses that, this clears
    what was added before), and they would outlive the reset. Not for an account whose address was confirmed once and
    is unconfirmed again (an operator changed it in the admin): its factors are taken as its owner's, and a new
    mailbox's reader must not strip them. No email of its own: the caller's reset notice says so. False, with
    nothing recorded, when there were none."""
    with atomic():
        if not _factors_delete(user=user):
            return False
        audit_on_commit(event=AuditEvent.Event.MFA_RESET_BY_PASSWORD_RESET, user_id=user.pk)
    return True
