"""An operator removing every second factor of an account (the admin's "Reset second factors"), for a user who lost
both their authenticator app and their recovery codes: after it, the password alone signs in again."""

from backend.accounts import emails
from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic

from ..models import Passkey, RecoveryCode, TotpAuthenticator


def mfa_reset(*, user: User, actor: User | None) -> bool:
    """Delete the user's authenticator app (pending or enabled), recovery codes and passkeys; audited as
    ``mfa_reset`` with ``actor`` (the operator) and the user emailed. False, with nothing recorded or sent, when
    the user had none of them."""
    with atomic():
        removed = sum(
            model.objects.filter(user=user).delete()[0] for model in (TotpAuthenticator, RecoveryCode, Passkey)
        )
        if not removed:
            return False
        audit_on_commit(event=AuditEvent.Event.MFA_RESET, user_id=user.pk, actor_id=actor.pk if actor else None)
        emails.notify_mfa_reset(user=user)
    return True
