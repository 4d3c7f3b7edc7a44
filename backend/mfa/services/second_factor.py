"""Checking a second factor (an authenticator code, a recovery code or a passkey assertion) under the sign-in limits.

Every check counts as a failed sign-in of the account on the password's own buckets (login_limits.LOGIN) before it
runs, atomically, and is given back when right. So guessing codes is limited per account and per IP like guessing
passwords, and a lockout reads the same whichever failed: it never tells whether the password was right.
"""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from backend.accounts.assurance import PASSKEY, RECOVERY_CODE, TOTP
from backend.accounts.login_limits import LOGIN, account_attempt
from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit

from ..errors import CodeInvalid, PasskeyInvalid
from ..models import MfaChallenge
from .challenges import challenge_record_failure


@dataclass(frozen=True)
class SecondFactorAnswer:
    """What the client sent: exactly one of the three (the input serializers make sure)."""

    code: str | None = None
    recovery_code: str | None = None
    passkey: dict[str, Any] | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "SecondFactorAnswer":
        return cls(code=data.get("code"), recovery_code=data.get("recovery_code"), passkey=data.get("passkey"))


def second_factor_verify(
    request: HttpRequest,
    *,
    user: User,
    answer: SecondFactorAnswer,
    challenge: MfaChallenge | None = None,
    count_client: bool = True,
) -> str:
    """Check ``answer`` for ``user``; return the method it proved (assurance.TOTP, RECOVERY_CODE or PASSKEY).

    A passkey needs ``challenge`` (whose WebAuthn challenge it must have signed). A wrong answer counts on the
    sign-in limits and on ``challenge``'s failures, is audited, and raises CodeInvalid or PasskeyInvalid; past the
    limits, 429 ``login_locked`` or ``throttled`` before anything is checked. ``count_client``: whether the per-IP
    limit applies (not for a signed-in user's own session, as for the current password)."""
    # Imported here: the factor modules import this package's services, which import this module.
    from .passkeys import passkey_assertion_verify
    from .recovery_codes import recovery_code_use
    from .totp import totp_code_verify

    attempt = account_attempt(request, email=user.email, limits=LOGIN, count_client=count_client)
    attempt.raise_if_refused()
    if answer.passkey is not None:
        if challenge is None:
            raise PasskeyInvalid()
        try:
            passkey_assertion_verify(challenge=challenge, credential=answer.passkey, user=user)
        except PasskeyInvalid:
            _failed(user=user, challenge=challenge)
            raise
        method = PASSKEY
    else:
        if answer.code is not None:
            right, method = totp_code_verify(user=user, code=answer.code), TOTP
        else:
            right, method = recovery_code_use(user=user, code=answer.recovery_code or ""), RECOVERY_CODE
        if not right:
            _failed(user=user, challenge=challenge)
            raise CodeInvalid()
    attempt.refund()
    return method


def _failed(*, user: User, challenge: MfaChallenge | None) -> None:
    if challenge is not None:
        challenge_record_failure(challenge=challenge)
    audit_on_commit(event=AuditEvent.Event.MFA_FAILED, user_id=user.pk)
